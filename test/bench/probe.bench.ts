/**
 * Probe benchmark: the default workshop's own checks (checks/ebpf-php.yaml) on N simulated VMs, each
 * a login with its own home on a real OpenSSH sshd, run by Navigator's persistent connections and,
 * in the same run, by parallel-ssh (Debian pssh) on the same VMs. Prints a table; writes JSON.
 *
 *   BENCH_VMS=50 BENCH_SWEEPS=10 [BENCH_WORKSHOP=file.yaml] npm run bench
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildSshBatch, planSshChecks, readSshBatch, shellQuote, type PlannedSshCheck } from '../../server/src/probes/ssh-script';
import type { RequestOptions, VmChannel } from '../../server/src/ssh/ssh.types';
import { isSshCheck, type WorkshopDefinition } from '../../server/src/workshops/workshop.schema';
import { startPrometheus } from '../support/prometheus';
import { runChecks } from '../../server/src/probes/check-runner';
import { dueChecks } from '../../server/src/probes/probe-plan';
import { stepProgress } from '../../server/src/progress/step-progress';
import { SshKeyStore } from '../../server/src/ssh/ssh.keys';
import { SshPool } from '../../server/src/ssh/ssh.pool';
import { loadWorkshopFile } from '../../server/src/workshops/workshop.loader';
import { createTestUser, freePort, removeStaleTestUsers, startSshd, type TestUser } from '../support/sshd';

const REPO_ROOT = path.resolve(__dirname, '../..');
const N = Number(process.env.BENCH_VMS ?? 50);
const SWEEPS = Number(process.env.BENCH_SWEEPS ?? 10);
const BENCH_SUDOERS = '/etc/sudoers.d/navt-bench';
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

/** CPU seconds used by a process tree so far, including reaped children (utime+stime+cutime+cstime). */
function treeCpuSeconds(rootPid: number): number {
  const children = new Map<number, number[]>();
  const ticks = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(fields[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
      ticks.set(Number(entry), Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]));
    } catch {
      // the process ended while we looked
    }
  }
  let total = 0;
  const stack = [rootPid];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    total += ticks.get(pid) ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return total / CLOCK_TICKS;
}

/** Processes started on this machine since boot (every fork, from /proc/stat). */
function processesSoFar(): number {
  return Number(/^processes (\d+)$/m.exec(fs.readFileSync('/proc/stat', 'utf8'))![1]);
}

