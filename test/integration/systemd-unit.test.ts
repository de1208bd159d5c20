import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/navigator';
import { freePort } from '../support/sshd';

/**
 * deploy/navigator.service: `systemd-analyze verify` reads it offline (systemd is not init here, so it
 * is not booted), and its own ExecStartPre and ExecStart, with its Environment= and the example
 * environment file, start Navigator from this checkout (/opt/navigator and /var/lib/navigator replaced).
 */
const UNIT = path.join(REPO_ROOT, 'deploy/navigator.service');
const ENV_FILE = path.join(REPO_ROOT, 'deploy/navigator.env');
const NODE_NOT_HERE = /^navigator\.service: Command \/usr\/bin\/node is not executable: No such file or directory$/;

function verify(file: string): string[] {
  const run = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
  return `${run.stdout}${run.stderr}`.split('\n').filter((line) => line.trim() !== '' && !NODE_NOT_HERE.test(line));
}

/** Key=value lines of one section, in order (systemd allows a key more than once). */
function directives(unit: string, section: string): [string, string][] {
  const body = unit.split(/^\[/m).find((part) => part.startsWith(`${section}]`)) ?? '';
  return body
    .split('\n')
    .slice(1)
    .filter((line) => /^[A-Za-z]+=/.test(line))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]);
}

describe('the systemd unit', () => {
  const unit = fs.readFileSync(UNIT, 'utf8');

  it('passes systemd-analyze verify', () => {
    expect(verify(UNIT)).toEqual([]);
  });

  it('a broken unit is caught', () => {
    const broken = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-unit-')), 'navigator.service');
    fs.writeFileSync(broken, unit.replace('Type=simple', 'Type=simpel'));
    expect(verify(broken).join('\n')).toMatch(/navigator\.service/);
  });

  it('keeps its state in /var/lib/navigator (0700), logs JSON, and reads /etc/navigator/navigator.env', () => {
    const service = Object.fromEntries(directives(unit, 'Service'));
    expect(service).toMatchObject({
      User: 'navigator',
      StateDirectory: 'navigator',
      StateDirectoryMode: '0700',
      EnvironmentFile: '-/etc/navigator/navigator.env',
      ExecStart: '/usr/bin/node /opt/navigator/dist/server/main.js',
      ProtectSystem: 'strict',
    });
    expect(
      directives(unit, 'Service')
        .filter(([key]) => key === 'Environment')
        .map(([, value]) => value),
    ).toEqual(expect.arrayContaining(['NAVIGATOR_DATA_DIR=/var/lib/navigator', 'NAVIGATOR_LOG_FORMAT=json']));
  });

  it("its own commands start Navigator from a current build, with the unit's environment", async () => {
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-state-'));
    const port = await freePort();
    const here = (value: string) =>
      value.replaceAll('/opt/navigator', REPO_ROOT).replaceAll('/var/lib/navigator', stateDir).replaceAll('/usr/bin/node', process.execPath);
    const env: Record<string, string> = {};
    for (const [key, value] of directives(unit, 'Service')) if (key === 'Environment') env[value.split('=')[0]] = here(value.slice(value.indexOf('=') + 1));
    for (const line of fs.readFileSync(ENV_FILE, 'utf8').split('\n')) {
      if (/^[A-Z_]+=/.test(line)) env[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
    Object.assign(env, { NAVIGATOR_HOST: '127.0.0.1', NAVIGATOR_PORT: String(port) });
    const service = Object.fromEntries(directives(unit, 'Service'));
    const [preCommand, ...preArgs] = here(service.ExecStartPre).split(' ');
    const pre = spawnSync(preCommand, preArgs, { cwd: here(service.WorkingDirectory), env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
    expect(pre.status, `ExecStartPre: ${pre.stdout}${pre.stderr} (run npm run build first)`).toBe(0);

    const [command, ...args] = here(service.ExecStart).split(' ');
    const child = spawn(command, args, { cwd: here(service.WorkingDirectory), env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    try {
      const deadline = Date.now() + 30_000;
      while (
        !(await fetch(`http://127.0.0.1:${port}/health`).then(
          (r) => r.ok,
          () => false,
        ))
      ) {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`Navigator did not start:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(fs.readdirSync(stateDir)).toEqual(expect.arrayContaining(['navigator.db', 'navigator.secret', 'navigator.pid']));
      const lines = output.trim().split('\n');
      expect(lines.every((line) => JSON.parse(line) !== null)).toBe(true);
      expect(output).toContain('checks/ebpf-php.yaml'.split('/').pop()!);
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  });
});
