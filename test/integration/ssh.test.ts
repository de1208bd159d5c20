import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizedKeysLine } from '../../server/src/attendees/authorized-key';
import { ConnectError, SshConnection } from '../../server/src/ssh/ssh.connection';
import { SshKeyStore } from '../../server/src/ssh/ssh.keys';
import { SshPool, type PoolStateChange } from '../../server/src/ssh/ssh.pool';
import { planSshChecks, runSshChecks, type ShellRunner } from '../../server/src/probes/ssh-script';
import { ForwardingProhibited, type ShellRun, type VmChannel, type VmTarget } from '../../server/src/ssh/ssh.types';
import { createTestUser, freePort, removeStaleTestUsers, startSshd, type TestSshd, type TestUser } from '../support/sshd';

let sshd: TestSshd;
let user: TestUser;
let keys: SshKeyStore;
const connectOptions = () => ({ privateKey: keys.privateKey, readyTimeoutMs: 3000, keepaliveIntervalMs: 10_000, maxSessions: 4 });

beforeAll(async () => {
  removeStaleTestUsers();
  keys = SshKeyStore.open(fs.mkdtempSync(path.join(os.tmpdir(), 'navt-keys-')));
  sshd = await startSshd();
  user = createTestUser('navtssh');
  sshd.setAuthorizedKeys(user.name, [keys.publicKeyLine]);
});

afterAll(async () => {
  await sshd?.stop();
  user?.remove();
});

const target = (overrides: Partial<VmTarget> = {}): VmTarget => ({
  id: 'vm',
  host: '127.0.0.1',
  port: sshd.port,
  user: user.name,
  pinnedFingerprint: null,
  ...overrides,
});

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ConnectError) return error.reason;
    throw error;
  }
  throw new Error('expected the connection to fail');
}

describe('SSH connection outcomes against a real sshd', () => {
  it('connects with an authorized key and reports the host key fingerprint ssh-keygen prints', async () => {
    const { connection, fingerprint, algorithm } = await SshConnection.connect(target(), connectOptions());
    expect(fingerprint).toBe(sshd.hostKeyFingerprint);
    expect(algorithm).toBe('ssh-ed25519');
    const result = await runIn(connection, 'id -un');
    expect(result).toMatchObject({ stdout: `${user.name}\n`, timedOut: false, closed: false });
    connection.close();
  });

  it('reports auth_rejected when the key is not authorized', async () => {
    sshd.setAuthorizedKeys(user.name, []);
    try {
      expect(await reasonOf(SshConnection.connect(target(), connectOptions()))).toBe('auth_rejected');
    } finally {
      sshd.setAuthorizedKeys(user.name, [keys.publicKeyLine]);
    }
  });

  it('reports refused when nothing listens', async () => {
    expect(await reasonOf(SshConnection.connect(target({ port: await freePort() }), connectOptions()))).toBe('refused');
  });

  it('reports timeout when the port accepts but never speaks SSH', async () => {
    const silent = net.createServer(() => undefined).listen(0, '127.0.0.1');
    await new Promise((r) => silent.once('listening', r));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      expect(await reasonOf(SshConnection.connect(target({ port }), { ...connectOptions(), readyTimeoutMs: 800 }))).toBe('timeout');
    } finally {
      silent.close();
    }
  });

  it('reports dns for a name that does not resolve', async () => {
    expect(await reasonOf(SshConnection.connect(target({ host: 'no-such-vm.invalid' }), connectOptions()))).toBe('dns');
  });

  it('refuses a changed host key before running anything', async () => {
    const pinned = sshd.hostKeyFingerprint;
    await sshd.regenerateHostKey();
    user.removeFile('ran');
    const attempt = SshConnection.connect(target({ pinnedFingerprint: pinned }), connectOptions()).then(({ connection }) => runIn(connection, 'touch ~/ran'));
    expect(await reasonOf(attempt)).toBe('host_key_changed');
    expect(fs.existsSync(path.join(user.home, 'ran'))).toBe(false);
  });

  it('the kept-open shell has a deadline and bounded output, and a fresh shell after a deadline', async () => {
    const { connection } = await SshConnection.connect(target(), connectOptions());
    const slow = await runIn(connection, 'sleep 5', 300);
    expect(slow.timedOut).toBe(true);
    expect(slow.durationMs).toBeLessThan(2000);
    const big = await runIn(connection, 'head -c 2000000 /dev/zero | tr "\\0" x');
    expect(big.stdout.length).toBeGreaterThanOrEqual(256 * 1024);
    expect(big.stdout.length).toBeLessThan(2000000);
    connection.close();
  });

  it('gives the kept-open shell its setup once, and a fresh shell after a deadline its own again; real check batches rely on it', async () => {
    const { connection } = await SshConnection.connect(target(), connectOptions());
    const setup = 'navigator_setups=$((${navigator_setups:-0} + 1))\n';
    const runs = async () => (await runIn(connection, 'echo "$navigator_setups"', 3000, setup)).stdout.trim();
    expect([await runs(), await runs(), await runs()]).toEqual(['1', '1', '1']);
    expect((await runIn(connection, 'sleep 5', 300, setup)).timedOut).toBe(true);
    expect(await runs()).toBe('1');
    // The probes' own batches: the prelude is defined once per shell, and each sweep sends only its checks.
    const planned = planSshChecks([{ id: 'who', title: 'who', kind: 'ssh', ssh: { run: 'id -un', stdout: `^${user.name}$` } }], 5);
    const written: string[] = [];
    const runner: ShellRunner = (input, marker, timeoutMs, batchSetup) => {
      written.push(input);
      return connection.runInShell(input, marker, timeoutMs, batchSetup);
    };
    for (let sweep = 0; sweep < 3; sweep++) expect((await runSshChecks(runner, planned)).map((r) => r.status)).toEqual(['pass']);
    expect(written.every((input) => !input.includes('navigator_prelude='))).toBe(true);
    expect((await runIn(connection, 'sleep 5', 300)).timedOut).toBe(true);
    expect((await runSshChecks(runner, planned)).map((r) => r.status)).toEqual(['pass']);
    connection.close();
  });

  it('rc-file noise stays out of what a command prints: the shell is used only once it has answered its first line', async () => {
    const noisy = createTestUser('navtnoisy', { shell: '/bin/bash', rcNoise: 'Welcome to a noisy VM!' });
    sshd.setAuthorizedKeys(noisy.name, [keys.publicKeyLine]);
    try {
      const { connection } = await SshConnection.connect(target({ user: noisy.name }), connectOptions());
      const result = await runIn(connection, 'echo result-line');
      expect(result.stdout).toBe('result-line\n');
      connection.close();
    } finally {
      noisy.remove();
    }
  });
});

