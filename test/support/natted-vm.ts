import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A VM behind NAT, for the tunnel tests: a network namespace (navtun-vm) on its own veth link,
 * 198.19.200.2/24, with the host end at 198.19.200.1. A tc filter on the host end drops every TCP
 * SYN the host sends towards the VM (replies, SYN+ACK, pass): the VM reaches Navigator, Navigator
 * cannot open a connection to the VM, as behind a home router. A real sshd runs inside, on the
 * namespace's loopback and its own address.
 */
export const NETNS = 'navtun-vm';
const HOST_LINK = 'navtun-h';
export const HOST_ADDRESS = '198.19.200.1';
export const VM_ADDRESS = '198.19.200.2';

function ip(args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Whatever an earlier run left: the namespace with its processes, and the host end of the link. */
export function removeNattedVm(): void {
  spawnSync('sh', [
    '-c',
    'ip netns pids "$1" 2>/dev/null | xargs -r kill -KILL; ip netns del "$1" 2>/dev/null; ip link del "$2" 2>/dev/null; true',
    'sh',
    NETNS,
    HOST_LINK,
  ]);
}

export function createNattedVm(): void {
  removeNattedVm();
  ip(['netns', 'add', NETNS]);
  ip(['link', 'add', HOST_LINK, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', NETNS]);
  ip(['addr', 'add', `${HOST_ADDRESS}/24`, 'dev', HOST_LINK]);
  ip(['link', 'set', HOST_LINK, 'up']);
  ip(['-netns', NETNS, 'link', 'set', 'lo', 'up']);
  ip(['-netns', NETNS, 'addr', 'add', `${VM_ADDRESS}/24`, 'dev', 'eth0']);
  ip(['-netns', NETNS, 'link', 'set', 'eth0', 'up']);
  // The NAT: TCP with SYN set and ACK clear (byte 13 of a 20-byte-header TCP segment, 33 from the IP header) goes to a
  // class whose queue holds nothing (pfifo limit 0: every packet dropped); the rest passes. (This kernel has no tc
  // actions to load, so no `action drop`.)
  const tc = (args: string) => execFileSync('tc', args.split(' '), { stdio: ['ignore', 'ignore', 'pipe'] });
  tc(`qdisc add dev ${HOST_LINK} root handle 1: htb default 1 r2q 100000`);
  tc(`class add dev ${HOST_LINK} parent 1: classid 1:1 htb rate 10gbit`);
  tc(`class add dev ${HOST_LINK} parent 1: classid 1:2 htb rate 10gbit`);
  tc(`qdisc add dev ${HOST_LINK} parent 1:2 handle 20: pfifo limit 0`);
  tc(`filter add dev ${HOST_LINK} parent 1: protocol ip prio 1 u32 match ip dst ${VM_ADDRESS}/32 match ip protocol 6 0xff match u8 0x02 0x12 at 33 flowid 1:2`);
}

/** A command inside the VM's namespace, as a user of the VM (root when none); its own process group, so it can be killed whole. */
export function spawnInVm(command: string[], user?: string): ChildProcess {
  const asUser = user ? ['runuser', '-u', user, '--'] : [];
  return spawn('ip', ['netns', 'exec', NETNS, ...asUser, ...command], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
}

/**
 * Runs to the end inside the VM; its exit code and what it printed. Asynchronous: Navigator runs in the test's
 * process, and a synchronous child would stop it from answering.
 */
export function runInVm(command: string[], user?: string, timeoutMs = 20_000): Promise<{ status: number | null; output: string }> {
  const child = spawnInVm(command, user);
  let output = '';
  child.stdout?.on('data', (data: Buffer) => (output += data.toString()));
  child.stderr?.on('data', (data: Buffer) => (output += data.toString()));
  const timer = setTimeout(() => void killGroup(child), timeoutMs);
  return new Promise((resolve) =>
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    }),
  );
}

/** Whether something listens on this TCP port inside the VM. */
export function listensInVm(port: number): boolean {
  const result = spawnSync('ip', ['netns', 'exec', NETNS, 'ss', '-Hltn', `sport = :${port}`], { encoding: 'utf8' });
  return (result.stdout ?? '').includes(`:${port}`);
}

export function killGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // gone already
  }
  return exited;
}

function killDescendants(pid: number): void {
  const children = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter(Boolean)
    .map(Number);
  for (const descendant of children) {
    killDescendants(descendant);
    try {
      process.kill(descendant, 'SIGKILL');
    } catch {
      // gone already
    }
  }
}

export interface VmSshd {
  port: number;
  dir: string;
  setAuthorizedKeys(user: string, lines: string[]): void;
  stop(): Promise<void>;
}

/** A real OpenSSH sshd inside the namespace, with its own host key and config (never the system's). */
export async function startVmSshd(port: number): Promise<VmSshd> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'navtun-sshd-'));
  fs.chmodSync(dir, 0o755);
  fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const hostKey = path.join(dir, 'host_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  const config = path.join(dir, 'sshd_config');
  fs.writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `ListenAddress ${VM_ADDRESS}`,
      `HostKey ${hostKey}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys.%u')}`,
      'StrictModes no',
      'UsePAM no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'AllowTcpForwarding yes',
      'LogLevel ERROR',
      'UseDNS no',
      '',
    ].join('\n'),
  );
  const child = spawnInVm(['/usr/sbin/sshd', '-D', '-e', '-f', config]);
  let stderr = '';
  child.stderr?.on('data', (data: Buffer) => (stderr = (stderr + data.toString()).slice(-2000)));
  const deadline = Date.now() + 10_000;
  while (!listensInVm(port)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`sshd did not start in ${NETNS} on ${port}: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    port,
    dir,
    setAuthorizedKeys(user, lines) {
      fs.writeFileSync(path.join(dir, `authorized_keys.${user}`), lines.map((line) => line + '\n').join(''), { mode: 0o644 });
    },
    async stop() {
      // Every connection's processes (sshd's privileged and unprivileged halves, the sessions' shells) descend
      // from the listener, in sessions of their own: all of them end, as in a crash.
      killDescendants(child.pid!);
      await killGroup(child);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
