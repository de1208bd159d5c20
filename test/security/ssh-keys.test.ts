/**
 * Items 1 and 2 of the security review, against the real server and a real OpenSSH sshd: every VM is
 * reached only with its own attendee's key, and that key can do no more than the checks need.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { englishReason } from '../../server/src/contract/i18n/english';
import type { SelfView } from '../../server/src/contract/views';
import { PrismaService } from '../../server/src/prisma/prisma.service';
import { startTestNavigator, type TestNavigator } from '../support/navigator';
import { createTestUser, freePort, removeStaleTestUsers, startSshd, type TestSshd, type TestUser } from '../support/sshd';

let navigator: TestNavigator;
let sshd: TestSshd;
let user: TestUser;
let exporter: http.Server;
let dataDir: string;
let endlessBody = false;
const env = { NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true' };

interface Registered {
  id: string;
  token: string;
  line: string;
}

beforeAll(async () => {
  removeStaleTestUsers();
  // An sftp subsystem, as stock sshd_config has: the key line must refuse it anyway.
  sshd = await startSshd({ extraConfig: ['Subsystem sftp internal-sftp'] });
  user = createTestUser('navtseckey');
  exporter = http.createServer((req, res) => {
    if (!endlessBody) return res.end('# TYPE ebpf_exporter_enabled_configs gauge\nebpf_exporter_enabled_configs{name="php"} 1\n');
    // A hostile VM: an endless chunked body on the checked port.
    res.writeHead(200, { 'content-type': 'text/plain' });
    const timer = setInterval(() => res.write('x'.repeat(64 * 1024)), 1);
    req.socket.once('close', () => clearInterval(timer));
  });
  await new Promise<void>((resolve) => exporter.listen(9435, '127.0.0.1', resolve));
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-security-'));
  navigator = await startTestNavigator(env, dataDir);
});

afterAll(async () => {
  await navigator?.stop();
  exporter?.close();
  await sshd?.stop();
  user?.remove();
});

const joinPath = () => new URL(navigator.joinUrl).pathname.replace('/join/', '/api/join/');

async function register(displayName: string): Promise<Registered> {
  const response = await navigator.request('POST', joinPath(), { body: { displayName, host: '127.0.0.1', port: sshd.port, sshUser: user.name } });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  const body = response.body as { attendee: SelfView; personalPath: string };
  return { id: body.attendee.id, token: body.personalPath.split('/').pop()!, line: body.attendee.authorizedKeysLine };
}

async function me(token: string): Promise<SelfView> {
  const response = await navigator.request('GET', '/api/me', { token });
  return response.body as SelfView;
}

/** Polls the attendee's own page until `test` holds: waits for the server's state, not for a time. */
async function until(token: string, what: string, test: (view: SelfView) => boolean, safetyMs = 30_000): Promise<SelfView> {
  const deadline = Date.now() + safetyMs;
  for (;;) {
    const view = await me(token);
    if (test(view)) return view;
    if (Date.now() > deadline) throw new Error(`${what}: last view ${JSON.stringify({ connection: view.connection, checks: view.checks })}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** OpenSSH's own client with an attendee's private key, as someone holding a copy of it would use it. */
function ssh(keyFile: string, args: string[], input = '') {
  const result = spawnSync(
    'ssh',
    [
      '-F',
      '/dev/null',
      '-i',
      keyFile,
      '-p',
      String(sshd.port),
      '-o',
      'BatchMode=yes',
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-o',
      'ConnectTimeout=10',
      ...args,
      `${user.name}@127.0.0.1`,
    ],
    { input, encoding: 'utf8', timeout: 20_000 },
  );
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

let ada: Registered;

describe('1. one key pair per attendee: the key is the proof of ownership', () => {
  it("a second attendee who types someone else's host, port and user is refused and sees nothing of that VM", async () => {
    ada = await register('Ada');
    sshd.setAuthorizedKeys(user.name, [ada.line]);
    await until(ada.token, 'Ada connected with results', (v) => v.connection.state === 'connected' && v.checks.prepared !== undefined);

    const mallory = await register('Mallory');
    expect(mallory.line).not.toBe(ada.line);
    expect(mallory.line.split(' ').at(-2)).not.toBe(ada.line.split(' ').at(-2));
    const seen = await until(mallory.token, 'Mallory refused', (v) => v.connection.state === 'unreachable' && v.connection.reason === 'auth_rejected');
    expect(seen.checks).toEqual({});
    expect(seen.hostKeyFingerprint).toBeNull();
    // The navigator's board says the same: Mallory's VM is not reached.
    const roster = (await navigator.request('GET', '/api/attendees', { token: navigator.navigatorToken })).body as { attendees: SelfView[] };
    expect(roster.attendees.find((a) => a.id === mallory.id)?.checks).toEqual({});
  });

  it('private keys are 0600 files on the server, one per attendee, never served', async () => {
    const keyFiles = fs.readdirSync(dataDir).filter((f) => /^attendee-.+\.key$/.test(f));
    expect(keyFiles).toHaveLength(2);
    for (const file of keyFiles) {
      expect(fs.statSync(path.join(dataDir, file)).mode & 0o777).toBe(0o600);
      expect(fs.readFileSync(path.join(dataDir, file), 'utf8')).toContain('PRIVATE KEY');
    }
    const self = JSON.stringify(await me(ada.token));
    expect(self).not.toContain('PRIVATE KEY');
  });
});

describe('2. the key can do no more than the checks need', () => {
  const keyFile = () => path.join(dataDir, `attendee-${ada.id}.key`);

  it('refuses ssh -R (any port, the one named in permitlisten too)', async () => {
    for (const spec of [`${await freePort()}:127.0.0.1:${sshd.port}`, `localhost:1:127.0.0.1:${sshd.port}`, `0:127.0.0.1:${sshd.port}`]) {
      const result = ssh(keyFile(), ['-o', 'ExitOnForwardFailure=yes', '-R', spec, '-N']);
      expect(result.code, `${spec}: ${result.stderr}`).toBe(255);
      expect(result.stderr, spec).toMatch(/remote port forwarding failed/);
    }
  });

  it("refuses sftp: the subsystem request gets the probes' shell, which never answers an sftp hello", () => {
    // SSH_FXP_INIT, version 3: an sftp server answers SSH_FXP_VERSION at once.
    const init = Buffer.from([0, 0, 0, 5, 1, 0, 0, 0, 3]);
    const sftp = spawnSync(
      'ssh',
      [
        '-F',
        '/dev/null',
        '-i',
        keyFile(),
        '-p',
        String(sshd.port),
        '-o',
        'BatchMode=yes',
        '-o',
        'IdentitiesOnly=yes',
        '-o',
        'StrictHostKeyChecking=no',
        '-o',
        'UserKnownHostsFile=/dev/null',
        '-s',
        `${user.name}@127.0.0.1`,
        'sftp',
      ],
      { input: init, timeout: 20_000 },
    );
    expect(sftp.error).toBeUndefined();
    expect(sftp.stdout.length, `sftp answered: ${sftp.stdout.toString('hex')}`).toBe(0);
  });

  it('refuses a pty, and a command line is not what runs', () => {
    const pty = ssh(keyFile(), ['-tt'], 'tty; exit\n');
    expect(pty.stderr).toMatch(/PTY allocation request failed/);
    expect(ssh(keyFile(), [], 'tty\n').stdout).toMatch(/not a tty/);
    const command = ssh(keyFile(), ['echo', 'chosen-command']);
    expect(command.stdout).not.toContain('chosen-command');
  });

  it("forwards only to the workshop's ports on the VM's localhost", async () => {
    const other = http.createServer((_req, res) => res.end('secret')).listen(0, '127.0.0.1');
    await new Promise((r) => other.once('listening', r));
    try {
      const otherPort = (other.address() as { port: number }).port;
      for (const target of [`127.0.0.1:${otherPort}`, `127.0.0.1:${sshd.port}`, 'localhost:9435', '127.0.0.2:9435']) {
        const result = ssh(keyFile(), ['-W', target], 'GET / HTTP/1.0\r\n\r\n');
        expect(result.code, target).not.toBe(0);
        expect(result.stderr, target).toMatch(/administratively prohibited/);
      }
      // The workshop's own port is what the exporter-up check reads: 'the checks still run' below.
    } finally {
      other.close();
    }
  });

  it('the checks still run under that line', async () => {
    user.writeFile('prepared', '');
    const view = await until(ada.token, 'checks pass', (v) => v.checks.prepared?.status === 'pass' && v.checks['exporter-up']?.status === 'pass');
    expect(view.connection.state).toBe('connected');
  });

  it('the page recommends a dedicated unprivileged login with the line', async () => {
    const view = await me(ada.token);
    expect(view.dedicatedLogin).toBe('navigator');
    expect(view.dedicatedLoginCommand).toContain(view.authorizedKeysLine);
    expect(view.dedicatedLoginCommand).toMatch(/useradd --create-home --shell \/bin\/sh navigator/);
    expect(view.dedicatedLoginCommand).not.toMatch(/sudoers|usermod -aG|chpasswd|\bpasswd -/);
    // The fixture workshop has no sudo checks: nothing asks for a sudo rule.
    expect(view.rootChecks).toEqual([]);
    expect(view.rootChecksCommand).toBe('');
  });
});

describe('10. an endless chunked response', () => {
  it('fails the check with "response too large" instead of growing without bound', async () => {
    endlessBody = true;
    try {
      const view = await until(
        ada.token,
        'exporter-up too large',
        (v) => englishReason(v.checks['exporter-up']?.reason)?.startsWith('response too large') ?? false,
      );
      expect(view.checks['exporter-up'].status).toBe('fail');
      expect(view.checks['exporter-up'].reason).toMatchObject({ code: 'check.response_too_large', values: { kib: 4096 } });
      expect(view.connection.state).toBe('connected');
    } finally {
      endlessBody = false;
    }
    await until(ada.token, 'exporter-up passes again', (v) => v.checks['exporter-up']?.status === 'pass');
  });
});

describe('1. existing attendees migrate to keys of their own', () => {
  it('a new key at the next start; the page asks for the new line; key not authorized until then', async () => {
    const prisma = navigator.app.get(PrismaService);
    // As before per-attendee keys: no key of her own, and the shared key in the data directory.
    await prisma.attendee.update({ where: { id: ada.id }, data: { sshPublicKey: null } });
    await navigator.stop();
    fs.rmSync(path.join(dataDir, `attendee-${ada.id}.key`));
    fs.writeFileSync(path.join(dataDir, 'navigator_ed25519'), 'old shared key', { mode: 0o600 });
    navigator = await startTestNavigator(env, dataDir);

    expect(fs.existsSync(path.join(dataDir, 'navigator_ed25519'))).toBe(false);
    const reissued = await until(
      ada.token,
      'refused with the old line',
      (v) => v.connection.state === 'unreachable' && v.connection.reason === 'auth_rejected',
    );
    expect(reissued.keyReissued).toBe(true);
    expect(reissued.authorizedKeysLine).not.toBe(ada.line);
    expect(fs.statSync(path.join(dataDir, `attendee-${ada.id}.key`)).mode & 0o777).toBe(0o600);

    sshd.setAuthorizedKeys(user.name, [reissued.authorizedKeysLine]);
    await until(ada.token, 'connected with the new line', (v) => v.connection.state === 'connected');
  });
});