/** Processes this machine starts per millisecond with the benchmark idle: what a sweep's count is corrected by. */
async function idleProcessRate(ms = 3000): Promise<number> {
  const before = processesSoFar();
  const started = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  return (processesSoFar() - before) / (performance.now() - started);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * What answers on the VMs' localhost, shared by all the simulated VMs of one sshd: the real PHP
 * sample under `php -S`, a real Prometheus, and the stand-ins for ebpf_exporter and Grafana, each in
 * a process of its own so that none of their CPU is counted as Navigator's.
 */
async function startVmServices(): Promise<{ ports: Record<number, number>; prometheusPort: number; grafanaPort: number; stop: () => Promise<void> }> {
  const phpPort = await freePort();
  const php = spawn('/usr/bin/php8.2', ['-S', `127.0.0.1:${phpPort}`, '-t', path.join(REPO_ROOT, 'php-sample/public')], { stdio: 'ignore' });
  const exporterPort = await freePort();
  const prometheus = await startPrometheus({ ebpf: [`127.0.0.1:${exporterPort}`] });
  const standIns = spawn(
    'npx',
    [
      'tsx',
      path.join(REPO_ROOT, 'test/support/standins/serve.ts'),
      prometheus.url,
      path.join(REPO_ROOT, 'bpf/grafana/dashboards/php-ebpf.json'),
      String(exporterPort),
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const { grafanaPort } = await new Promise<{ grafanaPort: number }>((resolve) =>
    standIns.stdout!.once('data', (line: Buffer) => resolve(JSON.parse(line.toString()) as { grafanaPort: number })),
  );
  // Request rates need two scrapes of a growing counter.
  for (let i = 0; i < 100; i++) {
    const rate = await prometheus.query('sum(rate(ebpf_exporter_php_requests_total[1m])) > 0');
    if (rate.data.result.length > 0) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    ports: { 8000: phpPort, 9435: exporterPort, 9090: prometheus.port, 3000: grafanaPort },
    prometheusPort: prometheus.port,
    grafanaPort,
    stop: async () => {
      php.kill();
      standIns.kill();
      await prometheus.stop();
    },
  };
}

/** The default workshop with its localhost ports moved to where this machine's services listen. */
function onPorts(workshop: WorkshopDefinition, services: Awaited<ReturnType<typeof startVmServices>>): WorkshopDefinition {
  return {
    ...workshop,
    prometheus: { ...workshop.prometheus, port: services.prometheusPort },
    grafana: { ...workshop.grafana, port: services.grafanaPort },
    steps: workshop.steps.map((step) => ({
      ...step,
      checks: step.checks.map((check) =>
        check.kind === 'http' ? { ...check, http: { ...check.http, port: services.ports[check.http.port] ?? check.http.port } } : check,
      ),
    })),
  };
}

/** Records the HTTP requests a check run makes, so parallel-ssh can make the same ones with curl. */
function recording(channel: VmChannel, requests: { port: number; path: string; options: RequestOptions }[]): VmChannel {
  return {
    runInShell: (input, marker, timeoutMs, setup) => channel.runInShell(input, marker, timeoutMs, setup),
    request: (port, urlPath, options) => {
      requests.push({ port, path: urlPath, options });
      return channel.request(port, urlPath, options);
    },
  };
}

/** The same requests as curl commands run on the VM, as checks of the same batch (each gets a frame). */
function curlChecks(requests: { port: number; path: string; options: RequestOptions }[], timeoutSeconds: number): PlannedSshCheck[] {
  return requests.map((request, i) => {
    const headers = Object.entries(request.options.headers ?? {}).map(([k, v]) => `-H ${shellQuote(`${k}: ${v}`)}`);
    const body = request.options.body ? `--data-binary ${shellQuote(request.options.body)}` : '';
    const url = shellQuote(`http://127.0.0.1:${request.port}${request.path}`);
    return { id: `http${i}`, run: `curl -sf -m 10 -X ${request.options.method ?? 'GET'} ${headers.join(' ')} ${body} ${url}`, timeoutSeconds };
  });
}

async function main(): Promise<void> {
  removeStaleTestUsers();
  const services = await startVmServices();
  // BENCH_WORKSHOP: another workshop file, e.g. an older tree's, to compare two engines on the same checks.
  const workshop = onPorts(loadWorkshopFile(process.env.BENCH_WORKSHOP ?? path.join(REPO_ROOT, 'checks/ebpf-php.yaml')).definition, services);
  const checks = workshop.steps.flatMap((s) => s.checks);
  const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'navt-bench-keys-'));
  const keys = SshKeyStore.open(keyDir);
  // Stock MaxSessions; MaxStartups raised only so parallel-ssh's N simultaneous handshakes are not dropped.
  const sshd = await startSshd({ maxStartups: `${N + 10}:30:${N + 20}` });
  const sshdPid = Number(fs.readFileSync(path.join(sshd.dir, 'sshd.pid'), 'utf8'));
  const users: TestUser[] = [];
  for (let i = 0; i < N; i++) {
    const user = createTestUser(`navtb${i}`);
    sshd.setAuthorizedKeys(user.name, [keys.publicKeyLine]);
    users.push(user);
  }
  // php-dtrace-enabled runs with sudo (it reads the running PHP's environment): the logins may use sudo without a
  // password, as a cloud image's default user does, so its cost on the VM is measured with the rest.
  fs.writeFileSync(BENCH_SUDOERS, users.map((user) => `${user.name} ALL=(root) NOPASSWD: ALL\n`).join(''), { mode: 0o440 });
  try {
    // ── Navigator: one persistent connection per VM, warm.
    const pool = new SshPool({ privateKey: keys.privateKey, maxHandshakesInFlight: 16 });
    users.forEach((user, i) => pool.ensure({ id: `vm${i}`, host: '127.0.0.1', port: sshd.port, user: user.name, pinnedFingerprint: sshd.hostKeyFingerprint }));
    while (users.some((_, i) => !pool.get(`vm${i}`))) await new Promise((r) => setTimeout(r, 20));

    const fullSweep = () => Promise.all(users.map((_, i) => runChecks(pool.get(`vm${i}`)!, workshop, checks)));
    const first = await fullSweep(); // warm-up, and where each VM stands
    if (process.env.BENCH_DEBUG) console.log(JSON.stringify(first[0]));
    const requests: { port: number; path: string; options: RequestOptions }[] = [];
    const firstResults = await runChecks(recording(pool.get('vm0')!, requests), workshop, checks);
    const unreal = firstResults.filter((r) => r.status === 'error');
    if (unreal.length > 0) throw new Error(`checks that could not be evaluated: ${JSON.stringify(unreal)}`);

    // Navigator starts no process while it probes, nor do the VMs' services: what a sweep adds to the machine's
    // count, beyond the idle rate, is what the VMs started (issue 21 counts it: a small VM pays for each one).
    const idleRate = await idleProcessRate();
    const measure = async (sweep: (index: number) => Promise<unknown>) => {
      const wall: number[] = [];
      const cpuBefore = process.cpuUsage();
      const vmBefore = treeCpuSeconds(sshdPid);
      const processesBefore = processesSoFar();
      const measureStarted = performance.now();
      for (let s = 0; s < SWEEPS; s++) {
        const started = performance.now();
        await sweep(s);
        wall.push((performance.now() - started) / 1000);
      }
      const cpu = process.cpuUsage(cpuBefore);
      const processes = processesSoFar() - processesBefore - idleRate * (performance.now() - measureStarted);
      return {
        vmProcessesPerVm: Math.max(0, processes) / (N * SWEEPS),
        p50: percentile(wall, 50),
        p99: percentile(wall, 99),
        cpuMsPerVm: (cpu.user + cpu.system) / 1000 / (N * SWEEPS),
        cpuSystemMsPerVm: cpu.system / 1000 / (N * SWEEPS),
        vmCpuMsPerVm: ((treeCpuSeconds(sshdPid) - vmBefore) / (N * SWEEPS)) * 1000,
      };
    };
    // Phase boundaries on the CPU profile's clock, for `tsx --cpu-prof` runs.
    const mark = (phase: string) => process.env.BENCH_DEBUG && console.log(`phase ${phase} at ${process.hrtime.bigint() / 1000n} µs`);
    mark('full');
    const full = await measure(() => fullSweep());
    mark('full done');

    // Steady state: what the scheduler runs sweep after sweep once statuses are stable (5 s interval).
    const interval = workshop.probe.intervalSeconds * 1000;
    let clock = Date.now();
    const states = first.map((results) => {
      const known = new Map(results.map((r) => [r.checkId, { status: r.status, reason: r.reason, output: r.output, since: new Date(clock - 10 * 60_000) }]));
      const current = stepProgress(workshop, Object.fromEntries(results.map((r) => [r.checkId, r.status]))).currentStepId;
      return { known, current, lastRun: new Map(checks.map((c) => [c.id, clock])) };
    });
    let checksRun = 0;
    mark('steady');
    const steady = await measure(async () => {
      clock += interval;
      await Promise.all(
        users.map(async (_, i) => {
          const state = states[i];
          const due = dueChecks(workshop, state.current, state.known, state.lastRun, clock);
          checksRun += due.length;
          await runChecks(pool.get(`vm${i}`)!, workshop, due);
          for (const check of due) state.lastRun.set(check.id, clock);
        }),
      );
    });
    mark('steady done');
    await pool.closeAll();

    // ── parallel-ssh: the same ssh checks' script on the same VMs, configured for speed (-p N, no host key prompts).
    const sshChecks = planSshChecks(checks.filter(isSshCheck), workshop.probe.checkTimeoutSeconds);
    const script = buildSshBatch([...sshChecks, ...curlChecks(requests, workshop.probe.checkTimeoutSeconds)]);
    const hosts = path.join(keyDir, 'hosts');
    fs.writeFileSync(hosts, users.map((u) => `${u.name}@127.0.0.1:${sshd.port}`).join('\n') + '\n');
    const psshWall: number[] = [];
    let psshClientCpu = 0;
    const psshVmBefore = treeCpuSeconds(sshdPid);
    for (let s = 0; s < SWEEPS; s++) {
      const started = performance.now();
      const run = spawnSync(
        'bash',
        [
          '-c',
          `parallel-ssh -h ${hosts} -p ${N} -t 30 -I -o ${keyDir}/out -O StrictHostKeyChecking=no -O UserKnownHostsFile=/dev/null -O IdentityFile=${path.join(keyDir, 'navigator_ed25519')} -O LogLevel=ERROR 'sh -s' >/dev/null; times`,
        ],
        { input: script.script, encoding: 'utf8' },
      );
      psshWall.push((performance.now() - started) / 1000);
      // `times` prints the shell's own, then its children's user and system time: "0m1.234s 0m0.567s".
      const childLine = run.stdout.trim().split('\n').pop() ?? '';
      psshClientCpu += childLine.split(' ').reduce((sum, t) => {
        const m = /(\d+)m([\d.]+)s/.exec(t);
        return sum + (m ? Number(m[1]) * 60 + Number(m[2]) : 0);
      }, 0);
      const outputs = fs.readdirSync(path.join(keyDir, 'out'));
      if (outputs.length !== N) throw new Error(`parallel-ssh returned ${outputs.length} of ${N} outputs`);
      const psshOutput = fs.readFileSync(path.join(keyDir, 'out', outputs[0]), 'utf8');
      const parsed = readSshBatch(script, { stdout: psshOutput, timedOut: false, closed: false });
      if (parsed.results.length !== script.checks.length || parsed.results.some((r) => r.checkId.startsWith('http') && r.status !== 'pass'))
        throw new Error('parallel-ssh did not run the checks');
    }
    const psshVmCpu = (treeCpuSeconds(sshdPid) - psshVmBefore) / (N * SWEEPS);

    const result = {
      vms: N,
      sweeps: SWEEPS,
      checks: {
        total: checks.length,
        ssh: sshChecks.length,
        forwarded: checks.length - sshChecks.length,
        steadyPerVmPerSweep: checksRun / (N * SWEEPS),
      },
      navigator: full,
      navigatorSteady: steady,
      parallelSsh: {
        p50: percentile(psshWall, 50),
        p99: percentile(psshWall, 99),
        clientCpuMsPerVm: (psshClientCpu / (N * SWEEPS)) * 1000,
        vmCpuMsPerVm: psshVmCpu * 1000,
      },
    };
    const ratio = result.parallelSsh.p50 / full.p50;
    const f = (n: number, d = 1) => n.toFixed(d);
    console.log(
      `\nProbe benchmark: ${N} VMs, ${SWEEPS} sweeps, default workshop (${result.checks.ssh} ssh checks batched, ${result.checks.forwarded} forwarded checks)`,
    );
    console.log('| | sweep p50 | sweep p99 | client CPU / VM / sweep | VM-side CPU / VM / sweep | processes on the VM / sweep |');
    console.log('| --- | --- | --- | --- | --- | --- |');
    const row = (
      label: string,
      r: { p50: number; p99: number; cpuMsPerVm: number; cpuSystemMsPerVm: number; vmCpuMsPerVm: number; vmProcessesPerVm: number },
    ) =>
      console.log(
        `| ${label} | ${f(r.p50, 3)} s | ${f(r.p99, 3)} s | ${f(r.cpuMsPerVm, 2)} ms (${f(r.cpuSystemMsPerVm, 2)} in the kernel) | ${f(r.vmCpuMsPerVm)} ms | ${f(r.vmProcessesPerVm)} |`,
      );
    row(`Navigator, full sweep (all ${checks.length} checks)`, full);
    row(`Navigator, steady state (${f(result.checks.steadyPerVmPerSweep)} checks per VM per sweep)`, steady);
    console.log(
      `| parallel-ssh (ssh checks + the same HTTP requests by curl) | ${f(result.parallelSsh.p50, 3)} s | ${f(result.parallelSsh.p99, 3)} s | ${f(result.parallelSsh.clientCpuMsPerVm, 1)} ms | ${f(result.parallelSsh.vmCpuMsPerVm)} ms | – |`,
    );
    console.log(
      `(The machine started ${f(idleRate * 1000)} processes/s idle; that rate is taken off. parallel-ssh's count would include its own ssh clients.)`,
    );
    console.log(`Full sweep: ${f(ratio)}× faster than parallel-ssh, ${f(result.parallelSsh.clientCpuMsPerVm / full.cpuMsPerVm)}× less client CPU.`);
    console.log(
      `Steady state: ${f(result.parallelSsh.p50 / steady.p50)}× faster, ${f(result.parallelSsh.clientCpuMsPerVm / steady.cpuMsPerVm)}× less client CPU.`,
    );
    fs.mkdirSync(path.join(REPO_ROOT, 'bench-results'), { recursive: true });
    fs.writeFileSync(path.join(REPO_ROOT, 'bench-results/probe.json'), JSON.stringify({ ...result, ratio }, null, 2));
  } finally {
    fs.rmSync(BENCH_SUDOERS, { force: true });
    await services.stop();
    await sshd.stop();
    users.forEach((u) => u.remove());
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
