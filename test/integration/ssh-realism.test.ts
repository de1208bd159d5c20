import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { englishReason } from '../../server/src/contract/i18n/english';
import { runChecks } from '../../server/src/probes/check-runner';
import { ConnectError, SshConnection } from '../../server/src/ssh/ssh.connection';
import { SshKeyStore } from '../../server/src/ssh/ssh.keys';
import { SshPool, type PoolStateChange } from '../../server/src/ssh/ssh.pool';
import type { VmTarget } from '../../server/src/ssh/ssh.types';
import { workshopSchema, type CheckFile, type WorkshopDefinition } from '../../server/src/workshops/workshop.schema';
import { DelayProxy } from '../fleet/delay-proxy';
import { ProgressService } from '../../server/src/progress/progress.service';
import { startTestNavigator } from '../support/navigator';
import { createTestUser, freePort, removeStaleTestUsers, startSshd, type TestSshd, type TestUser } from '../support/sshd';

/**
 * How attendees' real VMs and links behave, against a real sshd: a slow link, Navigator's own
 * process stalling, a burst of logins on one stock sshd, accounts that cannot run commands or
 * forward ports, and connections dropped before sshd's greeting.
 */
let sshd: TestSshd;
let keys: SshKeyStore;
let user: TestUser;
let nologin: TestUser;
let forced: TestUser;
let restricted: TestUser;
let noForwarding: TestUser;
let app: http.Server;
let appPort: number;

const connectOptions = () => ({ privateKey: keys.privateKey, readyTimeoutMs: 10_000, keepaliveIntervalMs: 10_000, maxSessions: 4 });
const target = (overrides: Partial<VmTarget> = {}): VmTarget => ({
  id: 'vm',
  host: '127.0.0.1',
  port: sshd.port,
  user: user.name,
  pinnedFingerprint: null,
  ...overrides,
});
const workshopWith = (checks: CheckFile[]): WorkshopDefinition =>
  workshopSchema.parse({ id: 'w', title: 'W', probe: { checkTimeoutSeconds: 4 }, steps: [{ id: 's', title: 'S', minutes: 1, checks }] });

beforeAll(async () => {
  removeStaleTestUsers();
  keys = SshKeyStore.open(fs.mkdtempSync(path.join(os.tmpdir(), 'navt-keys-')));
  user = createTestUser('navtreal');
  nologin = createTestUser('navtnologin', { shell: '/usr/sbin/nologin' });
  forced = createTestUser('navtlocked');
  restricted = createTestUser('navtrestricted');
  noForwarding = createTestUser('navtnofwd');
  sshd = await startSshd({
    logLevel: 'INFO',
    extraConfig: [
      `Match User ${forced.name}`,
      '  ForceCommand echo "This account only serves the workshop tunnel."',
      `Match User ${noForwarding.name}`,
      '  AllowTcpForwarding no',
    ],
  });
  for (const account of [user, nologin, forced, noForwarding]) sshd.setAuthorizedKeys(account.name, [keys.publicKeyLine]);
  sshd.setAuthorizedKeys(restricted.name, [`command="echo restricted key: tunnels only",no-pty ${keys.publicKeyLine}`]);
  app = http.createServer((_req, res) => res.end('the app answers'));
  // Longer than Node's 5 s default, as PHP-FPM behind a web server keeps it: a 2 s link must not meet the app's own idle close.
  app.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  appPort = (app.address() as net.AddressInfo).port;
});

afterAll(async () => {
  app?.close();
  await sshd?.stop();
  for (const account of [user, nologin, forced, restricted, noForwarding]) account?.remove();
});

