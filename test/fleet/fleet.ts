/**
 * A simulated attendee fleet: N VMs, each its own network namespace (veth to a bridge, addresses from
 * 198.18.0.0/15, the range reserved for benchmarks; no route anywhere else), its own loopback, a real
 * OpenSSH sshd with its own host key, its own login user and home, and its own /var/lib/php-ebpf and
 * /opt/php-ebpf (bind mounts in the sshd's mount namespace, so the workshop's real checks read per-VM
 * state). HTTP services on each VM's localhost come from vm-services.c (STAND-INS, see there); a few
 * VMs run a real Prometheus scraping their stand-in exporter. systemd is not init here, so what the
 * checks read of it is a STAND-IN too: each VM's /etc/systemd/system (unit files) and
 * /sys/fs/cgroup (a unit's cgroup.procs, which lists its processes while it runs) are directories the
 * scenario writes, mounted where systemd keeps them. A running unit given an environment lists a
 * STAND-IN process of the host started with that environment (a `sleep`), whose /proc/<pid>/environ
 * the workshop's root check reads; the VMs whose scenario needs it get passwordless sudo, as a cloud
 * image's default user has.
 *
 *   npx tsx test/fleet/fleet.ts up 20      start 20 VMs and wait (Ctrl-C tears them down)
 *   npx tsx test/fleet/fleet.ts down       tear down whatever a crashed run left behind
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const NETNS_PREFIX = 'navvm';
const BRIDGE = 'navfleet0';
// Not navt…: the integration tests' users are navt…, and each side removes its own leftovers by prefix while the other may run.
const USER_PREFIX = 'navf';
const STATE_ROOT = path.join(os.tmpdir(), 'navigator-fleet');
const HOST_ADDRESS = '198.18.0.1';
/** The sudo rule of the VMs given passwordless sudo (see allowSudo); a name with no dot, as sudo reads. */
const FLEET_SUDOERS = '/etc/sudoers.d/navf-fleet';
/** Ports the stand-in services may listen on inside each VM. */
export const VM_PORTS = { app: 8000, exporter: 9435, prometheus: 9090, grafana: 3000 } as const;
/** The directories each VM gets its own copy of (as mounts), matching the kit's and systemd's paths. */
const PRIVATE_DIRS = ['/var/lib/php-ebpf', '/opt/php-ebpf', '/etc/systemd/system', '/sys/fs/cgroup'];

export interface FleetOptions {
  size: number;
  /** Every n-th VM (0, n, 2n…) runs a real Prometheus; 0 for none. */
  realPrometheusEvery?: number;
  /** Scrape interval of the real Prometheus instances, in seconds. */
  scrapeSeconds?: number;
  maxSessions?: number;
  maxStartups?: string;
  /** VMs that differ from a stock one, by index. */
  variants?: Record<number, VmVariant>;
}

/** How a VM differs from a stock one, as attendees' real VMs do. */
export interface VmVariant {
  /** sshd_config lines applied to every login (a `Match all` block): `AllowTcpForwarding no`, `ForceCommand …`. */
  sshdMatchAll?: string[];
  /** The login user's shell (`/usr/sbin/nologin`). */
  shell?: string;
  /** More login users on this VM's one sshd (a bastion, one big VM with a user per attendee): `<user>u0`, `<user>u1`… */
  extraUsers?: number;
  /** sshd's LogLevel (INFO logs MaxStartups drops). */
  logLevel?: string;
}

export interface FleetVm {
  index: number;
  name: string;
  address: string;
  user: string;
  dir: string;
  realPrometheus: boolean;
  hostKeyFingerprint: string;
}

