import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadWorkshopFile } from '../../server/src/workshops/workshop.loader';
import { isSshCheck } from '../../server/src/workshops/workshop.schema';
import { canBuild, libbpf, machine, REPO, stepLine, STEPS, type Machine } from './kit-machine';

/**
 * `bpf/setup.sh --sapi cli|fpm|apache` on a temporary root (./kit-machine.ts: the real build, readelf and files; stand-ins
 * for systemd, apt, downloads and Debian's a2enmod/a2ensite tools). The PHP binaries are this machine's real ones:
 * php8.2 (CLI), php-fpm8.2 and mod_php's libphp8.2.so (test/setup-machine.sh installs them), so the objects are
 * built for each and their section names, which ebpf_exporter attaches by, are checked. What runs the sample for
 * real under php-fpm is test/systemd/kit-e2e.test.ts.
 */
const FPM = '/usr/sbin/php-fpm8.2';
const MOD_PHP = '/usr/lib/apache2/modules/libphp8.2.so';
const haveSapis = fs.existsSync(FPM) && fs.existsSync(MOD_PHP) && fs.existsSync('/usr/sbin/apache2');
/** PHP_BINARY unset: setup picks the binary from the SAPI. */
const BY_SAPI = { PHP_BINARY: '' };

describe.skipIf(!canBuild || !haveSapis)(
  `bpf/setup.sh --sapi (needs root, BTF, the pinned libbpf, php8.2-fpm and libapache2-mod-php8.2)${libbpf.skip ? `: ${libbpf.skip}` : ''}`,
  () => {
    let vm: Machine;
    const state = (file: string) => fs.readFileSync(path.join(vm.root, 'var/lib/php-ebpf', file), 'utf8').trim();
    const installed = (file: string) => path.join(vm.root, file);
    const objectsFor = (binary: string) =>
      ['php_requests.bpf.o:request__startup', 'php_calls.bpf.o:function__entry', 'php_files.bpf.o:compile__file__entry'].every((pair) => {
        const [object, probe] = pair.split(':');
        return fs.readFileSync(installed(`opt/php-ebpf/configs/${object}`)).includes(`usdt/${binary}:php:${probe}`);
      });
    const callsSince = (mark: number) => vm.calls().slice(mark);

    describe('a VM set up with --sapi fpm, then switched to cli and to apache', () => {
      let first: { status: number; output: string };
      beforeAll(() => {
        vm = machine();
        first = vm.run(['--sapi', 'fpm'], BY_SAPI);
      });

      it('--sapi fpm: the sample in php-fpm behind Apache, USE_ZEND_DTRACE=1 in php8.2-fpm.service, the objects built for php-fpm8.2', () => {
        expect(first.status, first.output).toBe(0);
        expect(first.output).toMatch(/^PHP SAPI: fpm$/m);
        for (const step of STEPS.slice(1)) expect(first.output).toMatch(stepLine(step, 'done \\(\\d+ s\\)$'));
        expect(state('sapi')).toBe('fpm');
        expect(state('php-binary')).toBe(FPM);
        expect(state('php-service')).toBe('php8.2-fpm.service');
        expect(state('build.status')).toMatch(new RegExp(`^done in \\d+s for ${FPM}$`));
        expect(objectsFor(FPM)).toBe(true);
        expect(objectsFor('/usr/bin/php8.2')).toBe(false);

        const kitFile = (file: string) => fs.readFileSync(path.join(REPO, file), 'utf8');
        expect(fs.readFileSync(installed('etc/php/8.2/fpm/pool.d/php-sample.conf'), 'utf8')).toBe(kitFile('bpf/php-fpm/php-sample.conf'));
        expect(fs.readFileSync(installed('etc/systemd/system/php8.2-fpm.service.d/php-ebpf.conf'), 'utf8')).toMatch(
          /^\[Service\]\nEnvironment=USE_ZEND_DTRACE=1$/m,
        );
        const site = fs.readFileSync(installed('etc/apache2/sites-available/php-sample.conf'), 'utf8');
        expect(site).toBe(kitFile('bpf/apache/php-sample.conf'));
        // The port the workshop's checks and load.sh use, the pool's socket, and the pool's own socket name.
        expect(site).toMatch(/^Listen 127\.0\.0\.1:8000$/m);
        expect(site).toContain('SetHandler "proxy:unix:/run/php/php-sample.sock|fcgi://php-sample"');
        expect(kitFile('bpf/php-fpm/php-sample.conf')).toMatch(/^listen = \/run\/php\/php-sample\.sock$/m);
        expect(fs.existsSync(installed('etc/apache2/sites-enabled/php-sample.conf'))).toBe(true);
        expect(fs.existsSync(installed('etc/systemd/system/php-sample.service'))).toBe(false);
        expect(vm.calls()).toEqual(
          expect.arrayContaining([
            'a2enmod -q mpm_event proxy_fcgi',
            'a2ensite -q php-sample',
            'systemctl enable --now php8.2-fpm',
            'systemctl restart php8.2-fpm',
            'systemctl enable --now apache2',
            'systemctl restart apache2',
            'systemctl restart ebpf_exporter',
          ]),
        );
        expect(vm.calls()).not.toContain('systemctl enable --now php-sample');
        // The detached steps were told the SAPI, since a unit does not inherit setup's arguments.
        expect(vm.started('php-ebpf-libbpf')).toEqual([expect.stringMatching(/ --step libbpf --sapi fpm$/)]);
      });

      it('run again without --sapi: fpm is remembered, every step is already done, nothing restarts', () => {
        const mark = vm.calls().length;
        const again = vm.run([], BY_SAPI);
        expect(again.status, again.output).toBe(0);
        expect(again.output).toMatch(/^PHP SAPI: fpm$/m);
        for (const step of STEPS) expect(again.output).toMatch(stepLine(step, 'already done$'));
        expect(callsSince(mark).filter((c) => !c.startsWith('systemctl is-active'))).toEqual([]);
        const check = vm.run(['--check'], BY_SAPI);
        expect(check.status, check.output).toBe(0);
        expect(check.output).toContain('All 8 steps done.');
        // --check for another SAPI says what that one lacks, and changes nothing (not even the remembered choice).
        const other = vm.run(['--check', '--sapi', 'cli'], BY_SAPI);
        expect(other.status).toBe(1);
        expect(other.output).toMatch(stepLine('php', 'NOT DONE'));
        expect(other.output).toContain(`not in place: ${vm.root}/etc/systemd/system/php-sample.service`);
        expect(state('sapi')).toBe('fpm');
      });

      it('the workshop check php-dtrace-enabled follows the SAPI: php8.2-fpm.service’s running master, started after its drop-in', () => {
        const check = loadWorkshopFile(path.join(REPO, 'checks/ebpf-php.yaml'))
          .definition.steps.flatMap((s) => s.checks)
          .filter(isSshCheck)
          .find((c) => c.id === 'php-dtrace-enabled')!;
        const cgroups = fs.mkdtempSync(path.join(os.tmpdir(), 'navt-cgroup-'));
        const command = check.ssh.run
          .replaceAll('/var/lib/php-ebpf/', `${vm.root}/var/lib/php-ebpf/`)
          .replaceAll('/etc/systemd/system/', `${vm.root}/etc/systemd/system/`)
          .replaceAll('/run/php/', `${vm.root}/run/php/`)
          .replaceAll('/sys/fs/cgroup/', `${cgroups}/`);
        const run = () => {
          const result = spawnSync('sh', ['-c', command], { encoding: 'utf8' });
          return { status: result.status, output: result.stdout + result.stderr };
        };
        const dropin = installed('etc/systemd/system/php8.2-fpm.service.d/php-ebpf.conf');
        const pidFile = installed('run/php/php8.2-fpm.pid');
        const master = 4242;
        try {
          // php-sample's cgroup is not the one: setup runs the sample in php-fpm now.
          fs.mkdirSync(path.join(cgroups, 'system.slice/php-sample.service'), { recursive: true });
          fs.writeFileSync(path.join(cgroups, 'system.slice/php-sample.service/cgroup.procs'), `${master}\n`);
          expect(run()).toEqual({ status: 1, output: 'php8.2-fpm.service is not running\n' });
          fs.mkdirSync(path.join(cgroups, 'system.slice/php8.2-fpm.service'), { recursive: true });
          fs.writeFileSync(path.join(cgroups, 'system.slice/php8.2-fpm.service/cgroup.procs'), `${master}\n${master + 1}\n`);
          expect(run()).toEqual({ status: 1, output: `php8.2-fpm.service has no running master in ${pidFile}\n` });
          fs.mkdirSync(path.dirname(pidFile), { recursive: true });
          fs.writeFileSync(pidFile, '99\n'); // a master that is not this unit's
          expect(run().status).toBe(1);
          fs.writeFileSync(pidFile, String(master)); // as php-fpm writes it: no newline
          expect(run()).toEqual({ status: 0, output: '' });
          // The drop-in changed after the master started (setup not run to the end): not restarted yet.
          const now = Date.now() / 1000;
          fs.utimesSync(pidFile, now - 60, now - 60);
          expect(run()).toEqual({ status: 1, output: `php8.2-fpm.service has not been restarted since ${dropin} changed\n` });
          fs.utimesSync(pidFile, now + 1, now + 1);
          const text = fs.readFileSync(dropin, 'utf8');
          fs.writeFileSync(dropin, text.replace('USE_ZEND_DTRACE=1', 'USE_ZEND_DTRACE=0'));
          expect(run()).toEqual({ status: 1, output: `${dropin} does not set USE_ZEND_DTRACE=1\n` });
          fs.writeFileSync(dropin, text);
        } finally {
          fs.rmSync(cgroups, { recursive: true });
          fs.rmSync(installed('run'), { recursive: true, force: true });
        }
      });

      it('--sapi cli switches back cleanly: php-fpm and Apache stopped, their files gone, php -S serving, the objects rebuilt for the CLI', () => {
        const mark = vm.calls().length;
        const cli = vm.run(['--sapi', 'cli'], BY_SAPI);
        expect(cli.status, cli.output).toBe(0);
        expect(cli.output).toMatch(/^PHP SAPI: cli \(was fpm\)/m);
        for (const step of ['php', 'app', 'build', 'exporter']) expect(cli.output).toMatch(stepLine(step, 'done \\(\\d+ s\\)$'));
        expect(cli.output).toContain('stopped php8.2-fpm (it served the sample under another SAPI)');
        expect(cli.output).toContain('stopped apache2 (it served the sample under another SAPI)');
        expect(callsSince(mark)).toEqual(
          expect.arrayContaining([
            'a2dissite -q php-sample',
            'systemctl disable --now php8.2-fpm',
            'systemctl disable --now apache2',
            'systemctl enable --now php-sample',
            'systemctl restart ebpf_exporter',
          ]),
        );
        for (const gone of [
          'etc/php/8.2/fpm/pool.d/php-sample.conf',
          'etc/systemd/system/php8.2-fpm.service.d/php-ebpf.conf',
          'etc/apache2/sites-available/php-sample.conf',
          'etc/apache2/sites-enabled/php-sample.conf',
        ])
          expect(fs.existsSync(installed(gone)), gone).toBe(false);
        expect(state('sapi')).toBe('cli');
        expect(state('php-binary')).toBe('/usr/bin/php8.2');
        expect(state('php-service')).toBe('php-sample.service');
        expect(objectsFor('/usr/bin/php8.2')).toBe(true);
      });

      it('--sapi apache: mod_php under mpm_prefork, USE_ZEND_DTRACE=1 in apache2.service, php -S stopped, the objects built for libphp8.2.so', () => {
        const mark = vm.calls().length;
        const apache = vm.run(['--sapi=apache'], BY_SAPI);
        expect(apache.status, apache.output).toBe(0);
        expect(apache.output).toContain('stopped php-sample (it served the sample under another SAPI)');
        expect(callsSince(mark)).toEqual(
          expect.arrayContaining([
            'systemctl disable --now php-sample',
            'a2enmod -q mpm_prefork php8.2',
            'a2ensite -q php-sample',
            'systemctl enable --now apache2',
            'systemctl restart apache2',
          ]),
        );
        expect(callsSince(mark)).not.toContain('systemctl enable --now php8.2-fpm');
        expect(fs.existsSync(installed('etc/systemd/system/php-sample.service'))).toBe(false);
        expect(fs.readFileSync(installed('etc/systemd/system/apache2.service.d/php-ebpf.conf'), 'utf8')).toContain('Environment=USE_ZEND_DTRACE=1');
        expect(state('php-binary')).toBe(MOD_PHP);
        expect(state('php-service')).toBe('apache2.service');
        expect(objectsFor(MOD_PHP)).toBe(true);
        const again = vm.run([], BY_SAPI);
        for (const step of STEPS) expect(again.output).toMatch(stepLine(step, 'already done$'));
      });
    });

    it("the pool and the site pass the real servers' own config tests (php-fpm8.2 -t, apache2 -t with each SAPI's modules)", () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-sapi-configs-'));
      // The pool as php-fpm's main config includes it, with a socket here; php-fpm reads env[]'s $VAR at start.
      fs.writeFileSync(
        path.join(dir, 'pool.conf'),
        fs.readFileSync(path.join(REPO, 'bpf/php-fpm/php-sample.conf'), 'utf8').replace('/run/php/php-sample.sock', path.join(dir, 'sock')),
      );
      fs.writeFileSync(path.join(dir, 'fpm.conf'), `[global]\npid = ${dir}/fpm.pid\nerror_log = ${dir}/fpm.log\ninclude = ${dir}/pool.conf\n`);
      const fpm = spawnSync(FPM, ['-t', '-y', path.join(dir, 'fpm.conf')], { encoding: 'utf8', env: { ...process.env, USE_ZEND_DTRACE: '1' } });
      expect(fpm.status, fpm.stderr).toBe(0);
      expect(fpm.stderr).toContain('test is successful');
      for (const [sapi, modules] of [
        ['fpm', ['mpm_event', 'proxy', 'proxy_fcgi']],
        ['apache', ['mpm_prefork']],
      ] as const) {
        const load = [...modules, 'authz_core', 'alias'].map((m) => `LoadModule ${m}_module modules/mod_${m}.so`);
        if (sapi === 'apache') load.push(`LoadModule php_module ${MOD_PHP}`);
        const conf = path.join(dir, `${sapi}.conf`);
        fs.writeFileSync(
          conf,
          [`ServerRoot /usr/lib/apache2`, `DefaultRuntimeDir ${dir}`, `PidFile ${dir}/${sapi}.pid`, `ErrorLog ${dir}/${sapi}.log`, ...load]
            .concat(`Include ${path.join(REPO, 'bpf/apache/php-sample.conf')}`)
            .join('\n'),
        );
        const apache = spawnSync('/usr/sbin/apache2', ['-t', '-f', conf], { encoding: 'utf8' });
        expect(apache.status, `${sapi}: ${apache.stderr}`).toBe(0);
        expect(apache.stderr, sapi).toContain('Syntax OK');
      }
      fs.rmSync(dir, { recursive: true });
    });

    it('the packages step installs what the SAPI needs: php-fpm and apache2, or libapache2-mod-php and apache2', () => {
      const vm = machine();
      fs.mkdirSync(path.join(vm.root, 'var/lib/php-ebpf'), { recursive: true }); // as setup makes it before starting a step's unit
      for (const [sapi, extra] of [
        ['cli', ''],
        ['fpm', ' php-fpm apache2'],
        ['apache', ' libapache2-mod-php apache2'],
      ]) {
        const mark = vm.calls().length;
        const step = vm.run(['--step', 'packages', '--sapi', sapi], BY_SAPI);
        expect(step.status, step.output).toBe(0);
        const install = vm
          .calls()
          .slice(mark)
          .find((c) => c.includes(' install -y '));
        expect(install, sapi).toMatch(new RegExp(`php-cli prometheus curl ca-certificates bpftool${extra}$`));
      }
    });

    it('a SAPI that is none of cli, fpm, apache is refused before anything runs, given or remembered', () => {
      const vm = machine();
      const given = vm.run(['--sapi', 'nginx'], BY_SAPI);
      expect(given.status).toBe(2);
      expect(given.output).toContain('--sapi nginx: not one of cli, fpm, apache');
      expect(vm.run(['--sapi'], BY_SAPI)).toEqual({ status: 2, output: expect.stringContaining('usage: ') });
      fs.mkdirSync(path.join(vm.root, 'var/lib/php-ebpf'), { recursive: true });
      fs.writeFileSync(path.join(vm.root, 'var/lib/php-ebpf/sapi'), 'cgi\n');
      const remembered = vm.run([], BY_SAPI);
      expect(remembered.status).toBe(2);
      expect(remembered.output).toContain("var/lib/php-ebpf/sapi says 'cgi', not one of cli, fpm, apache: run setup with --sapi");
      expect(vm.calls()).toEqual([]);
    });
  },
);
