import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadWorkshopFile } from '../../server/src/workshops/workshop.loader';
import { isSshCheck } from '../../server/src/workshops/workshop.schema';
import { canBuild, EXPORTER, GRAFANA, libbpf, machine, MIRROR, REPO, servedName, stepLine, STEPS, type Machine } from './kit-machine';
import { LIBBPF, LIBBPF_HEADERS, readKitLock, sha256Of } from './pinned-libbpf';

/** bpf/setup.sh run for real into a temporary root, with stand-ins for systemd, apt and downloads: see ./kit-machine.ts. */

describe.skipIf(!canBuild)(
  `bpf/setup.sh on a temporary root (needs root, BTF, php8.2 and the pinned libbpf for the real build)${libbpf.skip ? `: ${libbpf.skip}` : ''}`,
  () => {
    describe('a fresh VM', () => {
      let vm: Machine;
      let first: { status: number; output: string };
      beforeAll(() => {
        vm = machine();
        first = vm.run();
      });

      it('sets everything up in order, each step with its progress, the BPF build detached', () => {
        expect(first.status, first.output).toBe(0);
        // This machine already has the packages.
        expect(first.output).toMatch(stepLine('packages', 'already done$'));
        for (const step of STEPS.slice(1)) expect(first.output).toMatch(stepLine(step, 'done \\(\\d+ s\\)$'));
        const state = path.join(vm.root, 'var/lib/php-ebpf');
        expect(fs.readFileSync(path.join(state, 'php-binary'), 'utf8').trim()).toBe('/usr/bin/php8.2');
        expect(fs.readFileSync(path.join(state, 'build.status'), 'utf8')).toMatch(/^done in \d+s for \/usr\/bin\/php8\.2\n$/);
        // The build ran through systemd-run, not in the script's own session, and setup showed its output (the journal it followed).
        expect(first.output).toMatch(/^clang .*-target bpf .*-c php_calls\.bpf\.c -o php_calls\.bpf\.o$/m);
        expect(vm.started('bpf-build')).toEqual([expect.stringMatching(/^systemd-run --unit=bpf-build --collect .* sh .*build\.sh /)]);
        const configs = path.join(vm.root, 'opt/php-ebpf/configs');
        expect(fs.readdirSync(configs).sort()).toEqual([
          'php_calls.bpf.o',
          'php_calls.yaml',
          'php_files.bpf.o',
          'php_files.yaml',
          'php_requests.bpf.o',
          'php_requests.yaml',
        ]);
        // Built for the recorded binary: its path is in the objects' section names, as ebpf_exporter attaches them.
        expect(fs.readFileSync(path.join(configs, 'php_requests.bpf.o')).includes('usdt//usr/bin/php8.2:php:request__startup')).toBe(true);
      });

      it("installs libbpf's BPF headers from the pinned release and builds with them, not with a libbpf-dev", () => {
        const include = path.join(vm.root, 'opt/php-ebpf/libbpf/include/bpf');
        expect(fs.readdirSync(include).sort()).toEqual([...LIBBPF_HEADERS].sort());
        for (const header of LIBBPF_HEADERS)
          expect(fs.readFileSync(path.join(include, header)).equals(fs.readFileSync(path.join(libbpf.include!, 'bpf', header))), header).toBe(true);
        expect(fs.readFileSync(path.join(vm.root, 'var/lib/php-ebpf/libbpf.sha256'), 'utf8').trim()).toBe(LIBBPF.sha256);
        // clang was given the pinned headers' directory before any system one (the build's own output, as journald would keep it).
        const journal = fs.readFileSync(path.join(vm.fakes, 'bpf-build.journal'), 'utf8');
        expect(journal).toContain(`-I. -I${vm.root}/opt/php-ebpf/libbpf/include -I/usr/include/`);
      });

      it('downloads every artefact from the URLs bpf/kit.lock names and installs what matches its sha256', () => {
        const lock = readKitLock(path.join(vm.kit, 'bpf/kit.lock'));
        const upstream = (name: string) => lock.find((entry) => entry.name === name)!.urls[0];
        expect(vm.calls().filter((c) => c.startsWith('download'))).toEqual([
          `download ${upstream(LIBBPF.name)}`,
          `download ${upstream(EXPORTER)}`,
          `download ${upstream(GRAFANA)}`,
        ]);
        for (const name of [LIBBPF.name, EXPORTER, GRAFANA]) expect(first.output).toContain(`${name}: from ${upstream(name)}, sha256 verified`);
        expect(execFileSync(path.join(vm.root, 'usr/local/bin/ebpf_exporter'), { encoding: 'utf8' })).toContain('2.5.1 (stand-in)');
        expect(fs.statSync(path.join(vm.root, 'usr/local/bin/ebpf_exporter')).mode & 0o777).toBe(0o755);
        // Grafana is the pinned package, installed by apt from the file (apt resolves its dependencies), waiting for apt's lock.
        expect(vm.calls()).toContain(`apt-get -o DPkg::Lock::Timeout=900 install -y ${vm.root}/var/cache/php-ebpf/${GRAFANA}`);
        expect(vm.calls().join('\n')).not.toContain('apt.grafana.com');
        expect(fs.existsSync(path.join(vm.root, 'etc/apt/sources.list.d'))).toBe(false);
      });

      it('writes every file and unit the workshop checks read', () => {
        const installed = (file: string) => fs.readFileSync(path.join(vm.root, file), 'utf8');
        expect(installed('etc/systemd/system/ebpf_exporter.service')).toBe(fs.readFileSync(path.join(REPO, 'bpf/systemd/ebpf_exporter.service'), 'utf8'));
        expect(installed('etc/prometheus/prometheus.yml')).toContain('job_name: ebpf');
        expect(installed('var/lib/grafana/dashboards/php-ebpf/php-ebpf.json')).toContain('"uid": "php-ebpf"');
        expect(installed('etc/grafana/provisioning/datasources/php-ebpf.yaml')).toContain('uid: prometheus');
        expect(installed('etc/systemd/system/grafana-server.service.d/php-ebpf.conf')).toContain('GF_SERVER_HTTP_ADDR=127.0.0.1');
        expect(installed('opt/php-ebpf/php-sample/src/Orders.php')).toContain('final class OrderRepository');
        expect(vm.calls()).toEqual(
          expect.arrayContaining([
            'systemctl enable --now php-sample',
            'systemctl enable --now ebpf_exporter',
            'systemctl enable --now prometheus',
            'systemctl enable --now grafana-server',
          ]),
        );
        const workshop = loadWorkshopFile(path.join(REPO, 'checks/ebpf-php.yaml')).definition;
        const paths = workshop.steps
          .flatMap((s) => s.checks)
          .flatMap((c) => (c.kind === 'ssh' ? [...c.ssh.run.matchAll(/\/(?:var\/lib|opt)\/php-ebpf\/[\w./-]+/g)].map((m) => m[0]) : []));
        expect(paths.length).toBeGreaterThan(4);
        for (const file of paths.filter((p) => !p.endsWith('bpftrace.done'))) expect(fs.existsSync(path.join(vm.root, file)), file).toBe(true);
      });

      it('run again, every step is already done and nothing is installed, built or downloaded twice', () => {
        const before = vm.calls().length;
        const again = vm.run();
        expect(again.status, again.output).toBe(0);
        for (const step of STEPS) expect(again.output).toMatch(stepLine(step, 'already done$'));
        // Only is-active probes: no apt-get, no download, no systemd-run, no restart.
        expect(
          vm
            .calls()
            .slice(before)
            .filter((c) => !c.startsWith('systemctl is-active')),
        ).toEqual([]);
      });

      it('the checks read the real state: the binary, the running process, the objects, the tools (run as the probe would, paths under this root)', () => {
        const checks = loadWorkshopFile(path.join(REPO, 'checks/ebpf-php.yaml'))
          .definition.steps.flatMap((s) => s.checks)
          .filter(isSshCheck);
        for (const check of checks) expect(check.ssh.run, check.id).not.toMatch(/\bsystemctl\b/);
        const cgroups = fs.mkdtempSync(path.join(os.tmpdir(), 'navt-cgroup-'));
        const state = path.join(vm.root, 'var/lib/php-ebpf');
        const run = (id: string) => {
          const command = checks
            .find((c) => c.id === id)!
            .ssh.run.replaceAll('/var/lib/php-ebpf/', `${state}/`)
            .replaceAll('/opt/php-ebpf/', `${vm.root}/opt/php-ebpf/`)
            .replaceAll('/sys/fs/cgroup/', `${cgroups}/`);
          const result = spawnSync('sh', ['-c', command], { encoding: 'utf8' });
          return { status: result.status, output: `${result.stdout}${result.stderr}` };
        };

        // The build's tools, the kernel's BTF and the pinned headers.
        expect(run('bpf-build-tools').status).toBe(0);
        const usdtHeader = path.join(vm.root, 'opt/php-ebpf/libbpf/include/bpf/usdt.bpf.h');
        fs.renameSync(usdtHeader, `${usdtHeader}.away`);
        expect(run('bpf-build-tools')).toEqual({ status: 1, output: expect.stringContaining("missing: libbpf's pinned headers") });
        fs.renameSync(`${usdtHeader}.away`, usdtHeader);

        // The recorded binary's own USDT notes, not the record: a binary without them fails.
        expect(run('php-has-usdt')).toEqual({ status: 0, output: expect.stringMatching(/ has USDT probes\n$/) });
        fs.writeFileSync(path.join(state, 'php-binary'), '/usr/bin/true\n');
        expect(run('php-has-usdt').status).not.toBe(0);

        // The objects carry BTF and their probes' sections for the recorded binary.
        fs.writeFileSync(path.join(state, 'php-binary'), '/usr/bin/php8.2\n');
        expect(run('bpf-objects-present')).toEqual({ status: 0, output: '' });
        fs.writeFileSync(path.join(state, 'php-binary'), '/usr/bin/php8.3\n');
        expect(run('bpf-objects-present')).toEqual({
          status: 1,
          output: expect.stringContaining('php_calls.bpf.o has no section usdt//usr/bin/php8.3:php:function__entry'),
        });
        fs.writeFileSync(path.join(state, 'php-binary'), '/usr/bin/php8.2\n');
        const files = path.join(vm.root, 'opt/php-ebpf/configs/php_files.bpf.o');
        const object = fs.readFileSync(files);
        fs.writeFileSync(files, 'not an ELF object');
        const broken = run('bpf-objects-present');
        expect(broken.status).toBe(1);
        expect(broken.output).toContain('php_files.bpf.o has no section .BTF');
        expect(broken.output).toContain('php_files.bpf.o has no section usdt//usr/bin/php8.2:php:compile__file__entry');
        fs.writeFileSync(files, object);

        // USE_ZEND_DTRACE=1 in the environment of the unit's running process (cgroup v2, then v1), not in its unit file.
        expect(run('php-dtrace-enabled')).toEqual({ status: 1, output: 'php-sample.service is not running\n' });
        const traced = spawn('sleep', ['300'], { env: { ...process.env, USE_ZEND_DTRACE: '1' }, stdio: 'ignore' });
        const untraced = spawn('sleep', ['300'], { env: { ...process.env, USE_ZEND_DTRACE: '0' }, stdio: 'ignore' });
        try {
          const v2 = path.join(cgroups, 'system.slice/php-sample.service');
          fs.mkdirSync(v2, { recursive: true });
          fs.writeFileSync(path.join(v2, 'cgroup.procs'), `${untraced.pid}\n`);
          expect(run('php-dtrace-enabled')).toEqual({ status: 1, output: `process ${untraced.pid} of php-sample.service runs without USE_ZEND_DTRACE=1\n` });
          fs.writeFileSync(path.join(v2, 'cgroup.procs'), `${traced.pid}\n`);
          expect(run('php-dtrace-enabled').status).toBe(0);
          fs.rmSync(path.join(cgroups, 'system.slice'), { recursive: true });
          const v1 = path.join(cgroups, 'systemd/system.slice/php-sample.service');
          fs.mkdirSync(v1, { recursive: true });
          fs.writeFileSync(path.join(v1, 'cgroup.procs'), `${traced.pid}\n`);
          expect(run('php-dtrace-enabled').status).toBe(0);
        } finally {
          traced.kill();
          untraced.kill();
        }
        // It needs root for another user's /proc/<pid>/environ, and says so in the workshop.
        expect(checks.find((c) => c.id === 'php-dtrace-enabled')!.ssh.sudo).toBe(true);

        // ebpf_exporter runs while its cgroup lists a process: cgroup v2's path, then v1's.
        expect(run('exporter-service-active').status).not.toBe(0);
        const exporter = path.join(cgroups, 'system.slice/ebpf_exporter.service');
        fs.mkdirSync(exporter, { recursive: true });
        fs.writeFileSync(path.join(exporter, 'cgroup.procs'), '');
        expect(run('exporter-service-active').status).not.toBe(0);
        fs.writeFileSync(path.join(exporter, 'cgroup.procs'), '4242\n4243\n');
        expect(run('exporter-service-active').status).toBe(0);
        fs.rmSync(cgroups, { recursive: true });
      });
    });

    it('takes artefacts from Navigator first (bpf/kit.source, or KIT_MIRROR), verifies them whatever the source, and falls through a bad one', () => {
      const vm = machine();
      // Runs stop at step 3 (a PHP without probes) so no build runs: this test is about step 2's download.
      const untilPhp = { PHP_BINARY: '/bin/true' };
      fs.writeFileSync(path.join(vm.kit, 'bpf/kit.source'), `# written by Navigator\nKIT_MIRROR=${MIRROR}\n`);
      vm.serve(`${MIRROR}/${LIBBPF.name}`, 'a cut download\n');
      const fellThrough = vm.run([], untilPhp);
      expect(fellThrough.output).toMatch(stepLine('libbpf', 'done'));
      expect(fellThrough.output).toContain(
        `${LIBBPF.name}: ${MIRROR}/${LIBBPF.name} gave sha256 ${sha256Of(path.join(vm.fakes, 'served', servedName(`${MIRROR}/${LIBBPF.name}`)))}, not the ${LIBBPF.sha256} bpf/kit.lock pins; trying the next source`,
      );
      expect(fellThrough.output).toContain(`${LIBBPF.name}: from ${LIBBPF.urls[0]}, sha256 verified`);
      expect(vm.calls().filter((c) => c.startsWith('download'))).toEqual([`download ${MIRROR}/${LIBBPF.name}`, `download ${LIBBPF.urls[0]}`]);

      // Navigator's copy, when good, is the only download; KIT_MIRROR in the environment wins over kit.source.
      for (const mirror of [MIRROR, 'http://192.0.2.7:8080/kit/artefacts']) {
        const again = machine();
        fs.writeFileSync(path.join(again.kit, 'bpf/kit.source'), `KIT_MIRROR=${MIRROR}\n`);
        again.serve(`${mirror}/${LIBBPF.name}`, fs.readFileSync(libbpf.tarball!));
        again.serve(LIBBPF.urls[0], null);
        const fromMirror = again.run([], { ...untilPhp, ...(mirror === MIRROR ? {} : { KIT_MIRROR: mirror }) });
        expect(fromMirror.output).toMatch(stepLine('libbpf', 'done'));
        expect(again.calls().filter((c) => c.startsWith('download'))).toEqual([`download ${mirror}/${LIBBPF.name}`]);
      }
    });

    it('bpf/kit.source is read, not run: a KIT_MIRROR that is not a plain http(s) URL stops the step', () => {
      const vm = machine();
      const marker = path.join(vm.root, 'ran');
      fs.writeFileSync(path.join(vm.kit, 'bpf/kit.source'), `KIT_MIRROR=http://navigator.test/$(touch ${marker})\n`);
      const { status, output } = vm.run();
      expect(status).toBe(1);
      expect(output).toContain(`the KIT_MIRROR= line of ${vm.kit}/bpf/kit.source is not an http(s) URL: http://navigator.test/$(touch ${marker})`);
      expect(output).toMatch(stepLine('libbpf', 'FAILED'));
      expect(fs.existsSync(marker)).toBe(false);
      expect(vm.calls().filter((c) => c.startsWith('download'))).toEqual([]);
    });

    it('when no source gives the pinned file, the step stops naming both sums and installs nothing', () => {
      const vm = machine();
      for (const url of LIBBPF.urls) vm.serve(url, url.includes('github') ? 'a tarball of another release\n' : null);
      const { status, output } = vm.run();
      expect(status).toBe(1);
      const got = sha256Of(path.join(vm.fakes, 'served', servedName(LIBBPF.urls.find((url) => url.includes('github'))!)));
      expect(output).toContain(`${LIBBPF.name}: sha256 ${got} does not match ${LIBBPF.sha256}, the one bpf/kit.lock pins, from any source; not installed`);
      expect(output).toMatch(stepLine('libbpf', 'FAILED\\. Fix what is said above and run .* again: it resumes at this step\\.$'));
      expect(output).not.toMatch(/php: /);
      expect(fs.existsSync(path.join(vm.root, 'opt/php-ebpf/libbpf'))).toBe(false);
      expect(vm.calls().filter((c) => c.startsWith('download'))).toEqual(LIBBPF.urls.map((url) => `download ${url}`));
    });

    it('refuses an artefact bpf/kit.lock does not pin yet; once it is pinned, the next run resumes there, waiting for an apt that holds its lock', async () => {
      const vm = machine();
      vm.useLock('repository'); // ebpf_exporter and Grafana are `-` there: they cannot be downloaded where this was written
      const refused = vm.run();
      expect(refused.status).toBe(1);
      expect(refused.output).toContain(`${EXPORTER} is not pinned in bpf/kit.lock yet (its sha256 is -), and setup installs nothing unchecked.`);
      expect(refused.output).toContain('run npx navigator kit lock');
      expect(refused.output).toMatch(stepLine('exporter', 'FAILED'));
      expect(fs.existsSync(path.join(vm.root, 'usr/local/bin/ebpf_exporter'))).toBe(false);
      expect(vm.calls().filter((c) => c.startsWith('download'))).toEqual([`download ${LIBBPF.urls[0]}`]);

      // Pinned (what `npx navigator kit lock` writes), with unattended-upgrades holding dpkg's lock as on a fresh cloud VM.
      vm.useLock('pinned');
      const lockFile = path.join(vm.root, 'var/lib/dpkg/lock-frontend');
      fs.mkdirSync(path.dirname(lockFile), { recursive: true });
      fs.writeFileSync(lockFile, '');
      const holder = spawn('flock', [lockFile, 'cat'], { stdio: ['pipe', 'ignore', 'ignore'] });
      const inode = fs.statSync(lockFile).ino;
      await expect.poll(() => fs.readFileSync('/proc/locks', 'utf8').includes(`:${inode} `), { timeout: 30_000 }).toBe(true);
      const resumed = vm.start();
      await expect.poll(() => resumed.output(), { timeout: 200_000 }).toContain('waiting for another apt (e.g. unattended-upgrades) to finish');
      expect(vm.calls().some((c) => c.includes('install -y'))).toBe(false);
      holder.stdin!.end(); // the other apt is done
      expect(await resumed.exited, resumed.output()).toBe(0);
      expect(resumed.output()).toContain('the other apt is done; going on');
      for (const step of ['packages', 'libbpf', 'php', 'app', 'build']) expect(resumed.output()).toMatch(stepLine(step, 'already done$'));
      expect(resumed.output()).toMatch(stepLine('exporter', 'done'));
      expect(resumed.output()).toMatch(stepLine('grafana', 'done'));
      expect(vm.started('bpf-build')).toHaveLength(1);
    });

    it('runs every long step as a transient unit with what it needs of the environment, and after a dropped session follows the step still running', async () => {
      const vm = machine();
      const grafanaUrl = readKitLock().find((entry) => entry.name === GRAFANA)!.urls[0];
      const hold = path.join(vm.fakes, 'hold', servedName(grafanaUrl));
      fs.writeFileSync(hold, ''); // Grafana's download takes its time
      const first = vm.start();
      await expect.poll(() => vm.calls(), { timeout: 200_000 }).toContain(`download ${grafanaUrl}`);
      expect(first.output()).toContain('running detached as php-ebpf-grafana: closing this session does not stop it; running setup again follows it');
      first.drop(); // the SSH session drops, with setup and the journal it was following
      await first.exited;

      const again = vm.start();
      await expect.poll(() => again.output(), { timeout: 60_000 }).toContain('still running from an earlier run of setup (php-ebpf-grafana): following it');
      fs.rmSync(hold);
      expect(await again.exited, again.output()).toBe(0);
      expect(again.output()).toMatch(stepLine('grafana', 'done'));
      // What the unit printed, shown by the setup that followed it.
      expect(again.output()).toContain(`${GRAFANA}: from ${grafanaUrl}, sha256 verified`);
      expect(vm.started('php-ebpf-grafana')).toHaveLength(1);
      expect(vm.calls().filter((c) => c.startsWith('download ') && c.includes('grafana'))).toEqual([`download ${grafanaUrl}`]);

      // Each download or install step ran as its own unit (packages is done on this machine), given what setup was given.
      for (const unit of ['php-ebpf-libbpf', 'php-ebpf-exporter', 'php-ebpf-grafana']) {
        const [started] = vm.started(unit);
        expect(started, unit).toContain(`--setenv=KIT_ROOT=${vm.root}`);
        expect(started, unit).toContain('--setenv=PHP_BINARY=/usr/bin/php8.2');
        expect(started, unit).toContain(`--setenv=DOWNLOAD=${vm.fakes}/download`);
        expect(started, unit).toMatch(new RegExp(`sh ${vm.kit}/bpf/setup\\.sh --step ${unit.replace('php-ebpf-', '')} --sapi cli$`));
      }
      expect(vm.started('php-ebpf-packages')).toEqual([]);
    });

    it('after a PHP upgrade, running setup again restarts the app and the exporter on the new binary, and rebuilds when its path changed', () => {
      const vm = machine();
      const phpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-php-'));
      const install = (name: string) => {
        // As dpkg does: a new file renamed over the old one (a new inode; uprobes attach to the inode).
        fs.copyFileSync('/usr/bin/php8.2', path.join(phpDir, `${name}.dpkg-new`));
        fs.renameSync(path.join(phpDir, `${name}.dpkg-new`), path.join(phpDir, name));
        return path.join(phpDir, name);
      };
      const before = install('php8.2');
      expect(vm.run([], { PHP_BINARY: before }).status).toBe(0);

      const since = (from: number) => vm.calls().slice(from);
      let mark = vm.calls().length;
      install('php8.2'); // a point release: same path, another file
      const samePath = vm.run([], { PHP_BINARY: before });
      expect(samePath.status, samePath.output).toBe(0);
      expect(samePath.output).toMatch(stepLine('php', 'done'));
      expect(samePath.output).toMatch(stepLine('build', 'already done$')); // the objects name the path, not the file
      expect(since(mark)).toEqual(expect.arrayContaining(['systemctl restart php-sample', 'systemctl restart ebpf_exporter']));
      expect(since(mark).filter((c) => c.startsWith('systemd-run --unit=bpf-build'))).toEqual([]);

      mark = vm.calls().length;
      const after = install('php8.3'); // a new PHP: another path, which the objects must name
      const newPath = vm.run([], { PHP_BINARY: after });
      expect(newPath.status, newPath.output).toBe(0);
      expect(newPath.output).toMatch(stepLine('build', 'done'));
      expect(since(mark).filter((c) => c.startsWith('systemd-run --unit=bpf-build'))).toHaveLength(1);
      expect(since(mark)).toContain('systemctl restart ebpf_exporter');
      expect(fs.readFileSync(path.join(vm.root, 'opt/php-ebpf/configs/php_calls.bpf.o')).includes(`usdt/${after}:php:function__entry`)).toBe(true);
      const again = vm.run([], { PHP_BINARY: after });
      for (const step of STEPS) expect(again.output).toMatch(stepLine(step, 'already done$'));
    });

    it('--check and --dry-run report without changing anything', () => {
      const vm = machine();
      const check = vm.run(['--check']);
      expect(check.status).toBe(1);
      expect(check.output).toMatch(/^\[2\/8\] libbpf: NOT DONE$/m);
      expect(check.output).toMatch(/^\[3\/8\] php: NOT DONE$/m);
      expect(check.output).toMatch(/^7 of 8 steps not done: run sudo /m);
      const dry = vm.run(['--dry-run']);
      expect(dry.status, dry.output).toBe(0);
      expect(dry.output).toContain(`would fetch ${LIBBPF.name} (sha256 ${LIBBPF.sha256}) from the first of: ${LIBBPF.urls.join(' ')}`);
      expect(dry.output).toMatch(/would run: .*systemd-run --unit=bpf-build/);
      expect(dry.output).toContain(
        `would run: env DEBIAN_FRONTEND=noninteractive ${vm.fakes}/apt-get -o DPkg::Lock::Timeout=900 install -y ${vm.root}/var/cache/php-ebpf/${GRAFANA}`,
      );
      expect(fs.readdirSync(vm.root)).toEqual([]);
      expect(vm.calls().filter((c) => !c.startsWith('systemctl is-active'))).toEqual([]);
    });

    it('a PHP without USDT probes is refused with what to do', () => {
      const vm = machine();
      const { status, output } = vm.run([], { PHP_BINARY: '/bin/true' });
      expect(status).toBe(1);
      expect(output).toContain('/usr/bin/true has no USDT probes (provider php)');
      expect(output).toMatch(stepLine('php', 'FAILED'));
      expect(fs.existsSync(path.join(vm.root, 'var/lib/php-ebpf/php-binary'))).toBe(false);
    });
  },
);