function sh(script: string, args: string[] = []): string {
  return execFileSync('sh', ['-c', script, 'sh', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function addressOf(index: number): string {
  const n = index + 2; // .0 is the network, .1 the host's bridge
  return `198.18.${n >> 8}.${n & 255}`;
}

function fingerprint(publicKeyFile: string): string {
  return execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', publicKeyFile], { encoding: 'utf8' }).split(' ')[1];
}

/** Where systemd (cgroup v2) keeps a system service's cgroup. */
function unitCgroup(name: string): string {
  return `/sys/fs/cgroup/system.slice/${name}.service`;
}

export class Fleet {
  readonly vms: FleetVm[] = [];
  private readonly sshd = new Map<number, ChildProcess>();
  private readonly prometheus = new Map<number, ChildProcess>();
  private services: ChildProcess | null = null;
  /** STAND-IN unit processes, one per environment (see unit). */
  private readonly unitProcesses = new Map<string, ChildProcess>();
  private readonly sudoUsers = new Set<string>();
  /** Each VM's authorized_keys line (its attendee's own, as Navigator shows it). */
  private readonly authorizedKeys = new Map<number, string>();

  private constructor(
    readonly options: Required<FleetOptions>,
    readonly stateDir: string,
  ) {}

  /** Starts the fleet; tears down anything a crashed run left behind first. */
  static async up(options: FleetOptions): Promise<Fleet> {
    if (options.size < 1 || options.size > 1000) throw new Error(`fleet size must be 1..1000, not ${options.size}`);
    Fleet.down();
    const stateDir = path.join(STATE_ROOT, String(process.pid));
    fs.mkdirSync(stateDir, { recursive: true, mode: 0o755 });
    fs.chmodSync(STATE_ROOT, 0o755);
    const fleet = new Fleet({ realPrometheusEvery: 0, scrapeSeconds: 5, maxSessions: 10, maxStartups: '10:30:100', variants: {}, ...options }, stateDir);
    try {
      await fleet.start();
    } catch (error) {
      await fleet.stop();
      throw error;
    }
    return fleet;
  }

  /** Removes every fleet namespace, process, user and the bridge, whoever started them. */
  static down(): void {
    // With the slash: `flock /tmp/navigator-fleet.lock …`, which serialises fleet runs, must not match.
    spawnSync('pkill', ['-KILL', '-f', STATE_ROOT + '/']);
    // veth ends first: a namespace's deletion frees its links later, in the background.
    const links = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })
      .stdout.split('\n')
      .map((line) => /^\d+: (nvf\d+)@/.exec(line)?.[1])
      .filter((name): name is string => name !== undefined);
    if (links.length > 0) spawnSync('ip', ['-force', '-batch', '-'], { input: links.map((link) => `link del ${link}`).join('\n') + '\n' });
    const namespaces = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' })
      .stdout.split('\n')
      .map((line) => line.split(' ')[0])
      .filter((name) => name.startsWith(NETNS_PREFIX));
    for (const name of namespaces) {
      // Whatever still runs in the namespace (a session shell, a sleep) goes with it.
      spawnSync('sh', ['-c', 'ip netns pids "$1" | xargs -r kill -KILL; ip netns del "$1"', 'sh', name]);
    }
    spawnSync('ip', ['link', 'del', BRIDGE], { stdio: 'ignore' });
    const users = fs
      .readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .map((line) => line.split(':')[0])
      .filter((name) => name.startsWith(USER_PREFIX));
    if (users.length > 0) sh('for u in "$@"; do pkill -KILL -u "$u"; userdel -f "$u" 2>/dev/null; done; true', users);
    fs.rmSync(FLEET_SUDOERS, { force: true });
    fs.rmSync(STATE_ROOT, { recursive: true, force: true });
  }

  private async start(): Promise<void> {
    const { size } = this.options;
    const servicesBinary = path.join(STATE_ROOT, 'vm-services');
    execFileSync('gcc', ['-O2', '-Wall', '-o', servicesBinary, path.join(__dirname, 'vm-services.c')]);
    for (const dir of PRIVATE_DIRS) fs.mkdirSync(dir, { recursive: true });

    // The network: one bridge on the host, one namespace and veth pair per VM.
    const host = [`link add ${BRIDGE} type bridge`, `addr add ${HOST_ADDRESS}/15 dev ${BRIDGE}`, `link set ${BRIDGE} up`];
    const names: string[] = [];
    for (let i = 0; i < size; i++) {
      const name = `${NETNS_PREFIX}${i}`;
      names.push(name);
      host.push(`netns add ${name}`, `link add nvf${i} type veth peer name eth0 netns ${name}`, `link set nvf${i} master ${BRIDGE} up`);
    }
    execFileSync('ip', ['-batch', '-'], { input: host.join('\n') + '\n' });
    for (let i = 0; i < size; i++) {
      execFileSync('ip', ['-netns', names[i], '-batch', '-'], {
        input: ['link set lo up', `addr add ${addressOf(i)}/15 dev eth0`, 'link set eth0 up'].join('\n') + '\n',
      });
    }

    // Users, one per VM, in one shell: 300 useradds in one process are seconds, not a minute.
    const users = names.map((_, i) => `${USER_PREFIX}${i}`);
    const extraUsers = names.flatMap((_, i) => Array.from({ length: this.options.variants[i]?.extraUsers ?? 0 }, (_, j) => `${users[i]}u${j}`));
    sh(`for u in "$@"; do useradd -m -d "${this.stateDir}/home/$u" -s /bin/sh "$u" && usermod -p '*' "$u" || exit 1; done`, [...users, ...extraUsers]);
    for (const [index, variant] of Object.entries(this.options.variants))
      if (variant.shell) execFileSync('usermod', ['-s', variant.shell, users[Number(index)]]);
    fs.chmodSync(this.stateDir, 0o755);

    for (let i = 0; i < size; i++) {
      const dir = path.join(this.stateDir, names[i]);
      fs.mkdirSync(path.join(dir, 'http'), { recursive: true });
      for (const mount of PRIVATE_DIRS) fs.mkdirSync(path.join(dir, 'root', mount), { recursive: true });
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'host_ed25519')]);
      fs.writeFileSync(
        path.join(dir, 'sshd_config'),
        [
          `ListenAddress ${addressOf(i)}:22`,
          `HostKey ${dir}/host_ed25519`,
          `PidFile ${dir}/sshd.pid`,
          `AuthorizedKeysFile ${dir}/authorized_keys`,
          'StrictModes no',
          'UsePAM no',
          'PasswordAuthentication no',
          'KbdInteractiveAuthentication no',
          'PubkeyAuthentication yes',
          'AllowTcpForwarding yes',
          `MaxSessions ${this.options.maxSessions}`,
          `MaxStartups ${this.options.maxStartups}`,
          `LogLevel ${this.options.variants[i]?.logLevel ?? 'ERROR'}`,
          'UseDNS no',
          ...(this.options.variants[i]?.sshdMatchAll ? ['Match all', ...this.options.variants[i].sshdMatchAll!.map((line) => `  ${line}`)] : []),
          '',
        ].join('\n'),
      );
      fs.writeFileSync(path.join(dir, 'authorized_keys'), '');
      const realPrometheus = this.options.realPrometheusEvery > 0 && i % this.options.realPrometheusEvery === 0;
      this.vms.push({
        index: i,
        name: names[i],
        address: addressOf(i),
        user: users[i],
        dir,
        realPrometheus,
        hostKeyFingerprint: fingerprint(path.join(dir, 'host_ed25519.pub')),
      });
    }

    this.services = spawn(servicesBinary, [this.stateDir, Object.values(VM_PORTS).join(','), ...names], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      this.services!.once('exit', (code) => reject(new Error(`vm-services exited with ${code}`)));
      this.services!.stdout!.once('data', () => resolve());
    });
    // sshd's privilege separation directory: a fresh machine that never started its own sshd has none.
    fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    for (const vm of this.vms) this.startSshd(vm.index);
    for (const vm of this.vms.filter((v) => v.realPrometheus)) this.startPrometheus(vm.index);
    await this.untilSshdAnswers(this.vms.map((vm) => vm.index));
  }

  /**
   * Waits for these VMs' sshd to send their banners. Not by a fixed time: a slow machine starts 300 sshd slowly, so it
   * gives up only when one has exited (with its log) or none has come up for a long while.
   */
  async untilSshdAnswers(indexes: number[], stalledMs = 60_000): Promise<void> {
    const waiting = new Set(indexes);
    let lastProgress = Date.now();
    while (waiting.size > 0) {
      const answered = await Promise.all([...waiting].map(async (index) => ((await sshAnswers(this.vm(index).address)) ? index : null)));
      for (const index of answered) if (index !== null) waiting.delete(index);
      if (answered.some((index) => index !== null)) lastProgress = Date.now();
      for (const index of waiting) {
        const exitCode = this.sshd.get(index)?.exitCode;
        if (exitCode !== null && exitCode !== undefined)
          throw new Error(`sshd on ${this.vm(index).address} exited with ${exitCode}: ${this.sshdLog(index).trim().slice(-500)}`);
      }
      if (waiting.size > 0 && Date.now() - lastProgress > stalledMs)
        throw new Error(`${waiting.size} sshd not answering, none for ${stalledMs} ms (e.g. ${this.vm([...waiting][0]).address})`);
      if (waiting.size > 0) await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Tears this fleet down (and anything else of a fleet's). */
  async stop(): Promise<void> {
    this.services?.kill('SIGKILL');
    for (const child of this.unitProcesses.values()) child.kill('SIGKILL');
    for (const child of [...this.sshd.values(), ...this.prometheus.values()]) child.kill('SIGKILL');
    Fleet.down();
  }

  /** The extra login users of a VM (see VmVariant.extraUsers). */
  usersOf(index: number): string[] {
    const vm = this.vm(index);
    return Array.from({ length: this.options.variants[index]?.extraUsers ?? 0 }, (_, j) => `${vm.user}u${j}`);
  }

  /** What the VM's sshd logged (its stderr). */
  sshdLog(index: number): string {
    const file = path.join(this.vm(index).dir, 'sshd.log');
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  }

  vm(index: number): FleetVm {
    const vm = this.vms[index];
    if (!vm) throw new Error(`no VM ${index} in a fleet of ${this.vms.length}`);
    return vm;
  }

  /** One line written to every VM's authorized_keys (tools that use one key for all, like the benchmarks' peers). */
  authorize(line: string): void {
    for (const vm of this.vms) this.authorizeVm(vm.index, line);
  }

  /** The line Navigator shows this VM's attendee (their own key), written to the VM's authorized_keys. */
  authorizeVm(index: number, line: string): void {
    this.authorizedKeys.set(index, line);
    fs.writeFileSync(path.join(this.vm(index).dir, 'authorized_keys'), line + '\n');
  }

  /** More attendees' lines on one VM: its logins share one authorized_keys file (the bastion variant). */
  authorizeMore(index: number, lines: string[]): void {
    const all = [this.authorizedKeys.get(index), ...lines].filter((line): line is string => !!line);
    this.authorizedKeys.set(index, all.join('\n'));
    fs.writeFileSync(path.join(this.vm(index).dir, 'authorized_keys'), all.join('\n') + '\n');
  }

  // ── faults and scenario moves ────────────────────────────────────────────────────────────────

  /** Starts the VM's sshd in its namespace, with the VM's private directories mounted. */
  startSshd(index: number): void {
    const vm = this.vm(index);
    if (this.sshd.get(index)?.exitCode === null) return;
    const mounts = PRIVATE_DIRS.map((dir) => `mount --bind "$1/root${dir}" ${dir}`).join(' && ');
    const child = spawn('ip', ['netns', 'exec', vm.name, 'sh', '-c', `${mounts} && exec /usr/sbin/sshd -D -e -f "$1/sshd_config"`, 'sh', vm.dir], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr!.on('data', (d: Buffer) => fs.appendFile(path.join(vm.dir, 'sshd.log'), d, () => undefined));
    this.sshd.set(index, child);
  }

  /** Kills the VM's sshd and every process of every connection, as a crash or a reboot would. */
  killSshd(index: number): void {
    const child = this.sshd.get(index);
    if (!child?.pid) return;
    sh('pkill -KILL -P "$1"; kill -KILL "$1"; true', [String(child.pid)]);
    sh('pkill -KILL -u "$1"; true', [this.vm(index).user]);
    this.sshd.delete(index);
  }

  /** Kills every VM's sshd and every session at once (one kill, one pkill), as a power cut would. */
  killAllSshd(): void {
    const pids = [...this.sshd.values()].map((child) => child.pid).filter((pid): pid is number => pid !== undefined);
    sh('kill -KILL "$@" 2>/dev/null; true', pids.map(String));
    sh('pkill -KILL -u "$1"; true', [this.vms.map((vm) => vm.user).join(',')]);
    this.sshd.clear();
  }

  async restartSshd(index: number): Promise<void> {
    this.killSshd(index);
    this.startSshd(index);
    await this.untilSshdAnswers([index]);
  }

  linkDown(index: number): void {
    execFileSync('ip', ['-netns', this.vm(index).name, 'link', 'set', 'eth0', 'down']);
  }

  linkUp(index: number): void {
    execFileSync('ip', ['-netns', this.vm(index).name, 'link', 'set', 'eth0', 'up']);
  }

  async rotateHostKey(index: number): Promise<void> {
    const vm = this.vm(index);
    for (const file of ['host_ed25519', 'host_ed25519.pub']) fs.rmSync(path.join(vm.dir, file), { force: true });
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(vm.dir, 'host_ed25519')]);
    vm.hostKeyFingerprint = fingerprint(path.join(vm.dir, 'host_ed25519.pub'));
    await this.restartSshd(index);
  }

  removeKey(index: number): void {
    fs.writeFileSync(path.join(this.vm(index).dir, 'authorized_keys'), '');
  }

  restoreKey(index: number): void {
    fs.writeFileSync(path.join(this.vm(index).dir, 'authorized_keys'), (this.authorizedKeys.get(index) ?? '') + '\n');
  }

  /**
   * A shell that prints text for every command (bash reads .bashrc for ssh commands), as some
   * attendees' VMs do; the VM's sessions end so the next connection meets it, as after a reboot.
   */
  shellNoise(index: number, noise: string | null): void {
    const vm = this.vm(index);
    const rc = path.join(this.stateDir, 'home', vm.user, '.bashrc');
    if (noise === null) fs.rmSync(rc, { force: true });
    else fs.writeFileSync(rc, `echo ${JSON.stringify(noise)}\necho ${JSON.stringify(noise)} >&2\n`);
    execFileSync('usermod', ['-s', noise === null ? '/bin/sh' : '/bin/bash', vm.user]);
    sh('pkill -KILL -u "$1"; true', [vm.user]);
  }

  /**
   * Makes the check that reads ebpf_exporter's cgroup.procs hang (a check command that never returns:
   * opening a FIFO with no writer blocks), or stop hanging, the unit as it was before.
   */
  hangCheck(index: number, on: boolean): void {
    const procs = path.join(this.vm(index).dir, 'root', unitCgroup('ebpf_exporter'), 'cgroup.procs');
    fs.mkdirSync(path.dirname(procs), { recursive: true });
    if (on) {
      if (fs.existsSync(procs)) fs.renameSync(procs, `${procs}.saved`);
      execFileSync('mkfifo', ['-m', '0644', procs]);
    } else {
      fs.rmSync(procs, { force: true });
      if (fs.existsSync(`${procs}.saved`)) fs.renameSync(`${procs}.saved`, procs);
    }
  }

  /** Copies the host key aside (rotateHostKey then restoreHostKey brings the pinned one back). */
  saveHostKey(index: number): void {
    const vm = this.vm(index);
    for (const file of ['host_ed25519', 'host_ed25519.pub']) fs.copyFileSync(path.join(vm.dir, file), path.join(vm.dir, `${file}.saved`));
  }

  async restoreHostKey(index: number): Promise<void> {
    const vm = this.vm(index);
    for (const file of ['host_ed25519', 'host_ed25519.pub']) fs.copyFileSync(path.join(vm.dir, `${file}.saved`), path.join(vm.dir, file));
    fs.chmodSync(path.join(vm.dir, 'host_ed25519'), 0o600);
    vm.hostKeyFingerprint = fingerprint(path.join(vm.dir, 'host_ed25519.pub'));
    await this.restartSshd(index);
  }

  /** Ends every session of the VM's user (the probe connection included), as a reboot would. */
  endSessions(index: number): void {
    sh('pkill -KILL -u "$1"; true', [this.vm(index).user]);
  }

  /** Lets the VM's login run any command with `sudo -n` (no password), as a cloud image's default user can. */
  allowSudo(index: number): void {
    const user = this.vm(index).user;
    if (this.sudoUsers.has(user)) return;
    this.sudoUsers.add(user);
    const rules = [...this.sudoUsers].map((name) => `${name} ALL=(root) NOPASSWD: ALL\n`).join('');
    // Written aside and renamed: a sudo starting meanwhile reads the old rules or the new, never half a file.
    fs.writeFileSync(`${FLEET_SUDOERS}.new`, rules, { mode: 0o440 });
    fs.renameSync(`${FLEET_SUDOERS}.new`, FLEET_SUDOERS);
  }

  /** A file on the VM, under one of its private directories (PRIVATE_DIRS). */
  writeFile(index: number, file: string, content: string | Buffer): void {
    if (!PRIVATE_DIRS.some((dir) => file.startsWith(dir + '/'))) throw new Error(`${file} is not in a VM's private directories`);
    const target = path.join(this.vm(index).dir, 'root', file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target + '.tmp', content);
    fs.renameSync(target + '.tmp', target);
  }

  removeFile(index: number, file: string): void {
    fs.rmSync(path.join(this.vm(index).dir, 'root', file), { force: true, recursive: true });
  }

  /**
   * A unit as systemd would show it: running (its cgroup lists a process; systemd removes the cgroup
   * when the unit stops) and, given an environment, its unit file with that Environment= line and,
   * while it runs, a process with that environment (a STAND-IN shared by the VMs, see unitProcess).
   */
  unit(index: number, name: string, state: { active: boolean; environment?: string }): void {
    if (state.active)
      this.writeFile(index, `${unitCgroup(name)}/cgroup.procs`, `${state.environment !== undefined ? this.unitProcess(state.environment) : 1}\n`);
    else this.removeFile(index, unitCgroup(name));
    if (state.environment !== undefined)
      this.writeFile(index, `/etc/systemd/system/${name}.service`, `[Service]\n${state.environment ? `Environment=${state.environment}\n` : ''}`);
  }

  /**
   * A host process whose environment is `environment` (Environment= syntax: NAME=value words), started
   * once and shared: a `sleep`, named under STATE_ROOT so that Fleet.down ends one a crashed run left.
   */
  private unitProcess(environment: string): number {
    let child = this.unitProcesses.get(environment);
    if (!child) {
      const variables = Object.fromEntries(
        environment
          .split(/\s+/)
          .filter(Boolean)
          .map((word) => [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)]),
      );
      child = spawn('sleep', ['infinity'], { argv0: path.join(STATE_ROOT, 'unit-process'), env: { PATH: process.env.PATH, ...variables }, stdio: 'ignore' });
      this.unitProcesses.set(environment, child);
    }
    return child.pid!;
  }

  /** Opens a stand-in service on the VM's localhost with these bodies by path, or closes it (null). */
  service(index: number, port: number, bodies: Record<string, string> | null): void {
    const dir = path.join(this.vm(index).dir, 'http', String(port));
    if (bodies === null) {
      fs.rmSync(dir, { recursive: true, force: true });
      return;
    }
    fs.mkdirSync(dir, { recursive: true });
    for (const [urlPath, body] of Object.entries(bodies)) {
      const file = path.join(dir, urlPath.replace(/\//g, '_').replace(/\./g, '-'));
      fs.writeFileSync(file + '.tmp', body);
      fs.renameSync(file + '.tmp', file);
    }
  }

  /** Makes a stand-in service answer garbage (a broken exporter), or stop doing so. */
  garbage(index: number, port: number, on: boolean): void {
    const file = path.join(this.vm(index).dir, 'http', String(port), 'garbage');
    if (on) fs.writeFileSync(file, '');
    else fs.rmSync(file, { force: true });
  }

  private startPrometheus(index: number): void {
    const vm = this.vm(index);
    const config = path.join(vm.dir, 'prometheus.yml');
    fs.writeFileSync(
      config,
      `global: { scrape_interval: ${this.options.scrapeSeconds}s, evaluation_interval: ${this.options.scrapeSeconds}s }\n` +
        `scrape_configs:\n  - job_name: ebpf\n    static_configs: [{ targets: ['127.0.0.1:${VM_PORTS.exporter}'] }]\n`,
    );
    const child = spawn(
      'ip',
      [
        'netns',
        'exec',
        vm.name,
        'prometheus',
        `--config.file=${config}`,
        `--storage.tsdb.path=${path.join(vm.dir, 'prometheus-data')}`,
        `--web.listen-address=127.0.0.1:${VM_PORTS.prometheus}`,
        '--log.level=error',
      ],
      { stdio: 'ignore' },
    );
    this.prometheus.set(index, child);
  }
}

/**
 * One try: sshd's banner arrives (a bare connect-and-close would cost a penalty in newer sshd; a busy machine may
 * take seconds to accept: that is a retry, not a failure).
 */
function sshAnswers(host: string): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = net.connect({ host, port: 22 });
    socket.setTimeout(3000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('connect', () =>
      socket.once('data', () => {
        socket.destroy();
        resolve(true);
      }),
    );
    socket.once('error', () => resolve(false));
  });
}

// CLI
if (require.main === module) {
  const [command, size] = process.argv.slice(2);
  if (command === 'down') {
    Fleet.down();
    console.log('fleet torn down');
  } else if (command === 'up') {
    void Fleet.up({ size: Number(size ?? 20), realPrometheusEvery: 10 }).then((fleet) => {
      console.log(`${fleet.vms.length} VMs up: ${fleet.vms[0].address} … ${fleet.vms.at(-1)!.address}, users ${USER_PREFIX}0…; Ctrl-C tears them down`);
      const stop = () => void fleet.stop().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
  } else {
    console.error('usage: fleet.ts up [N] | down');
    process.exit(2);
  }
}
