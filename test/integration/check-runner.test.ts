import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { englishReason } from '../../server/src/contract/i18n/english';
import { runChecks } from '../../server/src/probes/check-runner';
import { SshConnection } from '../../server/src/ssh/ssh.connection';
import { SshKeyStore } from '../../server/src/ssh/ssh.keys';
import { SshPool } from '../../server/src/ssh/ssh.pool';
import { workshopSchema, type CheckFile, type WorkshopDefinition } from '../../server/src/workshops/workshop.schema';
import { createTestUser, removeStaleTestUsers, startSshd, type TestSshd, type TestUser } from '../support/sshd';

/**
 * The check runner over a real sshd: ssh checks in the VM's kept-open shell, http checks over
 * kept-alive forwardOut channels. Statuses are produced for real: pass, fail, timeout → error.
 */
let sshd: TestSshd;
let user: TestUser;
let keys: SshKeyStore;
let server: http.Server;
let port: number;
const serverConnections: net.Socket[] = [];

const workshopWith = (checks: CheckFile[]): WorkshopDefinition =>
  workshopSchema.parse({ id: 'w', title: 'W', probe: { checkTimeoutSeconds: 5 }, steps: [{ id: 's', title: 'S', minutes: 1, checks }] });
const connectOptions = () => ({ privateKey: keys.privateKey, readyTimeoutMs: 5000, keepaliveIntervalMs: 10_000, maxSessions: 4 });
const connectAs = async (name: string) =>
  (await SshConnection.connect({ id: name, host: '127.0.0.1', port: sshd.port, user: name, pinnedFingerprint: null }, connectOptions())).connection;
const processesOf = (name: string, command: string): string =>
  execFileSync('sh', ['-c', `pgrep -u ${name} -f '${command}' || true`], { encoding: 'utf8' }).trim();