async function until(what: string, condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('a slow link', () => {
  it('connects at 2 s round trip within 30 s, and says "slow link" with the time the login takes when it cannot', async () => {
    const proxies = [new DelayProxy({ host: '127.0.0.1', port: sshd.port }), new DelayProxy({ host: '127.0.0.1', port: sshd.port })];
    for (const proxy of proxies) {
      proxy.delayMs = 1000; // each way: a 2 s round trip
      await proxy.listen('127.0.0.1');
    }
    try {
      const started = Date.now();
      const [connected, refused] = await Promise.allSettled([
        SshConnection.connect(target({ port: proxies[0].port }), { ...connectOptions(), handshakeCeilingMs: 60_000 }),
        // The old fixed 10 s: the login cannot finish in it, and the reason says why.
        SshConnection.connect(target({ port: proxies[1].port }), { ...connectOptions(), handshakeCeilingMs: 10_000 }),
      ]);
      expect(connected.status).toBe('fulfilled');
      const { connection, rttMs } = (connected as PromiseFulfilledResult<Awaited<ReturnType<typeof SshConnection.connect>>>).value;
      const loginMs = Date.now() - started;
      console.log(`slow link: 2 s round trip measured as ${rttMs} ms; logged in after ${loginMs} ms`);
      expect(rttMs).toBeGreaterThanOrEqual(1800);
      expect(loginMs).toBeLessThan(30_000);
      expect(refused.status).toBe('rejected');
      const error = (refused as PromiseRejectedResult).reason as ConnectError;
      expect(error.reason).toBe('slow_link');
      expect(error.coded).toMatchObject({ code: 'connection.slow_link', values: { budget: '10' } });
      expect(error.message).toMatch(/^slow link: the VM answers but the login takes about \d+ s \(round trip \d\.\d s\), more than the 10 s Navigator waits/);
      // The round trip is measured in loop-free time (LoopClock), so a busy machine can read 2 s as 1.9 s (seen under stress-ng).
      const namedRoundTrip = Number(/round trip (\d\.\d) s/.exec(error.message)![1]);
      expect(namedRoundTrip).toBeGreaterThanOrEqual(1.5);
      expect(namedRoundTrip).toBeLessThan(4);
      // Results on every sweep after that: a batch and an HTTP check per round trip or two, inside one probe interval.
      const workshop = workshopWith([
        { id: 'ssh', title: 'ssh', ssh: { run: 'echo ok' } },
        { id: 'web', title: 'web', http: { port: appPort, path: '/', status: 200 } },
      ]);
      const sweeps: number[] = [];
      for (let sweep = 0; sweep < 3; sweep++) {
        const sweepStarted = Date.now();
        const results = await runChecks(connection, workshop, workshop.steps[0].checks);
        expect(results.map((r) => r.status)).toEqual(['pass', 'pass']);
        sweeps.push(Date.now() - sweepStarted);
      }
      console.log(`slow link: sweeps took ${sweeps.join(', ')} ms`);
      // The first opens the shell and the forwarded channel; after that, one round trip each, concurrently: within a 5 s probe interval.
      expect(Math.max(...sweeps.slice(1))).toBeLessThan(5000);
      connection.close();
    } finally {
      for (const proxy of proxies) await proxy.close();
    }
  }, 60_000);
});

describe('Navigator itself stalls', () => {
  it('a 5 s stall of the event loop while probes wait is not the VM going silent', async () => {
    const { connection } = await SshConnection.connect(target(), connectOptions());
    const workshop = workshopWith([
      { id: 'slow', title: 'slow', ssh: { run: 'sleep 1; echo done' } },
      { id: 'web', title: 'web', http: { port: appPort, path: '/', status: 200 } },
    ]);
    const closed: (Error | null)[] = [];
    connection.onClose((error) => closed.push(error));
    const probe = runChecks(connection, workshop, workshop.steps[0].checks);
    // As SIGSTOP or a load average of 45 would: the thread does nothing for 5 s, its timers fire late.
    await new Promise((r) => setTimeout(r, 50));
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5000);
    const results = await probe;
    expect(results.map((r) => `${r.checkId}:${r.status}`)).toEqual(['slow:pass', 'web:pass']);
    // And the watchdog is still watching: the next probe runs on the same connection.
    expect((await runChecks(connection, workshop, workshop.steps[0].checks)).map((r) => r.status)).toEqual(['pass', 'pass']);
    expect(closed).toEqual([]);
    expect(connection.isOpen).toBe(true);
    connection.close();
  }, 30_000);
});

