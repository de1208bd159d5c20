import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionView, NavigatorAttendeeView, RosterSnapshot, SelfView, TimelineEntryView, TunnelView } from '../../server/src/contract/views';
import { startTestNavigator, type TestNavigator } from '../support/navigator';
import {
  createNattedVm,
  HOST_ADDRESS,
  killGroup,
  listensInVm,
  removeNattedVm,
  runInVm,
  spawnInVm,
  startVmSshd,
  VM_ADDRESS,
  type VmSshd,
} from '../support/natted-vm';
import { createTestUser, freePort, removeStaleTestUsers, type TestUser } from '../support/sshd';

/**
 * A VM Navigator cannot dial (a namespace behind a SYN-dropping "NAT", test/support/natted-vm.ts) opens
 * the tunnel with the exact command its attendee's page shows, run by real OpenSSH inside the VM, and
 * Navigator probes the VM's real sshd through it: ssh checks in the kept-open shell, HTTP over forwardOut.
 */
let navigator: TestNavigator;
let sshd: VmSshd;
let user: TestUser;
let tunnelPort: number;
let exporter: ChildProcess;
const running: ChildProcess[] = [];
const METRICS_TOKEN = 'tunnel-test-metrics-token';

interface Registered {
  id: string;
  cookie: string;
  tunnel: TunnelView;
}
let ada: Registered;
let bob: Registered;

async function register(name: string, sshdPort: number, sshUser: string): Promise<Registered> {
  const joined = await navigator.request('POST', new URL(navigator.joinUrl).pathname.replace('/join/', '/api/join/'), {
    body: { displayName: name, host: 'localhost', port: sshdPort, sshUser, vmAccess: 'tunnel' },
  });
  expect(joined.status, JSON.stringify(joined.body)).toBe(201);
  const body = joined.body as { attendee: SelfView; personalPath: string };
  const cookie = `navigator_attendee=${body.personalPath.split('/').pop()}`;
  const tunnel = await navigator.request('GET', '/api/me/tunnel', { cookie });
  expect(tunnel.status, JSON.stringify(tunnel.body)).toBe(200);
  expect(tunnel.headers.get('cache-control')).toBe('no-store');
  return { id: body.attendee.id, cookie, tunnel: tunnel.body as TunnelView };
}

async function roster(): Promise<NavigatorAttendeeView[]> {
  const response = await navigator.request('GET', '/api/attendees', { token: navigator.navigatorToken });
  return (response.body as RosterSnapshot<NavigatorAttendeeView>).attendees;
}

