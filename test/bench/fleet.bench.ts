/**
 * Fleet benchmark: N simulated VMs (test/fleet: a network namespace, a real sshd and a user each; a
 * real Prometheus on every 50th), every VM through the whole default workshop so every check runs and
 * passes. Navigator's persistent connections against parallel-ssh and Ansible ad-hoc running the same
 * ssh checks plus the same HTTP requests by curl, in the same run; then 50 ms of round trip in front
 * of every sshd; then every sshd restarted at once. Prints a table; writes bench-results/fleet.json.
 *
 *   BENCH_FLEET_SIZES=50,100,300 BENCH_SWEEPS=5 npx tsx --tsconfig test/tsconfig.json test/bench/fleet.bench.ts
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { englishReason } from '../../server/src/contract/i18n/english';
import { runChecks } from '../../server/src/probes/check-runner';
import { buildSshBatch, planSshChecks, readSshBatch, shellQuote } from '../../server/src/probes/ssh-script';
import { SshKeyStore } from '../../server/src/ssh/ssh.keys';
import { SshPool } from '../../server/src/ssh/ssh.pool';
import { Semaphore } from '../../server/src/ssh/semaphore';
import type { RequestOptions, VmChannel } from '../../server/src/ssh/ssh.types';
import { loadWorkshopFile } from '../../server/src/workshops/workshop.loader';
import { isSshCheck } from '../../server/src/workshops/workshop.schema';
import { Fleet } from '../fleet/fleet';
import { BoardWatcher, registerFleet } from '../fleet/room';
import { ServerProcess } from '../support/server-process';
import { freePort } from '../support/sshd';
import { SimulatedVm, STEPS } from '../fleet/scenario';

const REPO_ROOT = path.resolve(__dirname, '../..');
const SIZES = (process.env.BENCH_FLEET_SIZES ?? '50,100,300').split(',').map(Number);
const SWEEPS = Number(process.env.BENCH_SWEEPS ?? 5);
const PEER_SWEEPS = Number(process.env.BENCH_PEER_SWEEPS ?? 2);
/** BENCH_PEERS=0 measures Navigator only (no parallel-ssh, Ansible or 50 ms RTT runs). */
const PEERS = process.env.BENCH_PEERS !== '0';
/** As the server probes: at most this many VMs at once (NAVIGATOR_PROBE_CONCURRENCY's default). */
const CONCURRENCY = 64;
let probeErrors = 0;

/** One sweep as the server runs it: every VM, bounded concurrency; a probe that fails is counted, not fatal. */
function sweepAll(pool: SshPool, fleet: Fleet, run: (channel: VmChannel) => Promise<unknown>): Promise<unknown[]> {
  const slots = new Semaphore(CONCURRENCY);
  return Promise.all(
    fleet.vms.map((vm) =>
      slots.run(async () => {
        const channel = pool.get(`vm${vm.index}`);
        if (!channel) return probeErrors++;
        return run(channel).catch(() => probeErrors++);
      }),
    ),
  );
}

/** CPU time the whole machine spent, all cores, in ms (from /proc/stat: user, nice, system, irq, softirq; 10 ms ticks). */
function machineCpuMs(): number {
  const [, user, nice, system, , , irq, softirq] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  return (user + nice + system + irq + softirq) * 10;
}

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)];
const cpuMs = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000;

