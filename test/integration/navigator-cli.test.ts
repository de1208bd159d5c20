import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshKeyStore } from '../../server/src/ssh/ssh.keys';
import { REPO_ROOT } from '../support/navigator';
import { createTestUser, removeStaleTestUsers, startSshd, type TestSshd, type TestUser } from '../support/sshd';

/** `npx navigator try` as an author runs it: the command from package.json "bin", against a real sshd. */
let sshd: TestSshd;
let user: TestUser;
let keyDir: string;
let workshop: string;

const WORKSHOP = `version: 2
id: tried
title: Tried
vars: { marker: done }
steps:
  - id: one
    title: One
    minutes: 5
    checks:
      - { id: marker-file, title: M, ssh: { run: 'test -f ~/\${vars.marker}' } }
      - { id: greeting, title: G, ssh: { run: 'echo "hello \${attendee.name}"', stdout: '^hello ada$' } }
attendeeValues:
  name: { label: Name }
`;

beforeAll(async () => {
  removeStaleTestUsers();
  sshd = await startSshd();
  user = createTestUser('navtcli');
  keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'navt-cli-keys-'));
  sshd.setAuthorizedKeys(user.name, [SshKeyStore.open(keyDir).publicKeyLine]);
  workshop = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'navt-cli-')), 'tried.yaml');
  fs.writeFileSync(workshop, WORKSHOP);
});

afterAll(async () => {
  await sshd?.stop();
  user?.remove();
});

const navigator = (...args: string[]) =>
  spawnSync('npx', ['navigator', ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, npm_config_yes: 'false' } });

describe('npx navigator try', () => {
  it('runs every check once against the VM and prints the table; fails until every check passes', () => {
    const vm = `${user.name}@127.0.0.1:${sshd.port}`;
    const key = path.join(keyDir, 'navigator_ed25519');
    const first = navigator('try', workshop, '--vm', vm, '--key', key, '--value', 'name=ada');
    expect(first.stdout).toMatch(/^connected to navtcli@127\.0\.0\.1:\d+ \(host key SHA256:/);
    expect(first.stdout).toMatch(/STEP +CHECK +STATUS +REASON +TIME/);
    expect(first.stdout).toMatch(/one +marker-file +fail +exit code 1 from `test -f ~\/\$\{NAVIGATOR_VAR_marker\}` +\d+ ms/);
    expect(first.stdout).toMatch(/one +greeting +pass +\d+ ms/);
    expect(first.stdout).toContain('1 of 2 checks pass');
    expect(first.status).toBe(1);

    user.writeFile('done', '');
    const second = navigator('try', workshop, '--vm', vm, '--key', key, '--value', 'name=ada');
    expect(second.stdout).toContain('2 of 2 checks pass');
    expect(second.status).toBe(0);
  });

  it('--watch runs again when the file changes', async () => {
    const child = spawn(
      process.execPath,
      ['bin/navigator.mjs', 'try', workshop, '--vm', `${user.name}@127.0.0.1:${sshd.port}`, '--key', path.join(keyDir, 'navigator_ed25519'), '--watch'],
      { cwd: REPO_ROOT },
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    const until = async (what: RegExp) => {
      const deadline = Date.now() + 60_000;
      while (!what.test(output)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${output}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    try {
      await until(/watching /);
      // Without --value the greeting has no name to use: the attendee's to give.
      expect(output).toMatch(/greeting +fail +not run: give "Name" with --value NAME=VALUE/);
      fs.writeFileSync(workshop, WORKSHOP.replace("'^hello ada$'", "'^hello'"));
      await until(/changed[\s\S]*\d+ of 2 checks pass/);
    } finally {
      // Ctrl-C reaches the command through the bin script, and both end.
      child.kill('SIGINT');
      await exited;
    }
    expect(spawnSync('pgrep', ['-f', `navigator.ts try ${workshop}`]).status).toBe(1);
  });
});
