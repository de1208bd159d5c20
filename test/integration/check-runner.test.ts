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
    // The hung command was killed with the shell's process group, not just the shell waiting for it.
    expect(processesOf(user.name, 'sleep 300')).toBe('');
    // The kept-open shell survived and still answers.
    expect((await runChecks(connection, workshop, [workshop.steps[0].checks[0]]))[0].status).toBe('pass');
    connection.close();
  });

  it('uses one shell for every sweep and opens a new one when the shell is killed on the VM', async () => {
    const connection = await connectAs(user.name);
    // $$ is the kept-open shell's pid, in the shell and in any subshell of it.
    const workshop = workshopWith([{ id: 'pid', title: 'Pid', ssh: { run: 'echo $$' } }]);
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

  it('starts no process for a check of builtins; keeps checks’ output in a file only the login reads, removed with a killed shell', async () => {
    const connection = await connectAs(user.name);
    const workshop = workshopWith([
      // /proc/self is whoever reads it: the kept-open shell itself ($$) when nothing was forked.
      // It also says where its shell keeps the checks' output (the prelude's variable; tests only): /dev/shm unless a
      // file of that name is there already (another login's, left by a killed shell whose pid this one has again).
      { id: 'in-shell', title: 'I', ssh: { run: 'read -r me rest < /proc/self/stat && [ "$me" = "$$" ] && echo "$me $navigator_out"' } },
      { id: 'hangs', title: 'H', timeoutSeconds: 1, ssh: { run: 'sleep 300' } },
    ]);
    const [inShell, hangs] = workshop.steps[0].checks;
    const [first] = await runChecks(connection, workshop, [inShell]);
    expect(first.status).toBe('pass');
    const [pid, scratch] = first.output!.split(' ');
    expect(scratch).toMatch(new RegExp(`^(/dev/shm|${os.tmpdir()})/\\.navigator-checks-${pid}$`));
    const uid = Number(execFileSync('id', ['-u', user.name], { encoding: 'utf8' }));
    expect(fs.statSync(scratch)).toMatchObject({ uid, mode: expect.any(Number) });
    expect(fs.statSync(scratch).mode & 0o777).toBe(0o600);
    expect((await runChecks(connection, workshop, [hangs]))[0].reason).toEqual({ code: 'check.timed_out', values: { seconds: 1 } });
    // The next shell opens once the old one's process group is killed and its file removed.
    const [next] = await runChecks(connection, workshop, [inShell]);
    expect(next.status).toBe('pass');
    expect(next.output).not.toBe(first.output);
    expect(fs.existsSync(scratch)).toBe(false);
    expect(processesOf(user.name, 'sleep 300')).toBe('');
    connection.close();
  });

  it('finds a check of builtins that blocks (a FIFO without a writer) and nothing else, whether it was quick before or not', { timeout: 30_000 }, async () => {
    const connection = await connectAs(user.name);
    const fifo = path.join(user.home, 'blocks');
    const workshop = workshopWith([
      { id: 'a', title: 'A', timeoutSeconds: 2, ssh: { run: 'echo a' } },
      { id: 'forks', title: 'F', timeoutSeconds: 2, ssh: { run: 'ls / > /dev/null' } },
      { id: 'b', title: 'B', timeoutSeconds: 2, ssh: { run: 'true' } },
      { id: 'blocks', title: 'Blocks', timeoutSeconds: 2, ssh: { run: 'read -r line < ~/blocks' } },
      { id: 'after', title: 'After', timeoutSeconds: 2, ssh: { run: 'echo after' } },
    ]);
    const checks = workshop.steps[0].checks;
    const expected = ['a:pass', 'forks:pass', 'b:pass', 'blocks:error:timed out after 2 s', 'after:pass'];
    const statuses = (results: Awaited<ReturnType<typeof runChecks>>) =>
      results.map((r) => [r.checkId, r.status, englishReason(r.reason)].filter(Boolean).join(':'));
    // Every check quick so far: the frames go back once per sweep, and the kill cannot tell which one hung.
    user.writeFile('blocks', 'line\n');
    expect(statuses(await runChecks(connection, workshop, checks))).toEqual(['a:pass', 'forks:pass', 'b:pass', 'blocks:pass', 'after:pass']);
    fs.rmSync(fifo);
    execFileSync('runuser', ['-u', user.name, '--', 'mkfifo', fifo]);
    // The checks since the last frames run again, each sending the frames before it: the one that blocks is found.
    expect(statuses(await runChecks(connection, workshop, checks))).toEqual(expected);
    // Known now: the frames go back before it, and it is found at the first kill.
    expect(statuses(await runChecks(connection, workshop, checks))).toEqual(expected);
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