describe('HTTP to the VM over forwardOut', () => {
  let server: http.Server;
  let port: number;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/chunked') {
        res.write('first-');
        res.end('second');
      } else if (req.url === '/until-close') {
        // Like PHP's built-in server: no Content-Length, the body ends when the server closes.
        req.socket.end('HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nuntil-close');
      } else res.end(`hello ${req.url}`);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(() => server.close());

  it('reads a response through the same SSH connection, length-delimited, chunked and ended by close', async () => {
    const { connection } = await SshConnection.connect(target(), connectOptions());
    expect(await connection.request(port, '/metrics', { timeoutMs: 3000 })).toMatchObject({ status: 200, body: 'hello /metrics' });
    expect(await connection.request(port, '/chunked', { timeoutMs: 3000 })).toMatchObject({ status: 200, body: 'first-second' });
    expect(await connection.request(port, '/until-close', { timeoutMs: 3000 })).toMatchObject({ status: 200, body: 'until-close' });
    expect(await connection.request(port, '/chunked', { timeoutMs: 3000 })).toMatchObject({ status: 200, body: 'first-second' });
    connection.close();
  });

  it('the authorized_keys line Navigator asks for permits the workshop ports and nothing else', async () => {
    sshd.setAuthorizedKeys(user.name, [authorizedKeysLine(keys.publicKeyLine, [port])]);
    const other = http.createServer((_req, res) => res.end('secret')).listen(0, '127.0.0.1');
    await new Promise((r) => other.once('listening', r));
    try {
      const { connection } = await SshConnection.connect(target(), connectOptions());
      expect((await connection.request(port, '/', { timeoutMs: 3000 })).status).toBe(200);
      // sshd answers "administratively prohibited" (reason code 1): not "nothing answers", the app may well be up.
      const otherPort = (other.address() as net.AddressInfo).port;
      await expect(connection.request(otherPort, '/', { timeoutMs: 3000 })).rejects.toThrow(ForwardingProhibited);
      await expect(connection.request(otherPort, '/', { timeoutMs: 3000 })).rejects.toThrow(`forwarding to port ${otherPort} is not permitted on this VM`);
      expect((await runIn(connection, 'echo still-runs')).stdout).toBe('still-runs\n');
      connection.close();
    } finally {
      other.close();
      sshd.setAuthorizedKeys(user.name, [keys.publicKeyLine]);
    }
  });
});

