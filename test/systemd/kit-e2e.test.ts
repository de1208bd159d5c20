import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pickText, type LocalizedText } from '../../server/src/contract/i18n/locales';
import type { JoinInfo } from '../../server/src/contract/views';
import { BoardWatcher } from '../fleet/room';
import { KIT_ARTEFACTS, readKitLock, sha256Of } from '../kit/pinned-libbpf';
import { REPO_ROOT } from '../support/navigator';
import { ServerProcess } from '../support/server-process';
import { freePort } from '../support/sshd';
import { AptProxy, aptMirrorHosts } from './apt-proxy';
import { SystemdContainer } from './container';
import { buildExporterStandIn, buildGrafanaStandIn } from './standins';

/**
 * The kit end to end on a real systemd (#15, "A real end-to-end test"): a Debian 12 machine booted with
 * systemd-nspawn (test/systemd/container.ts) is an attendee's VM. A real Navigator (the built server) watches it over
 * SSH; the attendee runs the packages hint's command over SSH as `ubuntu` (the kit from Navigator's /kit/kit.tar.gz,
 * then `sudo ./bpf/setup.sh`): real apt (through a proxy to apt's own mirror: the container has no other way out),
 * Debian's PHP with its USDT probes, Prometheus, the systemd units, the detached BPF build (the SSH session is killed
 * while it runs; it finishes; setup run again resumes), then load.sh and trace.sh as the hints say, until Navigator's
 * board shows the attendee done with every step through Grafana's, judged by the real checks.
 *
 * STAND-INS, only for what cannot be downloaded here: ebpf_exporter's release binary and Grafana's .deb (built at test
 * time by test/systemd/standins.ts and pinned in this test's copy of the lock; bpf/kit.lock keeps its `-`). The
 * exporter stand-in attaches the kit's real objects to the real PHP and serves counts from the real maps. libbpf's
 * release is the real one (`navigator kit fetch`).
 *
 * Once for each SAPI, one after the other (a container each, a fresh Navigator and apt proxy each): `--sapi cli`
 * (php-sample under `php -S`), `--sapi fpm` (php-fpm's php-sample pool behind Apache on the same port) and
 * `--sapi apache` (mod_php); the choice given once, on the first run: setup run again without it must keep it.
 * Everything below runs for each.
 */
const RUNS = [
  { sapi: 'cli', machine: 'kit-e2e', subnet: 20, services: ['php-sample'], binary: '/usr/bin/php8.2' }, // 198.19.250.81 / .82
  { sapi: 'fpm', machine: 'kit-e2e-fpm', subnet: 21, services: ['php8.2-fpm', 'apache2'], binary: '/usr/sbin/php-fpm8.2' }, // .85 / .86
  { sapi: 'apache', machine: 'kit-e2e-apa', subnet: 22, services: ['apache2'], binary: '/usr/lib/apache2/modules/libphp8.2.so' }, // .89 / .90
] as const;
const STEPS = ['packages', 'php-app', 'build-bpf', 'bpftrace', 'exporter', 'prometheus', 'grafana'];
const missing = [
  process.getuid?.() !== 0 && 'root',
  process.arch !== 'x64' && 'x86_64 (the stand-ins are built for it)',
  !fs.existsSync('/usr/bin/systemd-nspawn') && 'systemd-nspawn (apt-get install systemd-container)',
  !fs.existsSync('/usr/sbin/debootstrap') && 'debootstrap',
  !fs.existsSync('/sys/kernel/btf/vmlinux') && 'kernel BTF',
  !fs.existsSync('/usr/lib/x86_64-linux-gnu/libbpf.a') && "Debian's static libbpf (libbpf-dev)",
  !fs.existsSync('/usr/bin/dpkg-deb') && 'dpkg-deb',
].filter(Boolean);

