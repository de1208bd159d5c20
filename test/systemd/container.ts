/**
 * A Debian 12 machine with a real systemd, booted here with systemd-nspawn: the attendee's VM of the kit's
 * end-to-end test. The host's PID 1 is not systemd, so: `--register=no --keep-unit`, each container started from
 * a shell moved into cgroups of its own (two nspawns in the caller's cgroup would clash), commands through
 * `nsenter` into the container's systemd (machinectl cannot work here). `--volatile=overlay` keeps the cached root
 * file system read-only: everything a test installs lives in the container's tmpfs and is gone at power-off.
 * Its network is a veth pair addressed from 198.19.250.0/24 (the fleet uses 198.18.0.0/16): the container reaches
 * only the host's end of it.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const CACHE = process.env.NAVIGATOR_TEST_CACHE ?? '/var/cache/navigator-test';
const REPO_ROOT = path.resolve(__dirname, '../..');

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The cached root file system, unpacked once next to its tarball (built by test/systemd/rootfs.sh). */
export function rootDirectory(): string {
  const tarball = execFileSync('bash', [path.join(REPO_ROOT, 'test/systemd/rootfs.sh'), CACHE], { encoding: 'utf8' }).trim();
  const root = tarball.replace(/\.tar$/, '');
  const stamp = fs.readFileSync(`${tarball}.stamp`, 'utf8');
  if (fs.existsSync(`${root}/.stamp`) && fs.readFileSync(`${root}/.stamp`, 'utf8') === stamp) return root;
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(root, { recursive: true });
  execFileSync('tar', ['-C', root, '-xf', tarball]);
  fs.writeFileSync(`${root}/.stamp`, stamp);
  return root;
}

export class SystemdContainer {
  private constructor(
    readonly name: string,
    /** The container's address on its veth; the host's end is `hostAddress`. */
    readonly address: string,
    readonly hostAddress: string,
    private readonly nspawn: ChildProcess,
    private readonly leader: number,
    private readonly output: string[],
  ) {}

  /** Boots a container and waits until its systemd says running (or degraded: a unit the test does not need failed). */
  static async boot(name: string, subnet: number): Promise<SystemdContainer> {
    if (!/^[a-z][a-z0-9-]{0,10}$/.test(name)) throw new Error(`container name ${name}: a-z, 0-9 and -, at most 11 characters (the veth is ve-NAME)`);
    const root = rootDirectory();
    const hostAddress = `198.19.250.${subnet * 4 + 1}`;
    const address = `198.19.250.${subnet * 4 + 2}`;
    const cgroups = ['systemd', 'unified'].map((hierarchy) => `/sys/fs/cgroup/${hierarchy}/navigator-test-${name}`);
    for (const cgroup of cgroups) fs.mkdirSync(cgroup, { recursive: true });
    const script = [
      ...cgroups.map((cgroup) => `echo $$ > ${cgroup}/cgroup.procs`),
      `exec systemd-nspawn -q -D ${root} -M ${name} --register=no --keep-unit --console=pipe --volatile=overlay --network-veth ` +
        `--capability=all --system-call-filter='bpf perf_event_open' -b`,
    ].join('\n');
    const nspawn = spawn('sh', ['-c', script], { env: { ...process.env, SYSTEMD_NSPAWN_UNIFIED_HIERARCHY: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    nspawn.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    nspawn.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const leader = await waitFor(`${name}'s systemd`, 30_000, () => {
      if (nspawn.exitCode !== null) throw new Error(`systemd-nspawn exited ${nspawn.exitCode}: ${output.join('').slice(-2000)}`);
      const child = execFileSync('sh', ['-c', `pgrep -P ${nspawn.pid} || true`], { encoding: 'utf8' })
        .trim()
        .split('\n')[0];
      return child ? Number(child) : null;
    });
    const container = new SystemdContainer(name, address, hostAddress, nspawn, leader, output);
    await waitFor(`${name} running`, 60_000, async () => {
      const state = (await container.exec(['systemctl', 'is-system-running'])).stdout.trim();
      return state === 'running' || state === 'degraded' ? state : null;
    });
    execFileSync('ip', ['addr', 'replace', `${hostAddress}/30`, 'dev', `ve-${name}`]);
    execFileSync('ip', ['link', 'set', `ve-${name}`, 'up']);
    await container.must(['ip', 'addr', 'replace', `${address}/30`, 'dev', 'host0']);
    await container.must(['ip', 'link', 'set', 'host0', 'up']);
    // Else every lookup of its own name waits for a resolver that is not there.
    await container.must(['sh', '-c', `echo "127.0.1.1 ${name}" >> /etc/hosts`]);
    return container;
  }

  /** Runs a command inside the container, as root, in all of its namespaces. */
  exec(command: string[], options: { input?: string; timeoutMs?: number } = {}): Promise<ExecResult> {
    return new Promise((resolve) => {
      const child = execFile(
        'nsenter',
        ['-t', String(this.leader), '-a', '--', ...command],
        { encoding: 'utf8', timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
      if (options.input !== undefined) child.stdin!.end(options.input);
    });
  }

  /** Like exec, but a non-zero exit is an error that says what ran and what it printed. */
  async must(command: string[], options: { input?: string; timeoutMs?: number } = {}): Promise<string> {
    const result = await this.exec(command, options);
    if (result.code !== 0) throw new Error(`${this.name}: ${command.join(' ')} exited ${result.code}: ${(result.stdout + result.stderr).slice(-2000)}`);
    return result.stdout;
  }

  /** Powers the container off and removes what booting it made on the host. */
  async powerOff(): Promise<void> {
    if (this.nspawn.exitCode === null) {
      const exited = new Promise((resolve) => this.nspawn.once('exit', resolve));
      await this.exec(['systemctl', 'poweroff'], { timeoutMs: 10_000 });
      const timer = setTimeout(() => this.nspawn.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    }
    for (const hierarchy of ['systemd', 'unified']) removeCgroupTree(`/sys/fs/cgroup/${hierarchy}/navigator-test-${this.name}`);
    fs.rmSync(`/run/systemd/nspawn/propagate/${this.name}`, { recursive: true, force: true });
  }

  /** What nspawn printed (the container's console): for a failure message. */
  console(): string {
    return this.output.join('').slice(-4000);
  }
}

function removeCgroupTree(dir: string): void {
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) removeCgroupTree(path.join(dir, entry.name));
  try {
    fs.rmdirSync(dir);
  } catch {
    // A cgroup with a process still in it stays; the next boot of the same name reuses it.
  }
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => T | null | Promise<T | null>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