describe('SshPool', () => {
  it('connects 30 VMs to one stock sshd (MaxStartups 10:30:100) with no false unreachable', async () => {
    const pool = new SshPool({ privateKey: keys.privateKey, maxHandshakesInFlight: 8 });
    const states: PoolStateChange[] = [];
    pool.onStateChange((change) => states.push(change));
    for (let i = 0; i < 30; i++) pool.ensure(target({ id: `vm${i}`, pinnedFingerprint: sshd.hostKeyFingerprint }));
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && Array.from({ length: 30 }, (_, i) => pool.stateOf(`vm${i}`)).some((s) => s !== 'connected'))
      await new Promise((r) => setTimeout(r, 50));
    expect(states.filter((s) => s.state === 'unreachable')).toEqual([]);
    expect(Array.from({ length: 30 }, (_, i) => pool.stateOf(`vm${i}`)).every((s) => s === 'connected')).toBe(true);
    await pool.closeAll();
  });

  it('reports the first host key, then reconnects after sshd restarts', async () => {
    const pool = new SshPool({ privateKey: keys.privateKey, quickRetryCapMs: 300 });
    const seen: string[] = [];
    const states: string[] = [];
    pool.onHostKeyFirstSeen(({ fingerprint }) => seen.push(fingerprint));
    pool.onStateChange((change) => states.push(change.reason ? `${change.state}:${change.reason}` : change.state));
    pool.ensure(target({ id: 'restart' }));
    await until(() => pool.stateOf('restart') === 'connected');
    expect(seen).toEqual([sshd.hostKeyFingerprint]);
    await sshd.stop();
    await until(() => states.includes('unreachable:refused')).catch(() => {
      throw new Error('states: ' + states.join(','));
    });
    await sshd.start();
    await until(() => pool.stateOf('restart') === 'connected' && pool.get('restart') !== undefined, 10_000);
    expect((await runIn(pool.get('restart')!, 'echo back')).stdout).toBe('back\n');
    await pool.closeAll();
  });
});

describe('an established connection that drops', () => {
  /** Pool states as state:reason, and the message code of each unreachable one. */
  function watch(pool: SshPool) {
    const states: string[] = [];
    const unreachable: PoolStateChange[] = [];
    pool.onStateChange((change) => {
      states.push(change.reason ? `${change.state}:${change.reason}` : change.state);
      if (change.state === 'unreachable') unreachable.push(change);
    });
    return { states, unreachable };
  }

  it('reads "lost" when sshd is killed while connected, not a handshake error, then reconnects', async () => {
    const pool = new SshPool({ privateKey: keys.privateKey, quickRetryCapMs: 300 });
    const { states, unreachable } = watch(pool);
    pool.ensure(target({ id: 'killed', pinnedFingerprint: sshd.hostKeyFingerprint }));
    try {
      await until(() => pool.stateOf('killed') === 'connected');
      // Kills the listener and every connection's processes, as a crash would.
      await sshd.stop();
      await until(() => states.includes('unreachable:refused')).catch(() => {
        throw new Error('states: ' + states.join(','));
      });
      const afterConnected = states.slice(states.indexOf('connected') + 1);
      // The drop itself is "lost"; the retries that follow find nothing listening ("refused").
      expect(afterConnected[0]).toBe('unreachable:lost');
      expect(states).not.toContain('unreachable:error');
      expect(unreachable[0].message?.code).toMatch(/^connection\.lost(_detail)?$/);
      await sshd.start();
      await until(() => pool.get('killed') !== undefined, 10_000);
      expect((await runIn(pool.get('killed')!, 'echo back')).stdout).toBe('back\n');
    } finally {
      await sshd.start();
      await pool.closeAll();
    }
  });

  it('reads "lost" when the established connection is reset (ECONNRESET), and reconnects on its own', async () => {
    // A loopback relay in front of the real sshd: resetting its side sends the pool a TCP RST mid-connection.
    const relayed = new Set<net.Socket>();
    const relay = net.createServer((inbound) => {
      const outbound = net.connect(sshd.port, '127.0.0.1');
      relayed.add(inbound);
      inbound.pipe(outbound).pipe(inbound);
      inbound.on('error', () => outbound.destroy());
      outbound.on('error', () => inbound.destroy());
      inbound.on('close', () => (relayed.delete(inbound), outbound.destroy()));
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    const pool = new SshPool({ privateKey: keys.privateKey, quickRetryCapMs: 300 });
    const { states, unreachable } = watch(pool);
    pool.ensure(target({ id: 'reset', port: (relay.address() as net.AddressInfo).port, pinnedFingerprint: sshd.hostKeyFingerprint }));
    try {
      await until(() => pool.stateOf('reset') === 'connected');
      const connected = pool.get('reset')!;
      for (const socket of relayed) socket.resetAndDestroy();
      await until(() => unreachable.length > 0);
      expect(unreachable[0]).toMatchObject({ state: 'unreachable', reason: 'lost' });
      expect(unreachable[0].message).toMatchObject({ code: 'connection.lost_detail', values: { detail: expect.stringContaining('ECONNRESET') } });
      // The existing reconnect: a new connection through the relay, without anyone asking.
      await until(() => pool.stateOf('reset') === 'connected' && pool.get('reset') !== connected, 10_000);
      expect(states.slice(states.indexOf('unreachable:lost'))).toEqual(['unreachable:lost', 'connecting', 'connected']);
    } finally {
      await pool.closeAll();
      relay.close();
    }
  });
});

/** A command in the connection's kept-open shell; stdout without the done marker. */
async function runIn(connection: VmChannel, command: string, timeoutMs = 3000, setup?: string): Promise<ShellRun> {
  const marker = `@@done-${Math.random().toString(36).slice(2)}`;
  const run = await connection.runInShell(`${command}\necho ${marker}\n`, marker, timeoutMs, setup);
  return { ...run, stdout: run.stdout.replace(`${marker}\n`, '') };
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