beforeAll(async () => {
  removeStaleTestUsers();
  keys = SshKeyStore.open(fs.mkdtempSync(path.join(os.tmpdir(), 'navt-keys-')));
  sshd = await startSshd();
  user = createTestUser('navtrunner');
  sshd.setAuthorizedKeys(user.name, [keys.publicKeyLine]);
  server = http.createServer((req, res) => res.end(`ok ${req.url}`));
  server.on('connection', (socket) => serverConnections.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  server?.close();
  await sshd?.stop();
  user?.remove();
});

describe('checks run for real over one SSH connection', () => {
  it('pass, fail with the reason, and a command that sleeps past its timeout is an error; the checks after it still run', async () => {
    const connection = await connectAs(user.name);
    user.writeFile('present', 'yes\n');
    const workshop = workshopWith([
      { id: 'present', title: 'P', ssh: { run: 'cat ~/present', stdout: '^yes$' } },
      { id: 'absent', title: 'A', ssh: { run: 'test -f ~/absent' } },
      { id: 'hangs', title: 'H', timeoutSeconds: 1, ssh: { run: 'sleep 300' } },
      { id: 'after', title: 'After', ssh: { run: 'echo after' } },
    ]);
    const started = performance.now();
    const results = await runChecks(connection, workshop, workshop.steps[0].checks);
    expect(results).toEqual([
      { checkId: 'present', status: 'pass', reason: null, output: 'yes' },
      // It printed nothing: the reason says what it ran.
      { checkId: 'absent', status: 'fail', reason: { code: 'check.exit_code_command', values: { exitCode: 1, command: 'test -f ~/absent' } }, output: '' },
      { checkId: 'hangs', status: 'error', reason: { code: 'check.timed_out', values: { seconds: 1 } }, output: null },
      { checkId: 'after', status: 'pass', reason: null, output: 'after' },
    ]);
    expect(performance.now() - started).toBeLessThan(4000);
    // timeout killed the hung command, not just the shell waiting for it.
    expect(processesOf(user.name, 'sleep 300')).toBe('');
    // The kept-open shell survived and still answers.
    expect((await runChecks(connection, workshop, [workshop.steps[0].checks[0]]))[0].status).toBe('pass');
    connection.close();
  });

  it('uses one shell for every sweep and opens a new one when the shell is killed on the VM', async () => {
    const connection = await connectAs(user.name);
    // The check's parent is `timeout`; its parent is the kept-open shell.
    const workshop = workshopWith([{ id: 'pid', title: 'Pid', ssh: { run: "cut -d' ' -f4 /proc/$PPID/stat" } }]);
    const shellPid = async () => (await runChecks(connection, workshop, workshop.steps[0].checks))[0].output!;
    const first = await shellPid();
    expect(await shellPid()).toBe(first);
    execFileSync('pkill', ['-KILL', '-u', user.name, '-x', 'sh']);
    const results = await runChecks(connection, workshop, workshop.steps[0].checks);
    // The run in flight when the shell died may be lost (an error, never a pass); the next one gets a new shell.
    const next = results[0].status === 'pass' ? results[0].output! : await shellPid();
    expect(next).not.toBe(first);
    connection.close();
  });

  it('parses results right for a login shell whose rc files print text', async () => {
    const noisy = createTestUser('navtrunnoisy', { shell: '/bin/bash', rcNoise: '@@ Welcome! exit code 0' });
    sshd.setAuthorizedKeys(noisy.name, [keys.publicKeyLine]);
    try {
      const connection = await connectAs(noisy.name);
      const workshop = workshopWith([
        { id: 'ok', title: 'Ok', ssh: { run: 'echo fine' } },
        { id: 'bad', title: 'Bad', ssh: { run: 'exit 3' } },
      ]);
      for (let i = 0; i < 2; i++) {
        expect((await runChecks(connection, workshop, workshop.steps[0].checks)).map((r) => `${r.checkId}:${r.status}:${englishReason(r.reason)}`)).toEqual([
          'ok:pass:null',
          'bad:fail:exit code 3 from `exit 3`',
        ]);
      }
      connection.close();
    } finally {
      noisy.remove();
    }
  });

  it('keeps one forwarded HTTP connection alive across sweeps', async () => {
    const connection = await connectAs(user.name);
    const workshop = workshopWith([{ id: 'web', title: 'Web', http: { port, path: '/metrics', status: 200, contains: 'ok /metrics' } }]);
    const before = serverConnections.length;
    for (let i = 0; i < 5; i++) expect((await runChecks(connection, workshop, workshop.steps[0].checks))[0]).toMatchObject({ status: 'pass' });
    expect(serverConnections.length - before).toBe(1);
    connection.close();
  });

  it('30 VMs on one sshd at stock MaxSessions and MaxStartups, probed at once, all give real results', async () => {
    const pool = new SshPool({ privateKey: keys.privateKey, maxHandshakesInFlight: 8 });
    const unreachable: string[] = [];
    pool.onStateChange((change) => change.state === 'unreachable' && unreachable.push(`${change.id}: ${englishReason(change.message)}`));
    const ids = Array.from({ length: 30 }, (_, i) => `vm${i}`);
    ids.forEach((id) => pool.ensure({ id, host: '127.0.0.1', port: sshd.port, user: user.name, pinnedFingerprint: sshd.hostKeyFingerprint }));
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && ids.some((id) => !pool.get(id))) await new Promise((r) => setTimeout(r, 50));
    const workshop = workshopWith([
      { id: 'present', title: 'P', ssh: { run: 'cat ~/present' } },
      { id: 'web', title: 'Web', http: { port, path: '/', status: 200 } },
    ]);
    for (let sweep = 0; sweep < 3; sweep++) {
      const results = await Promise.all(ids.map((id) => runChecks(pool.get(id)!, workshop, workshop.steps[0].checks)));
      expect(results.flat().filter((r) => r.status !== 'pass')).toEqual([]);
    }
    expect(unreachable).toEqual([]);
    await pool.closeAll();
  });
});