const setupScript = fs.readFileSync(path.join(REPO_ROOT, 'bpf/setup.sh'), 'utf8');
const versionOf = (name: string) => new RegExp(`^${name}=(\\S+)`, 'm').exec(setupScript)?.[1] ?? '';
const EXPORTER_ARTEFACT = `ebpf_exporter-${versionOf('EBPF_EXPORTER_VERSION')}.x86_64`;
const GRAFANA_VERSION = versionOf('GRAFANA_VERSION');
const GRAFANA_ARTEFACT = `grafana_${GRAFANA_VERSION}_amd64.deb`;

let work: string;
let container: SystemdContainer;
let proxy: AptProxy;
let navigator: ServerProcess;
let board: BoardWatcher;
let attendeeId: string;
let sshKey: string;
let kitCommand: string;
const sessions = new Set<ChildProcess>();

/** Text with a terminal's line ends made plain. */
const plain = (text: string) => text.replace(/\r\n/g, '\n');

/** The attendee's SSH session from the host, with a terminal as an attendee's has (`-tt`), running `command`. */
function attendeeSession(
  command: string,
  onOutput: (all: string) => void = () => {},
): { child: ChildProcess; ended: Promise<{ code: number | null; output: string }> } {
  const child = spawn(
    'ssh',
    [
      '-tt',
      '-i',
      sshKey,
      '-o',
      'BatchMode=yes',
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-o',
      'LogLevel=ERROR',
      `ubuntu@${container.address}`,
      command,
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  sessions.add(child);
  let output = '';
  const take = (chunk: Buffer) => {
    output += chunk.toString();
    onOutput(plain(output));
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  const ended = new Promise<{ code: number | null; output: string }>((resolve) =>
    child.once('exit', (code) => {
      sessions.delete(child);
      resolve({ code, output: plain(output) });
    }),
  );
  return { child, ended };
}

async function inContainer(script: string): Promise<string> {
  return container.must(['sh', '-c', script]);
}

/** Polls `probe` (a command in the container) until `test` holds for its output; the last output in the error. */
async function untilInContainer(what: string, script: string, test: (output: string) => boolean, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last: string;
  for (;;) {
    const result = await container.exec(['sh', '-c', script]);
    last = result.stdout + result.stderr;
    if (test(last)) return last;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms; last: ${last.slice(-1500)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The workshop and its kit, copied from this checkout's tracked files, with a lock pinning the stand-ins. */
function writeWorkshopCopy(root: string, pins: Record<string, string>): string {
  const files = execFileSync('git', ['ls-files', '-z', 'bpf', 'php-sample', 'checks/ebpf-php.yaml', 'checks/workshop.schema.json'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  })
    .split('\0')
    .filter(Boolean);
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.copyFileSync(path.join(REPO_ROOT, file), path.join(root, file));
    fs.chmodSync(path.join(root, file), fs.statSync(path.join(REPO_ROOT, file)).mode);
  }
  const lock = fs.readFileSync(path.join(REPO_ROOT, 'bpf/kit.lock'), 'utf8');
  let pinned = 0;
  const copied = lock
    .split('\n')
    .map((line) => {
      const [name, sha, ...urls] = line.split(/\s+/);
      if (!(name in pins)) return line;
      if (sha !== '-') throw new Error(`bpf/kit.lock pins ${name} already: this test's stand-in would not be the artefact setup installs`);
      pinned += 1;
      return [name, pins[name], ...urls].join(' ');
    })
    .join('\n');
  if (pinned !== Object.keys(pins).length)
    throw new Error(`bpf/kit.lock has no line for one of ${Object.keys(pins).join(', ')}: setup.sh's versions and the lock disagree`);
  fs.writeFileSync(
    path.join(root, 'bpf/kit.lock'),
    `# THIS TEST'S COPY: ${Object.keys(pins).join(' and ')} are STAND-INS built by test/systemd/standins.ts, pinned here only.\n${copied}`,
  );
  return path.join(root, 'checks/ebpf-php.yaml');
}

/** `npx navigator …` with the server's environment. */
function navigatorCommand(env: Record<string, string>, ...args: string[]): { code: number | null; output: string } {
  try {
    const output = execFileSync(process.execPath, ['bin/navigator.mjs', ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      encoding: 'utf8',
      stdio: 'pipe',
    });
    return { code: 0, output };
  } catch (error) {
    const failed = error as { status: number | null; stdout: string; stderr: string };
    return { code: failed.status, output: failed.stdout + failed.stderr };
  }
}

const englishOf = (text: LocalizedText) => pickText(text, 'en');

for (const run of RUNS)
  describe.skipIf(missing.length > 0)(
    `the kit on a real systemd, end to end (--sapi ${run.sapi})${missing.length ? `: needs ${missing.join(', ')}` : ''}`,
    () => {
      beforeAll(async () => {
        if (!fs.existsSync(path.join(REPO_ROOT, 'dist/server/main.js'))) throw new Error('build first: npm run build (this test runs the built server)');
        work = fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-systemd-e2e-'));

        // The stand-ins, and the workshop copy whose lock pins them.
        const exporter = buildExporterStandIn(work);
        const grafana = buildGrafanaStandIn(work, GRAFANA_VERSION);
        const workshopFile = writeWorkshopCopy(path.join(work, 'repo'), { [EXPORTER_ARTEFACT]: sha256Of(exporter), [GRAFANA_ARTEFACT]: sha256Of(grafana) });
        const dataDir = path.join(work, 'data');
        const artefacts = path.join(dataDir, 'kit-artefacts');
        fs.mkdirSync(artefacts, { recursive: true });
        fs.copyFileSync(exporter, path.join(artefacts, EXPORTER_ARTEFACT));
        fs.copyFileSync(grafana, path.join(artefacts, GRAFANA_ARTEFACT));
        // The real libbpf release: `kit fetch` verifies the one test/setup-machine.sh cached, or downloads it from the lock's URLs.
        const libbpf = readKitLock().find((entry) => entry.name.startsWith('libbpf-'))!;
        if (fs.existsSync(path.join(KIT_ARTEFACTS, libbpf.name))) fs.copyFileSync(path.join(KIT_ARTEFACTS, libbpf.name), path.join(artefacts, libbpf.name));
        const serverEnv = { NAVIGATOR_WORKSHOP_FILE: workshopFile, NAVIGATOR_DATA_DIR: dataDir };
        const fetched = navigatorCommand(serverEnv, 'kit', 'fetch');
        expect(fetched.code, fetched.output).toBe(0);
        expect(fetched.output).toMatch(new RegExp(`${libbpf.name.replace(/\./g, '\\.')}: (already fetched|fetched from)`));

        // The attendee's VM: the login `ubuntu` with passwordless sudo and this test's key; apt through the proxy.
        container = await SystemdContainer.boot(run.machine, run.subnet);
        const mirrorHosts = aptMirrorHosts();
        const sources = await inContainer('cat /etc/apt/sources.list /etc/apt/sources.list.d/* 2> /dev/null || true');
        const named = [...sources.matchAll(/^deb\s+(?:\[[^\]]*\]\s+)?(\S+)/gm)].map((m) => new URL(m[1]).host);
        expect(named.length, sources).toBeGreaterThan(0);
        expect(
          named.filter((host) => !mirrorHosts.includes(host)),
          "the container's sources name a host apt's proxy does not forward to",
        ).toEqual([]);
        proxy = new AptProxy(mirrorHosts);
        await proxy.start(container.hostAddress);
        await inContainer(`echo 'Acquire::http::Proxy "http://${container.hostAddress}:${proxy.port}/";' > /etc/apt/apt.conf.d/01navigator-test-proxy`);
        fs.mkdirSync(path.join(work, 'ssh'), { mode: 0o700 });
        sshKey = path.join(work, 'ssh', 'id_ed25519');
        execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'kit-e2e-attendee', '-f', sshKey]);
        await inContainer(
          [
            'useradd --create-home --shell /bin/bash ubuntu',
            "echo 'ubuntu ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/ubuntu && chmod 0440 /etc/sudoers.d/ubuntu",
            'install -d -m 0700 -o ubuntu -g ubuntu /home/ubuntu/.ssh',
            `echo '${fs.readFileSync(`${sshKey}.pub`, 'utf8').trim()}' > /home/ubuntu/.ssh/authorized_keys`,
            'chown ubuntu:ubuntu /home/ubuntu/.ssh/authorized_keys && chmod 0600 /home/ubuntu/.ssh/authorized_keys',
            'systemctl start ssh',
          ].join(' && '),
        );

        // A real Navigator on the host's end of the veth, the address the VM reaches it at.
        const port = await freePort();
        navigator = new ServerProcess({
          ...serverEnv,
          NAVIGATOR_HOST: container.hostAddress,
          NAVIGATOR_PORT: String(port),
          NAVIGATOR_PUBLIC_URL: `http://${container.hostAddress}:${port}`,
        });
        await navigator.start();
        const { navigatorToken, joinPath } = navigator.links();
        board = new BoardWatcher(navigator.url, navigatorToken);

        // The attendee registers their VM through the join page's API and adds Navigator's line to authorized_keys.
        const joined = await fetch(navigator.url + joinPath, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ displayName: 'Systemd attendee', host: container.address, port: 22, sshUser: 'ubuntu' }),
        });
        const registration = (await joined.json()) as { attendee: { id: string; authorizedKeysLine: string }; personalPath: string };
        expect(joined.status, JSON.stringify(registration)).toBe(201);
        attendeeId = registration.attendee.id;
        await container.must(['sh', '-c', 'cat >> /home/ubuntu/.ssh/authorized_keys'], { input: `${registration.attendee.authorizedKeysLine}\n` });
        const cookie = `navigator_attendee=${registration.personalPath.split('/').pop()}`;
        const mine = (await (await fetch(`${navigator.url}/api/me/workshop`, { headers: { cookie } })).json()) as JoinInfo;
        const hint = englishOf(mine.steps.find((step) => step.id === 'packages')!.hint!);
        kitCommand = /```sh\n([^\n]+)\n/.exec(hint)?.[1] ?? '';
        expect(kitCommand).toContain(`curl -fsSL http://${container.hostAddress}:${port}/kit/kit.tar.gz`);
        // The CLI is the default: the hint's command as it is; another SAPI is given once, as the php-app hint says.
        if (run.sapi !== 'cli') kitCommand += ` --sapi ${run.sapi}`;
      }, 600_000);

      afterAll(async () => {
        for (const session of sessions) session.kill('SIGKILL');
        board?.close();
        await navigator?.kill();
        if (container) {
          const journal = await container.exec([
            'journalctl',
            '--no-pager',
            '-n',
            '200',
            '-u',
            'php-ebpf-*',
            '-u',
            'bpf-build',
            '-u',
            'ebpf_exporter',
            '-u',
            'grafana-server',
          ]);
          if (journal.stdout) fs.writeFileSync(path.join(work, 'container-journal.txt'), journal.stdout);
          await container.powerOff();
        }
        await proxy?.stop();
      }, 120_000);

      it('Navigator connects to the registered VM and shows it on the board, no step done yet', async () => {
        await board.until(
          attendeeId,
          'connected, packages failing',
          (view) => view.connection.state === 'connected' && view.progress.steps.packages !== 'done',
          60_000,
        );
      });

      it("the packages hint's command sets up the VM; the SSH session killed during the BPF build stops neither it nor what follows it; setup run again completes", async () => {
        const started = performance.now();
        let killedAt: string | null = null;
        const first = attendeeSession(kitCommand, (output) => {
          // Killed the moment setup says the build runs detached: the connection drops, as a closed laptop's does.
          if (killedAt === null && output.includes('running detached as bpf-build')) {
            killedAt = output;
            first.child.kill('SIGKILL');
          }
        });
        const { output: firstOutput } = await first.ended;
        expect(killedAt, `setup never reached the build:\n${firstOutput.slice(-4000)}`).not.toBeNull();
        expect(firstOutput).toMatch(/\[1\/8\] packages: done/);
        expect(firstOutput).toMatch(/\[2\/8\] libbpf: done/);
        // The build was still going when the session died (it takes seconds: clang, and bpftool's vmlinux.h).
        const statusAtKill = (await inContainer('cat /var/lib/php-ebpf/build.status')).trim();
        expect(statusAtKill).toMatch(/^(queued|running)/);
        // The session's setup is gone with it (sshd hung up its terminal); the detached build is not.
        await untilInContainer('the killed session’s setup.sh gone', "pgrep -fa 'bpf/setup\\.sh$' || echo none", (out) => out.trim() === 'none', 30_000);
        await untilInContainer('the detached build finished', 'cat /var/lib/php-ebpf/build.status', (out) => /^done in /.test(out), 120_000);

        const seconds = () => ((performance.now() - started) / 1000).toFixed(0);
        const fromProxy = (from: string) => proxy.log.filter((entry) => entry.from === from).length;
        console.log(
          `setup up to the killed session and the detached build: ${seconds()} s; apt: ${fromProxy('mirror')} from the mirror, ${fromProxy('cache')} cached`,
        );
        const again = attendeeSession('cd ~/ebpf-php-kit && sudo ./bpf/setup.sh');
        const { code, output } = await again.ended;
        expect(code, output.slice(-4000)).toBe(0);
        for (const step of ['packages', 'libbpf', 'php', 'app', 'build']) expect(output).toMatch(new RegExp(`\\[\\d/8\\] ${step}: already done`));
        for (const step of ['exporter', 'prometheus', 'grafana']) expect(output).toMatch(new RegExp(`\\[\\d/8\\] ${step}: done`));
        expect(output).toContain('All done');
        // Run again without --sapi: the SAPI of the first run, remembered.
        expect(output).toMatch(new RegExp(`^PHP SAPI: ${run.sapi}$`, 'm'));
        expect((await inContainer('cat /var/lib/php-ebpf/sapi /var/lib/php-ebpf/php-binary')).trim().split('\n')).toEqual([run.sapi, run.binary]);
        console.log(`setup run again to the end: ${seconds()} s in all`);
        // The artefacts came from Navigator (kit.source), each verified against the lock.
        expect(output).toMatch(
          new RegExp(`${EXPORTER_ARTEFACT.replace(/\./g, '\\.')}: from http://${container.hostAddress.replace(/\./g, '\\.')}:\\d+/kit/artefacts/`),
        );
        const check = attendeeSession('cd ~/ebpf-php-kit && sudo ./bpf/setup.sh --check');
        expect((await check.ended).output).toContain('All 8 steps done.');
      }, 900_000);

      it('the exporter unit runs the kit’s programs attached to the real PHP, with real counts, and Prometheus scrapes it', async () => {
        const units = ['ebpf_exporter', ...run.services, 'prometheus', 'grafana-server'];
        expect((await container.exec(['systemctl', 'is-active', ...units])).stdout.split('\n').filter(Boolean)).toEqual(units.map(() => 'active'));
        expect(await inContainer('curl -s localhost:8000/')).toContain('PHP sample');
        // The sample is served by the SAPI's processes (php-fpm's have no readable environment: they write their titles over it).
        const processes = await inContainer("pgrep -a 'php-fpm|apache2|^php$' | sed 's/^[0-9]* //' | sort | uniq -c");
        console.log(`--sapi ${run.sapi}: processes:\n${processes}`);
        if (run.sapi === 'fpm') {
          expect(processes).toMatch(/^\s*1 php-fpm: master process/m);
          expect(processes).toMatch(/php-fpm: pool php-sample/);
          expect(processes).toMatch(/\/usr\/sbin\/apache2 -k start/);
          expect((await container.exec(['systemctl', 'is-active', 'php-sample'])).stdout.trim()).not.toBe('active');
        }
        if (run.sapi === 'apache') {
          expect(processes).toMatch(/\/usr\/sbin\/apache2 -k start/);
          expect(processes).not.toMatch(/php-fpm/);
          expect(await inContainer('ls /etc/apache2/mods-enabled/')).toMatch(/^mpm_prefork\.load$[\s\S]*^php8\.2\.load$/m);
          expect((await container.exec(['systemctl', 'is-active', 'php-sample'])).stdout.trim()).not.toBe('active');
        }
        const metrics = () => inContainer('curl -fsS localhost:9435/metrics');
        const page = await metrics();
        const attached = page.split('\n').filter((line) => line.startsWith('ebpf_exporter_ebpf_program_attached{'));
        expect(attached).toHaveLength(7);
        expect(attached.every((line) => line.endsWith(' 1'))).toBe(true);
        // Attached where the config's objects say (their section names), as ebpf_exporter attaches: the SAPI's binary.
        const probes = await inContainer('bpftool perf list --pretty | grep -o \'"filename": "[^"]*"\' | sort | uniq -c');
        expect(probes).toMatch(new RegExp(`^\\s*\\d+ "filename": "${run.binary.replace(/\./g, '\\.')}"$`, 'm'));
        expect(probes.trim().split('\n')).toHaveLength(1);
        // Real counts from the maps: seven /fib?n=10 are exactly 7 × 177 more calls of Sample\Maths::fib.
        const fibCalls = (text: string) =>
          Number(/^ebpf_exporter_php_function_calls_total\{class="Sample\\\\Maths",function="fib"\} (\d+)$/m.exec(text)?.[1] ?? 0);
        const before = fibCalls(page);
        await inContainer("for i in 1 2 3 4 5 6 7; do curl -fsS -o /dev/null 'localhost:8000/fib?n=10'; done");
        expect(fibCalls(await metrics()) - before).toBe(7 * 177);
        console.log(
          `--sapi ${run.sapi}: ${(await metrics())
            .split('\n')
            .filter((line) => line.startsWith('ebpf_exporter_php_requests_total{'))
            .join('; ')}`,
        );
        // By route, as under php -S: PHP's request probe has the URL, not /index.php (bpf/apache/php-sample.conf's alias).
        expect(await metrics()).toMatch(/^ebpf_exporter_php_requests_total\{method="GET",route="\/fib"\} [1-9]\d*$/m);
        await untilInContainer(
          'Prometheus scrapes the exporter',
          "curl -fsS 'localhost:9090/api/v1/query?query=up%7Bjob%3D%22ebpf%22%7D'",
          (out) => /"value":\[[\d.]+,"1"\]/.test(out),
          60_000,
        );
      }, 120_000);

      it('with load.sh and trace.sh run as the hints say, the board shows the attendee done with every step through Grafana, by the real checks', async () => {
        // In a session of its own that stays open, as an attendee's `./php-sample/load.sh &` in their terminal.
        const load = attendeeSession('cd ~/ebpf-php-kit && ./php-sample/load.sh -d 240');
        await untilInContainer('load.sh sends load', "pgrep -f 'php-sample/load.sh' > /dev/null && echo running", (out) => out.includes('running'), 30_000);
        // A few seconds, as an attendee would before Ctrl-C: bpftrace prints what the sample's functions were called.
        const trace = attendeeSession('cd ~/ebpf-php-kit && sudo ./bpf/trace.sh calls 8');
        const traced = await trace.ended;
        expect(traced.code, traced.output).toBe(0);
        expect(traced.output).toMatch(/^@calls\[(?:fib|json|main|find)\]: [1-9]\d*$/m);
        await board.until(attendeeId, 'every step done', (view) => STEPS.every((step) => view.progress.steps[step] === 'done'), 240_000);
        const view = board.view(attendeeId)!;
        // And every check passes live, not only by stickiness: the load still runs.
        expect(load.child.exitCode).toBeNull();
        expect(
          Object.entries(view.checks)
            .filter(([, check]) => check.status !== 'pass')
            .map(([id, check]) => [id, check.status, check.reason, check.output]),
        ).toEqual([]);
      }, 300_000);
    },
  );