/** CPU seconds of this process's finished children (`times` in a shell around the peer). */
function timedShell(command: string, input?: string): { wall: number; childCpu: number; stdout: string } {
  const started = performance.now();
  const run = spawnSync('bash', ['-c', `${command} >/dev/null 2>&1; times`], { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const childLine = run.stdout.trim().split('\n').pop() ?? '';
  const childCpu = childLine.split(' ').reduce((sum, t) => {
    const m = /(\d+)m([\d.]+)s/.exec(t);
    return sum + (m ? Number(m[1]) * 60 + Number(m[2]) : 0);
  }, 0);
  return { wall: (performance.now() - started) / 1000, childCpu, stdout: run.stdout };
}

/** Delaying proxies (25 ms each way) in their own process, so their CPU is not counted as Navigator's. */
function startDelayProxies(targets: string[]): Promise<{ ports: number[]; child: ChildProcess }> {
  const script = `
    const { DelayProxy } = require(${JSON.stringify(path.join(__dirname, '../fleet/delay-proxy.ts'))});
    (async () => {
      const ports = [];
      for (const host of ${JSON.stringify(targets)}) { const p = new DelayProxy({ host, port: 22 }); p.delayMs = 25; ports.push(await p.listen('198.18.0.1')); }
      process.stdout.write(JSON.stringify(ports) + '\\n');
      process.stdin.on('end', () => process.exit(0)).resume();
    })();`;
  const child = spawn('npx', ['tsx', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'], cwd: REPO_ROOT });
  return new Promise((resolve) => child.stdout!.once('data', (d: Buffer) => resolve({ ports: JSON.parse(d.toString()) as number[], child })));
}

async function connectAll(pool: SshPool, fleet: Fleet, via: (i: number) => { host: string; port: number }): Promise<void> {
  fleet.vms.forEach((vm) => pool.ensure({ id: `vm${vm.index}`, ...via(vm.index), user: vm.user, pinnedFingerprint: vm.hostKeyFingerprint }));
  const deadline = Date.now() + 120_000;
  while (fleet.vms.some((vm) => !pool.get(`vm${vm.index}`))) {
    if (Date.now() > deadline) throw new Error('not every VM connected within 120 s');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function benchSize(size: number): Promise<Record<string, unknown>> {
  const workshop = loadWorkshopFile(path.join(REPO_ROOT, 'checks/ebpf-php.yaml')).definition;
  const checks = workshop.steps.flatMap((s) => s.checks);
  const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'navt-fleet-bench-'));
  const keys = SshKeyStore.open(keyDir);
  const fleet = await Fleet.up({ size, realPrometheusEvery: 50 });
  try {
    fleet.authorize(keys.publicKeyLine);
    fleet.vms.forEach((vm) => new SimulatedVm(fleet, vm.index).apply(STEPS.length));
    await new Promise((r) => setTimeout(r, 3000)); // real Prometheus instances: a few scrapes

    // ── Navigator: one persistent connection per VM, every check of the workshop each sweep.
    const pool = new SshPool({ privateKey: keys.privateKey, maxHandshakesInFlight: 16 });
    await connectAll(pool, fleet, (i) => ({ host: fleet.vm(i).address, port: 22 }));
    const sweep = () => sweepAll(pool, fleet, (channel) => runChecks(channel, workshop, checks));
    const first = (await sweep()) as Awaited<ReturnType<typeof runChecks>>[];
    const failing = first.flatMap((results, i) =>
      (Array.isArray(results) ? results : []).filter((r) => r.status !== 'pass').map((r) => `vm${i}:${r.checkId}:${r.reason}`),
    );
    if (failing.length > 0) console.log(`  note: not passing on the first sweep: ${failing.slice(0, 5).join(', ')}${failing.length > 5 ? ' …' : ''}`);
    const requests: { port: number; path: string; options: RequestOptions }[] = [];
    const channel = pool.get('vm1')!;
    const recording: VmChannel = {
      runInShell: (i, m, t, s) => channel.runInShell(i, m, t, s),
      request: (port, urlPath, options) => {
        requests.push({ port, path: urlPath, options });
        return channel.request(port, urlPath, options);
      },
    };
    await runChecks(recording, workshop, checks);
    const wall: number[] = [];
    probeErrors = 0;
    const cpuBefore = process.cpuUsage();
    for (let s = 0; s < SWEEPS; s++) {
      const started = performance.now();
      await sweep();
      wall.push((performance.now() - started) / 1000);
    }
    const navigator = {
      p50: percentile(wall, 50),
      p99: percentile(wall, 99),
      cpuMsPerVm: cpuMs(process.cpuUsage(cpuBefore)) / (size * SWEEPS),
      rssMb: process.memoryUsage().rss / 2 ** 20,
    };

    // ── Every sshd restarted at once: time until every VM is connected again, and the failed handshakes on the way.
    // Every connection drops once (that is the restart); what counts is the handshakes that fail after it.
    let failedHandshakes = 0;
    const off = pool.onStateChange(
      (change) => change.state === 'unreachable' && !/connection dropped/.test(englishReason(change.message) ?? '') && failedHandshakes++,
    );
    const restartStarted = performance.now();
    fleet.killAllSshd();
    fleet.vms.forEach((vm) => fleet.startSshd(vm.index));
    await new Promise((r) => setTimeout(r, 200));
    while (fleet.vms.some((vm) => !pool.get(`vm${vm.index}`))) await new Promise((r) => setTimeout(r, 50));
    const massRestart = { allBackSeconds: (performance.now() - restartStarted) / 1000, failedHandshakes };
    off();
    await pool.closeAll();

    if (!PEERS) return { size, checks: checks.length, navigator, massRestart };

    // ── The peers: the ssh checks and curl for the same HTTP requests, as one script per VM.
    const curl = requests.map((r, i) => ({
      id: `http${i}`,
      run: `curl -sf -m 10 -X ${r.options.method ?? 'GET'} ${Object.entries(r.options.headers ?? {})
        .map(([k, v]) => `-H ${shellQuote(`${k}: ${v}`)}`)
        .join(' ')} ${r.options.body ? `--data-binary ${shellQuote(r.options.body)}` : ''} ${shellQuote(`http://127.0.0.1:${r.port}${r.path}`)}`,
      timeoutSeconds: workshop.probe.checkTimeoutSeconds,
    }));
    const batch = buildSshBatch([...planSshChecks(checks.filter(isSshCheck), workshop.probe.checkTimeoutSeconds), ...curl]);
    const scriptFile = path.join(keyDir, 'checks.sh');
    fs.writeFileSync(scriptFile, batch.script);
    const identity = path.join(keyDir, 'navigator_ed25519');
    const sshOptions = ['StrictHostKeyChecking=no', 'UserKnownHostsFile=/dev/null', `IdentityFile=${identity}`, 'LogLevel=ERROR'];
    const forks = Math.min(size, 100);

    const hosts = path.join(keyDir, 'hosts');
    fs.writeFileSync(hosts, fleet.vms.map((vm) => `${vm.user}@${vm.address}`).join('\n') + '\n');
    const pssh = [];
    for (let s = 0; s < PEER_SWEEPS; s++) {
      fs.rmSync(path.join(keyDir, 'out'), { recursive: true, force: true });
      pssh.push(
        timedShell(`parallel-ssh -h ${hosts} -p ${forks} -t 60 -I -o ${keyDir}/out ${sshOptions.map((o) => `-O ${o}`).join(' ')} 'sh -s'`, batch.script),
      );
      const outputs = fs.readdirSync(path.join(keyDir, 'out'));
      const sample = readSshBatch(batch, { stdout: fs.readFileSync(path.join(keyDir, 'out', outputs[0]), 'utf8'), timedOut: false, closed: false });
      if (outputs.length !== size || sample.results.length !== batch.checks.length) throw new Error(`parallel-ssh: ${outputs.length}/${size} outputs`);
    }

    // Ansible ad-hoc as its docs recommend for speed: pipelining, ControlPersist, forks, no fact gathering, linear strategy.
    const inventory = path.join(keyDir, 'inventory.ini');
    fs.writeFileSync(inventory, fleet.vms.map((vm) => `vm${vm.index} ansible_host=${vm.address} ansible_user=${vm.user}`).join('\n') + '\n');
    fs.writeFileSync(
      path.join(keyDir, 'ansible.cfg'),
      `[defaults]\nhost_key_checking = False\nforks = ${forks}\ngathering = explicit\ninterpreter_python = auto_silent\n` +
        `[ssh_connection]\npipelining = True\nssh_args = -o ControlMaster=auto -o ControlPersist=60s -o ${sshOptions.join(' -o ')}\ncontrol_path_dir = ${keyDir}/cp\n`,
    );
    const ansible = [];
    for (let s = 0; s < PEER_SWEEPS + 1; s++) {
      // The first run opens the ControlPersist masters; it is not counted.
      const run = timedShell(`cd ${keyDir} && ANSIBLE_CONFIG=${keyDir}/ansible.cfg ansible all -i ${inventory} -m script -a ${scriptFile} -o`);
      if (s > 0) ansible.push(run);
    }

    // ── 50 ms of round trip in front of every sshd (userspace proxies: this kernel has no netem).
    const proxies = await startDelayProxies(fleet.vms.map((vm) => vm.address));
    const slowPool = new SshPool({ privateKey: keys.privateKey, maxHandshakesInFlight: 16 });
    await connectAll(slowPool, fleet, (i) => ({ host: '198.18.0.1', port: proxies.ports[i] }));
    const slowWall: number[] = [];
    probeErrors = 0;
    for (let s = 0; s < SWEEPS; s++) {
      const started = performance.now();
      await sweepAll(slowPool, fleet, (channel) => runChecks(channel, workshop, checks));
      slowWall.push((performance.now() - started) / 1000);
    }
    const slowProbeErrors = probeErrors;
    await slowPool.closeAll();
    fs.writeFileSync(hosts, fleet.vms.map((vm, i) => `${vm.user}@198.18.0.1:${proxies.ports[i]}`).join('\n') + '\n');
    const slowPssh = timedShell(`parallel-ssh -h ${hosts} -p ${forks} -t 60 -I ${sshOptions.map((o) => `-O ${o}`).join(' ')} 'sh -s'`, batch.script);
    proxies.child.stdin!.end();

    const per = (runs: { wall: number; childCpu: number }[]) => ({
      p50: percentile(
        runs.map((r) => r.wall),
        50,
      ),
      clientCpuMsPerVm: (runs.reduce((s, r) => s + r.childCpu, 0) / (runs.length * size)) * 1000,
    });
    return {
      size,
      checks: checks.length,
      navigator,
      massRestart,
      parallelSsh: per(pssh),
      ansible: per(ansible),
      rtt50ms: { navigatorP50: percentile(slowWall, 50), navigatorP99: percentile(slowWall, 99), parallelSsh: slowPssh.wall, probeErrors: slowProbeErrors },
    };
  } finally {
    await fleet.stop();
  }
}

/**
 * The real server (dist/, its own process) watching the fleet with N navigator boards connected:
 * VM state change → board update latency, as a socket.io client sees it, and the server's RSS.
 */
async function benchServer(size: number, changes: number, watch: boolean): Promise<Record<string, number | string>> {
  const fleet = await Fleet.up({ size });
  const server = new ServerProcess({
    NAVIGATOR_PORT: String(await freePort()),
    NAVIGATOR_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-fleet-bench-')),
    NAVIGATOR_WORKSHOP_FILE: path.join(REPO_ROOT, 'checks/ebpf-php.yaml'),
    // The VM-side watch of the current step's builtin checks (issue 21), or the sweep alone.
    NAVIGATOR_WATCH_TICK_MS: watch ? '1000' : '0',
  });
  const boards: BoardWatcher[] = [];
  try {
    // Four steps done, the exporter step current: its checks run every sweep, as the current step's do.
    const vms = fleet.vms.map((vm) => new SimulatedVm(fleet, vm.index));
    vms.forEach((vm) => vm.apply(STEPS.indexOf('exporter')));
    await server.start();
    const { navigatorToken, joinPath } = server.links();
    const room = await registerFleet(server.url, joinPath, fleet);
    for (let i = 0; i < size; i++) boards.push(new BoardWatcher(server.url, navigatorToken));
    const watcher = boards[0];
    for (const vm of room) await watcher.until(vm.attendeeId, `VM ${vm.index} at the exporter step`, (v) => v.progress.currentStepId === 'exporter', 120_000);
    const latencies: number[] = [];
    const order = [...room].sort(() => Math.random() - 0.5).slice(0, changes);
    // CPU over the minute of changes: the server's own, and the machine's (less the server's and this process's) for
    // what the VMs spent (their sshd and shells, and the stand-in services, which do the same work either way).
    const machineBefore = machineCpuMs();
    const serverBefore = server.cpuMs();
    const benchBefore = process.cpuUsage();
    const phaseStarted = performance.now();
    await Promise.all(
      order.map(async (vm, k) => {
        await new Promise((r) => setTimeout(r, (k * 60_000) / changes)); // spread over a minute, at random points of the sweeps
        const madeAt = Date.now();
        vms[vm.index].apply(STEPS.indexOf('exporter') + 1);
        await watcher.until(vm.attendeeId, `VM ${vm.index}: exporter done on the board`, (v) => v.progress.steps.exporter === 'done', 60_000);
        latencies.push(Date.now() - madeAt);
      }),
    );
    const seconds = (performance.now() - phaseStarted) / 1000;
    const serverMs = server.cpuMs() - serverBefore;
    const benchMs = cpuMs(process.cpuUsage(benchBefore));
    return {
      size,
      boards: boards.length,
      changes,
      watch: watch ? 'on' : 'off',
      latencyP50Ms: percentile(latencies, 50),
      latencyP99Ms: percentile(latencies, 99),
      latenciesOver2s: latencies
        .filter((ms) => ms > 2000)
        .sort((a, b) => a - b)
        .join(' '),
      serverRssMb: server.rssMb(),
      serverCpuMsPerVmSecond: serverMs / size / seconds,
      othersCpuMsPerVmSecond: (machineCpuMs() - machineBefore - serverMs - benchMs) / size / seconds,
    };
  } finally {
    boards.forEach((board) => board.close());
    await server.kill();
    await fleet.stop();
  }
}

async function main(): Promise<void> {
  const server = [];
  if (process.env.BENCH_SERVER !== '0') {
    // BENCH_WATCH=on|off: one of the two; by default both, side by side.
    const modes = process.env.BENCH_WATCH ? [process.env.BENCH_WATCH === 'on'] : [true, false];
    for (const size of SIZES)
      for (const watch of modes) {
        console.log(`server watching ${size} VMs with ${size} boards connected, the VM-side watch ${watch ? 'on' : 'off'}…`);
        server.push(await benchServer(size, Math.min(size, 60), watch));
        console.log(JSON.stringify(server.at(-1)));
      }
  }
  const results = [];
  // BENCH_SWEEPS_PART=0: the server part only.
  for (const size of process.env.BENCH_SWEEPS_PART === '0' ? [] : SIZES) {
    console.log(`fleet of ${size}…`);
    results.push(await benchSize(size));
    console.log(JSON.stringify(results.at(-1)));
  }
  const f = (n: number, d = 2) => n.toFixed(d);
  console.log(
    '\n| VMs | Navigator sweep p50 / p99 | Navigator CPU / VM / sweep | RSS | parallel-ssh | Ansible | vs pssh | vs Ansible | 50 ms RTT: Navigator p50 / pssh | all sshd restarted: back in |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of results as {
    size: number;
    navigator: { p50: number; p99: number; cpuMsPerVm: number; rssMb: number };
    parallelSsh: { p50: number; clientCpuMsPerVm: number };
    ansible: { p50: number; clientCpuMsPerVm: number };
    rtt50ms: { navigatorP50: number; parallelSsh: number };
    massRestart: { allBackSeconds: number; failedHandshakes: number };
  }[]) {
    if (!r.parallelSsh) continue; // BENCH_PEERS=0: the JSON line above has it all
    console.log(
      `| ${r.size} | ${f(r.navigator.p50)} s / ${f(r.navigator.p99)} s | ${f(r.navigator.cpuMsPerVm)} ms | ${f(r.navigator.rssMb, 0)} MB | ${f(r.parallelSsh.p50)} s (${f(r.parallelSsh.clientCpuMsPerVm, 0)} ms CPU/VM) | ${f(r.ansible.p50)} s (${f(r.ansible.clientCpuMsPerVm, 0)} ms CPU/VM) | ${f(r.parallelSsh.p50 / r.navigator.p50, 1)}× | ${f(r.ansible.p50 / r.navigator.p50, 1)}× | ${f(r.rtt50ms.navigatorP50)} s / ${f(r.rtt50ms.parallelSsh)} s (${f(r.rtt50ms.parallelSsh / r.rtt50ms.navigatorP50, 1)}×) | ${f(r.massRestart.allBackSeconds, 1)} s, ${r.massRestart.failedHandshakes} failed handshakes on the way |`,
    );
  }
  fs.mkdirSync(path.join(REPO_ROOT, 'bench-results'), { recursive: true });
  fs.writeFileSync(path.join(REPO_ROOT, 'bench-results/fleet.json'), JSON.stringify({ server, fleet: results }, null, 2));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    Fleet.down();
    process.exit(1);
  },
);