/** Polls the roster (a probe sweep is 1 s here) until the attendee's view satisfies the condition, with a ceiling. */
async function waitForView(id: string, what: string, matches: (view: NavigatorAttendeeView) => boolean, timeoutMs = 30_000): Promise<NavigatorAttendeeView> {
  const deadline = Date.now() + timeoutMs;
  let last: NavigatorAttendeeView | undefined;
  for (;;) {
    last = (await roster()).find((attendee) => attendee.id === id);
    if (last && matches(last)) return last;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms; last connection ${JSON.stringify(last?.connection)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const connection =
  (state: ConnectionView['state'], reason: string | null = null) =>
  (view: NavigatorAttendeeView) =>
    view.connection.state === state && (reason === null || view.connection.reason === reason);

/** The attendee's "open the tunnel" command, run as the VM's user inside the VM, kept running. */
function openTunnel(registered: Registered, asUser: string): ChildProcess {
  const child = spawnInVm(['sh', '-c', registered.tunnel.openCommand], asUser);
  running.push(child);
  return child;
}

/** Plain ssh to Navigator's endpoint from inside the VM, with the key the open command stored in the user's home. */
function sshToEndpoint(args: string[], keyOwner = user, timeoutMs = 15_000): Promise<{ status: number | null; output: string }> {
  const dir = path.join(keyOwner.home, '.ssh/navigator-tunnel');
  return runInVm(
    [
      ...['ssh', '-i', `${dir}/key`, '-o', 'IdentitiesOnly=yes', '-o', `UserKnownHostsFile=${dir}/known_hosts`, '-o', 'StrictHostKeyChecking=yes'],
      ...['-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', '-p', String(tunnelPort), ...args],
    ],
    user.name,
    timeoutMs,
  );
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

beforeAll(async () => {
  removeStaleTestUsers();
  createNattedVm();
  user = createTestUser('navttun');
  sshd = await startVmSshd(await freePort());
  // The workshop's exporter check: HTTP on the VM's localhost:9435, reached over forwardOut through the tunnel.
  exporter = spawnInVm([process.execPath, '-e', "require('http').createServer((q,r)=>r.end('ebpf_exporter_enabled_configs 1\\n')).listen(9435,'127.0.0.1')"]);
  tunnelPort = await freePort();
  navigator = await startTestNavigator({ NAVIGATOR_HOST: HOST_ADDRESS, NAVIGATOR_TUNNEL_PORT: String(tunnelPort), NAVIGATOR_METRICS_TOKEN: METRICS_TOKEN });
  ada = await register('Ada', sshd.port, user.name);
  bob = await register('Bob', sshd.port, user.name);
  const me = await navigator.request('GET', '/api/me', { cookie: ada.cookie });
  sshd.setAuthorizedKeys(user.name, [(me.body as SelfView).authorizedKeysLine]);
}, 60_000);

afterAll(async () => {
  for (const child of running) await killGroup(child);
  if (exporter) await killGroup(exporter);
  await navigator?.stop();
  await sshd?.stop();
  user?.remove();
  removeNattedVm();
});

describe('a VM behind NAT, watched through the tunnel it opens', () => {
  it('cannot be dialled by Navigator, and says its tunnel is not open yet', async () => {
    const dialled = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: VM_ADDRESS, port: sshd.port });
      socket.once('connect', () => resolve(true));
      socket.once('error', () => resolve(false));
      // A bounded wait for something that must not happen: the SYN is dropped, so no answer ever comes.
      setTimeout(() => resolve(false), 2000).unref();
      socket.once('close', () => undefined);
      setTimeout(() => socket.destroy(), 2100).unref();
    });
    expect(dialled).toBe(false);
    await waitForView(ada.id, 'tunnel not open yet', connection('unreachable', 'tunnel_not_open'));
  });

  it("shows commands built from Navigator's values: plain ssh -N -R with the host key pinned, and a systemd unit that reconnects", () => {
    expect(ada.tunnel.openCommand).toContain(`ssh -N -i ~/.ssh/navigator-tunnel/key`);
    expect(ada.tunnel.openCommand).toContain(`-p ${tunnelPort} -R 22:localhost:${sshd.port} ${ada.id}@${HOST_ADDRESS}`);
    expect(ada.tunnel.openCommand).toContain('StrictHostKeyChecking=yes');
    expect(ada.tunnel.knownHostsLine).toMatch(new RegExp(`^\\[${HOST_ADDRESS.replace(/\./g, '\\.')}\\]:${tunnelPort} ssh-ed25519 `));
    expect(ada.tunnel.openCommand).toContain(ada.tunnel.knownHostsLine);
    for (const option of ['ServerAliveInterval=15', 'ExitOnForwardFailure=yes', 'Restart=always', 'systemctl enable'])
      expect(ada.tunnel.installCommand).toContain(option);
    expect(bob.tunnel.openCommand).not.toEqual(ada.tunnel.openCommand);
  });

  it('is watched like any other once the VM runs the command: its checks pass through the tunnel, ssh and HTTP', async () => {
    openTunnel(ada, user.name);
    await waitForView(ada.id, 'connected through the tunnel', connection('connected'));
    user.writeFile('prepared', '');
    const view = await waitForView(ada.id, 'checks pass', (v) => v.checks.prepared?.status === 'pass' && v.checks['exporter-up']?.status === 'pass');
    expect(view.hostKeyFingerprint).toMatch(/^SHA256:/);
    const metrics = await navigator.request('GET', '/metrics', { token: METRICS_TOKEN });
    expect(String(metrics.body)).toMatch(/^navigator_tunnels_open 1$/m);
  });

  it('refuses a shell, exec, a subsystem and local forwarding (-W, -L) on the endpoint, each tried with real ssh', async () => {
    const target = `${ada.id}@${HOST_ADDRESS}`;
    const shell = await sshToEndpoint(['-tt', target]);
    expect(shell.status).not.toBe(0);
    const exec = await sshToEndpoint([target, 'echo', 'ran-on-navigator']);
    expect(exec.status).not.toBe(0);
    expect(exec.output).not.toContain('ran-on-navigator');
    const subsystem = await sshToEndpoint(['-s', target, 'sftp']);
    expect(subsystem.status).not.toBe(0);
    const jump = await sshToEndpoint(['-W', `127.0.0.1:${navigator.config.port || 22}`, target]);
    expect(jump.status).not.toBe(0);
    expect(jump.output).toMatch(/open failed|prohibited/i);

    // -L: the local listener opens on the VM, but nothing it forwards gets through Navigator.
    const localPort = await freePort();
    const dir = path.join(user.home, '.ssh/navigator-tunnel');
    const local = spawnInVm(
      [
        ...['ssh', '-N', '-i', `${dir}/key`, '-o', 'IdentitiesOnly=yes', '-o', `UserKnownHostsFile=${dir}/known_hosts`, '-o', 'BatchMode=yes'],
        ...['-p', String(tunnelPort), '-L', `127.0.0.1:${localPort}:127.0.0.1:${sshd.port}`, target],
      ],
      user.name,
    );
    running.push(local);
    const deadline = Date.now() + 15_000;
    while (!listensInVm(localPort)) {
      expect(Date.now(), 'ssh -L listening').toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const scanned = await runInVm(['ssh-keyscan', '-T', '5', '-p', String(localPort), '127.0.0.1']);
    expect(scanned.output).not.toContain('ssh-ed25519');
    await killGroup(local);

    // Another bind than the one tunnel port is refused (ExitOnForwardFailure makes ssh say so and stop).
    const otherBind = await sshToEndpoint(['-N', '-o', 'ExitOnForwardFailure=yes', '-R', `2200:localhost:${sshd.port}`, target]);
    expect(otherBind.status).not.toBe(0);
    expect(otherBind.output).toMatch(/remote port forwarding failed/i);

    // None of it disturbed the tunnel.
    await waitForView(ada.id, 'still connected', connection('connected'), 5_000);
  });

  it("lets no attendee's key open or take over another attendee's tunnel", async () => {
    // Bob's tunnel key, stored the way his own command stores it (in a second user's home on the same VM).
    const bobUser = createTestUser('navttunb');
    try {
      const stored = await runInVm(['sh', '-c', bob.tunnel.openCommand.replace(/ && ssh .*$/, '')], bobUser.name);
      expect(stored.status, stored.output).toBe(0);
      const asAda = await runInVm(
        [
          ...['ssh', '-N', '-i', path.join(bobUser.home, '.ssh/navigator-tunnel/key'), '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes'],
          ...['-o', `UserKnownHostsFile=${path.join(bobUser.home, '.ssh/navigator-tunnel/known_hosts')}`, '-o', 'ExitOnForwardFailure=yes'],
          ...['-p', String(tunnelPort), '-R', `22:localhost:${sshd.port}`, `${ada.id}@${HOST_ADDRESS}`],
        ],
        bobUser.name,
      );
      expect(asAda.status).toBe(255);
      expect(asAda.output).toMatch(/Permission denied/);
      // Bob's own tunnel opens with his key, and it is his: Ada's stays open and connected.
      const bobs = openTunnel(bob, bobUser.name);
      await waitForView(bob.id, "Bob's tunnel open (his VM refuses Navigator's key for him)", connection('unreachable', 'auth_rejected'));
      await waitForView(ada.id, 'Ada still connected', connection('connected'), 5_000);
      expect(bobs.exitCode).toBeNull();
      await killGroup(bobs);
    } finally {
      bobUser.remove();
    }
  });

  it('shows "tunnel closed" when the tunnel is killed, and is watched again once it is reopened', async () => {
    const first = running.find((child) => child.exitCode === null && child.spawnargs.includes(ada.tunnel.openCommand))!;
    await killGroup(first);
    await waitForView(ada.id, 'tunnel closed', connection('unreachable', 'tunnel_closed'));
    // Straight from connected to "tunnel closed": not a lost connection first.
    const timeline = (await navigator.request('GET', `/api/attendees/${ada.id}/timeline`, { token: navigator.navigatorToken })).body as TimelineEntryView[];
    const vmStates = timeline.filter((entry) => entry.checkId === null);
    expect(vmStates.at(-1)).toMatchObject({ from: 'connected', to: 'unreachable', reason: 'tunnel_closed' });
    openTunnel(ada, user.name);
    await waitForView(ada.id, 'connected again', connection('connected'));
  });

  it('reads "tunnel closed" when the tunnel goes silent (the VM\'s network dropped without a word), after the keepalive', async () => {
    const open = running.filter((child) => child.exitCode === null && child.spawnargs.includes(ada.tunnel.openCommand)).at(-1)!;
    // Frozen, as a lost network looks from Navigator: the TCP connection stays, nothing more comes over it.
    process.kill(-open.pid!, 'SIGSTOP');
    try {
      await waitForView(ada.id, 'tunnel closed after silence', connection('unreachable', 'tunnel_closed'), 40_000);
    } finally {
      await killGroup(open);
    }
    openTunnel(ada, user.name);
    await waitForView(ada.id, 'connected again', connection('connected'));
  }, 60_000);

  it('lets a new tunnel replace the old one, and refuses a second bind on one login', async () => {
    const old = running.filter((child) => child.exitCode === null && child.spawnargs.includes(ada.tunnel.openCommand)).at(-1)!;
    const replacement = openTunnel(ada, user.name);
    expect(await exited(old)).not.toBe(0);
    await waitForView(ada.id, 'connected through the replacement', connection('connected'));
    expect(replacement.exitCode).toBeNull();
    // Two -R for the tunnel port (OpenSSH drops an exact duplicate itself, so the second names its target differently).
    const twoBinds = await sshToEndpoint([
      ...['-N', '-o', 'ExitOnForwardFailure=yes', '-R', `22:localhost:${sshd.port}`, '-R', `22:127.0.0.1:${sshd.port}`],
      `${ada.id}@${HOST_ADDRESS}`,
    ]);
    expect(twoBinds.status).not.toBe(0);
    expect(twoBinds.output).toMatch(/remote port forwarding failed/i);
    await waitForView(ada.id, 'tunnel closed after the refused login', connection('unreachable', 'tunnel_closed'));
    const timeline = (await navigator.request('GET', `/api/attendees/${ada.id}/timeline`, { token: navigator.navigatorToken })).body as TimelineEntryView[];
    expect(timeline.filter((entry) => entry.checkId === null).at(-1)).toMatchObject({ from: 'connected', to: 'unreachable', reason: 'tunnel_closed' });
  });

  it("says the tunnel is open but the VM's sshd does not answer when sshd is down", async () => {
    // Whatever the two-bind login did, a tunnel is opened afresh and watched first.
    openTunnel(ada, user.name);
    await waitForView(ada.id, 'connected', connection('connected'));
    await sshd.stop();
    await waitForView(ada.id, 'tunnel open, sshd silent', connection('unreachable', 'tunnel_sshd_silent'));
  });
});

describe('the tunnel ends with its attendee, and is offered only while the endpoint is on', () => {
  it("ends the attendee's tunnel when the navigator removes them", async () => {
    const open = running.filter((child) => child.exitCode === null && child.spawnargs.includes(ada.tunnel.openCommand)).at(-1)!;
    expect(open.exitCode).toBeNull();
    const removed = await navigator.request('DELETE', `/api/attendees/${ada.id}`, { token: navigator.navigatorToken });
    expect(removed.status).toBe(204);
    expect(await exited(open)).not.toBe(0);
    // And the key it used opens nothing any more.
    const again = await sshToEndpoint(['-N', '-o', 'ExitOnForwardFailure=yes', '-R', `22:localhost:${sshd.port}`, `${ada.id}@${HOST_ADDRESS}`]);
    expect(again.output).toMatch(/Permission denied/);
  });

  it('refuses "my VM is behind NAT" when NAVIGATOR_TUNNEL_PORT is not set, and has no tunnel commands for a direct VM', async () => {
    const plain = await startTestNavigator({ NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true' });
    try {
      const joinPath = new URL(plain.joinUrl).pathname.replace('/join/', '/api/join/');
      expect(((await plain.request('GET', joinPath)).body as { tunnelsEnabled: boolean }).tunnelsEnabled).toBe(false);
      const refused = await plain.request('POST', joinPath, {
        body: { displayName: 'Cy', host: 'localhost', port: 22, sshUser: user.name, vmAccess: 'tunnel' },
      });
      expect(refused.status).toBe(400);
      expect(JSON.stringify(refused.body)).toContain('NAVIGATOR_TUNNEL_PORT');
      const direct = await plain.request('POST', joinPath, { body: { displayName: 'Di', host: '127.0.0.1', port: 1, sshUser: user.name } });
      expect(direct.status).toBe(201);
      const cookie = `navigator_attendee=${(direct.body as { personalPath: string }).personalPath.split('/').pop()}`;
      expect((await plain.request('GET', '/api/me/tunnel', { cookie })).status).toBe(404);
      expect(((await plain.request('GET', '/api/me', { cookie })).body as SelfView).vmAccess).toBe('direct');
    } finally {
      await plain.stop();
    }
  });
});
