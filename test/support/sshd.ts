import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * A real OpenSSH sshd on a loopback port with its own config, host key and authorized_keys:
 * never the system's sshd or its config. Tests run as root (CI does), so the harness can create
 * throwaway login users whose home directories hold the "VM state" the checks look at.
 */

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface SshdOptions {
  maxSessions?: number;
  maxStartups?: string;
  port?: number;
  /** sshd_config lines appended at the end (Match blocks go here). */
  extraConfig?: string[];
  logLevel?: string;
}

export interface TestSshd {
  port: number;
  dir: string;
  hostKeyFingerprint: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  regenerateHostKey(): Promise<void>;
  /** authorized_keys lines for one user (the file sshd reads for that user). */
  setAuthorizedKeys(user: string, lines: string[]): void;
  /** What sshd logged (to stderr) since it was first started. */
  log(): string;
}

function killDescendants(pid: number): void {
  let children: number[] = [];
  try {
    children = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    // no children
  }
  for (const child of children) {
    killDescendants(child);
    try {
      process.kill(child, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

function fingerprintOfKeyFile(publicKeyFile: string): string {
  return execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', publicKeyFile], { encoding: 'utf8' }).split(' ')[1];
}

export async function startSshd(options: SshdOptions = {}): Promise<TestSshd> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'navt-sshd-'));
  fs.chmodSync(dir, 0o755);
  fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const port = options.port ?? (await freePort());
  const hostKey = path.join(dir, 'host_ed25519');
  const generateHostKey = () => {
    fs.rmSync(hostKey, { force: true });
    fs.rmSync(`${hostKey}.pub`, { force: true });
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  };
  generateHostKey();
  const config = path.join(dir, 'sshd_config');
  fs.writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys.%u')}`,
      'StrictModes no',
      'UsePAM no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitRootLogin prohibit-password',
      'AllowTcpForwarding yes',
      'PermitUserRC yes',
      `MaxSessions ${options.maxSessions ?? 10}`,
      `MaxStartups ${options.maxStartups ?? '10:30:100'}`,
      `LogLevel ${options.logLevel ?? 'ERROR'}`,
      'UseDNS no',
      ...(options.extraConfig ?? []),
      '',
    ].join('\n'),
  );

  let child: ChildProcess | null = null;
  let log = '';
  const sshd: TestSshd = {
    port,
    dir,
    hostKeyFingerprint: fingerprintOfKeyFile(`${hostKey}.pub`),
    async start() {
      if (child) return;
      const proc = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      proc.stderr?.on('data', (d: Buffer) => {
        stderr = (stderr + d.toString()).slice(-2000);
        log = (log + d.toString()).slice(-1_000_000);
      });
      child = proc;
      await waitForPort(port, 5000).catch((error: Error) => {
        throw new Error(`sshd did not start on ${port}: ${error.message}; stderr: ${stderr}`);
      });
    },
    async stop() {
      const proc = child;
      if (!proc) return;
      child = null;
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      // Every connection's processes (sshd's privileged and unprivileged halves, the sessions' shells)
      // descend from the listener: end them all, as a crash or a reboot would. Killing only the
      // listener would leave open connections working, as `systemctl stop ssh` does.
      killDescendants(proc.pid!);
      proc.kill('SIGKILL');
      await exited;
    },
    async regenerateHostKey() {
      const running = child !== null;
      await sshd.stop();
      generateHostKey();
      sshd.hostKeyFingerprint = fingerprintOfKeyFile(`${hostKey}.pub`);
      if (running) await sshd.start();
    },
    log: () => log,
    setAuthorizedKeys(user, lines) {
      fs.writeFileSync(path.join(dir, `authorized_keys.${user}`), lines.map((l) => l + '\n').join(''), { mode: 0o644 });
    },
  };
  await sshd.start();
  return sshd;
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        // Wait for the server's banner so sshd does not log a pre-auth disconnect penalty.
        socket.once('data', () => {
          socket.destroy();
          resolve(true);
        });
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`port ${port} not open after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface TestUser {
  name: string;
  home: string;
  writeFile(relative: string, content: string): void;
  removeFile(relative: string): void;
  remove(): void;
}

/** A throwaway login user (name starts with "navt"); its home directory stands for the VM's state. */
export function createTestUser(name: string, options: { shell?: string; rcNoise?: string } = {}): TestUser {
  if (!/^navt[a-z0-9]{1,20}$/.test(name)) throw new Error(`test users are named navt…: ${name}`);
  removeUser(name);
  // Owned before it exists: another test process sweeping stale users must never see it ownerless.
  fs.mkdirSync(OWNERS_DIR, { recursive: true });
  fs.writeFileSync(path.join(OWNERS_DIR, name), String(process.pid));
  const home = fs.mkdtempSync(path.join(os.tmpdir(), `${name}-home-`));
  fs.rmSync(home, { recursive: true });
  execFileSync('useradd', ['-m', '-d', home, '-s', options.shell ?? '/bin/sh', name]);
  // '*' means "no password" without locking the account: sshd refuses locked accounts ('!').
  execFileSync('usermod', ['-p', '*', name]);
  const owner = { uid: Number(execFileSync('id', ['-u', name], { encoding: 'utf8' })), gid: Number(execFileSync('id', ['-g', name], { encoding: 'utf8' })) };
  const user: TestUser = {
    name,
    home,
    writeFile(relative, content) {
      const file = path.join(home, relative);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
      fs.chownSync(file, owner.uid, owner.gid);
    },
    removeFile(relative) {
      fs.rmSync(path.join(home, relative), { force: true, recursive: true });
    },
    remove() {
      removeUser(name);
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
  if (options.rcNoise !== undefined) {
    // Both login and non-login shells started by sshd: bash reads .bashrc for ssh commands on Debian.
    for (const rc of ['.bashrc', '.profile', '.zshenv']) user.writeFile(rc, `echo '${options.rcNoise}'\necho '${options.rcNoise}' >&2\n`);
  }
  return user;
}

function removeUser(name: string): void {
  try {
    execFileSync('pkill', ['-KILL', '-u', name], { stdio: 'ignore' });
  } catch {
    // no processes: fine
  }
  try {
    execFileSync('userdel', ['-f', name], { stdio: 'ignore' });
  } catch {
    // not there: fine
  }
}

/** Which test process made each user: a user whose process still runs is not stale, whoever else is testing on this machine. */
const OWNERS_DIR = '/run/navigator-test-users';

function ownerAlive(name: string): boolean {
  try {
    const pid = Number(fs.readFileSync(path.join(OWNERS_DIR, name), 'utf8'));
    if (pid === process.pid) return false;
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Leftovers of a crashed earlier run: users named navt* created by this harness whose process is gone. */
export function removeStaleTestUsers(): void {
  const passwd = fs.readFileSync('/etc/passwd', 'utf8');
  for (const line of passwd.split('\n')) {
    const name = line.split(':')[0];
    if (/^navt[a-z0-9]+$/.test(name) && !ownerAlive(name)) removeUser(name);
  }
}