describe('many attendees behind one stock sshd', () => {
  it('60 logins at once on MaxStartups 10:30:100: all connected, none unreachable, and sshd drops none', async () => {
    const pool = new SshPool({ privateKey: keys.privateKey, maxHandshakesInFlight: 16 });
    const unreachable: PoolStateChange[] = [];
    pool.onStateChange((change) => change.state === 'unreachable' && unreachable.push(change));
    const logBefore = sshd.log().length;
    const ids = Array.from({ length: 60 }, (_, i) => `vm${i}`);
    const started = Date.now();
    ids.forEach((id) => pool.ensure(target({ id, pinnedFingerprint: sshd.hostKeyFingerprint })));
    await until('all 60 connected', () => ids.every((id) => pool.stateOf(id) === 'connected'), 60_000);
    const drops = sshd
      .log()
      .slice(logBefore)
      .split('\n')
      .filter((line) => /past MaxStartups/.test(line));
    console.log(`60 logins on one sshd: all connected in ${Date.now() - started} ms, ${drops.length} dropped by MaxStartups`);
    expect(unreachable).toEqual([]);
    expect(drops).toEqual([]);
    await pool.closeAll();
  }, 90_000);

  it('a connection dropped before greeting is retried quietly, never shown as unreachable or a key problem until it keeps happening', async () => {
    // What sshd does past MaxStartups: accept, then close without a word.
    const dropper = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => dropper.listen(0, '127.0.0.1', resolve));
    const port = (dropper.address() as net.AddressInfo).port;
    try {
      await expect(SshConnection.connect(target({ port }), connectOptions())).rejects.toMatchObject({ reason: 'dropped' });
      const pool = new SshPool({ privateKey: keys.privateKey, quietDropRetries: 3, quickRetryCapMs: 100 });
      const states: string[] = [];
      pool.onStateChange((change) => states.push(change.reason ? `${change.state}:${change.reason}` : change.state));
      pool.ensure(target({ id: 'dropped', port }));
      await until('called unreachable after the quiet retries', () => states.length > 1);
      expect(states).toEqual(['connecting', 'unreachable:dropped']);
      await pool.closeAll();
    } finally {
      dropper.close();
    }
  });
});

describe('accounts that cannot run commands', () => {
  it.each([
    ['ForceCommand', () => forced, /This account only serves the workshop tunnel\./],
    ['a nologin shell', () => nologin, /This account is currently not available\./],
    ['command= in authorized_keys', () => restricted, /restricted key: tunnels only/],
  ])('%s: connected, but commands are blocked, with what the account printed; no check is the attendee’s failure', async (_what, account, printed) => {
    const pool = new SshPool({ privateKey: keys.privateKey });
    const states: PoolStateChange[] = [];
    pool.onStateChange((change) => states.push(change));
    pool.ensure(target({ id: 'locked', user: account().name }));
    await until('connected', () => pool.stateOf('locked') === 'connected');
    const last = states.at(-1)!;
    expect(last).toMatchObject({ state: 'connected', reason: 'commands_blocked' });
    expect(last.message?.code).toBe('connection.account_printed');
    expect(last.message?.values?.printed).toMatch(printed);
    expect(states.filter((s) => s.state === 'connected' && !s.reason)).toEqual([]);
    const workshop = workshopWith([
      { id: 'file', title: 'file', ssh: { run: 'test -f ~/x' } },
      { id: 'web', title: 'web', http: { port: appPort, path: '/', status: 200 } },
    ]);
    const [file, web] = await runChecks(pool.get('locked')!, workshop, workshop.steps[0].checks);
    expect(file.status).toBe('error');
    expect(file.reason?.code).toMatch(/^check\.commands_blocked/);
    expect(englishReason(file.reason)).toMatch(/^not run: this account cannot run commands/);
    expect(web.status).toBe('pass');
    await pool.closeAll();
  });
});

describe('forwarding that sshd does not allow', () => {
  it('AllowTcpForwarding no: the app answers, and the check says forwarding is not permitted (an error, not "nothing answers")', async () => {
    const { connection } = await SshConnection.connect(target({ user: noForwarding.name }), connectOptions());
    const workshop = workshopWith([{ id: 'web', title: 'web', http: { port: appPort, path: '/', status: 200 } }]);
    const [web] = await runChecks(connection, workshop, workshop.steps[0].checks);
    expect(web.status).toBe('error');
    expect(web.reason).toEqual({ code: 'check.forwarding_prohibited', values: { port: appPort } });
    expect(englishReason(web.reason)).toMatch(new RegExp(`^forwarding to port ${appPort} is not permitted on this VM: .*permitopen.*AllowTcpForwarding yes`));
    connection.close();
  });
});

describe('time down', () => {
  it('an unreachable VM keeps the first moment it went down; retries are counted, not re-stamped', async () => {
    const navigator = await startTestNavigator({ NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true' });
    try {
      const joined = (await navigator.request('POST', new URL(navigator.joinUrl).pathname.replace('/join/', '/api/join/'), {
        body: { displayName: 'Down', host: '127.0.0.1', port: await freePort(), sshUser: user.name },
      })) as { body: { attendee: { id: string } } };
      const connections = navigator.app.get(ProgressService);
      const id = joined.body.attendee.id;
      await until('unreachable: refused', () => connections.connectionOf(id).reason === 'refused');
      const first = connections.connectionOf(id);
      await until('two retries', () => connections.connectionOf(id).retries >= 2);
      expect(connections.connectionOf(id)).toMatchObject({ state: 'unreachable', reason: 'refused', since: first.since });
    } finally {
      await navigator.stop();
    }
  });
});
