import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkshopFile } from '../../server/src/workshops/workshop.loader';
import { isSshCheck } from '../../server/src/workshops/workshop.schema';

/**
 * bpf/setup.sh run for real into a temporary root (KIT_ROOT): real readelf on Debian's php8.2, the
 * real BPF build (make, clang, bpftool) run detached, real promtool, real files written. STAND-INS,
 * because systemd is not init here and tests must not touch the network or this machine's packages:
 * `systemctl` and `systemd-run` (which here start the command with setsid, detached from the
 * script), `apt-get` and the download command (which serves a fake ebpf_exporter release from a
 * local folder). Each stand-in logs its calls.
 */
const REPO = path.resolve(__dirname, '../..');
const SETUP = path.join(REPO, 'bpf/setup.sh');
const canBuild = process.getuid?.() === 0 && fs.existsSync('/sys/kernel/btf/vmlinux') && fs.existsSync('/usr/bin/php8.2');

interface Machine {
  root: string;
  fakes: string;
  calls: () => string[];
  run: (args?: string[], env?: Record<string, string>) => { status: number; output: string };
}

function script(file: string, body: string): void {
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
}

function machine(): Machine {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-setup-root-'));
  const fakes = fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-setup-fakes-'));
  fs.mkdirSync(path.join(fakes, 'active'));
  fs.mkdirSync(path.join(fakes, 'release'));
  const log = path.join(fakes, 'calls');
  fs.writeFileSync(log, '');
  script(path.join(fakes, 'apt-get'), `echo "apt-get $*" >> ${log}`);
  script(
    path.join(fakes, 'systemctl'),
    `echo "systemctl $*" >> ${log}
case "$1" in
  is-active) [ "$2" = --quiet ] && shift; test -e "${fakes}/active/$2" ;;
  enable) [ "$2" = --now ] && touch "${fakes}/active/$3" ;;
  start|restart) touch "${fakes}/active/$2" ;;
esac`,
  );
  script(
    path.join(fakes, 'systemd-run'),
    `echo "systemd-run $*" >> ${log}
while [ "\${1#--}" != "$1" ]; do shift; done
setsid "$@" > "${fakes}/bpf-build.journal" 2>&1 < /dev/null &`,
  );
  script(
    path.join(fakes, 'download'),
    `echo "download $2" >> ${log}
name=$(basename "$2")
[ -f "${fakes}/release/$name" ] || { echo "curl: (22) The requested URL returned error: 404" >&2; exit 22; }
cp "${fakes}/release/$name" "$1"`,
  );
  // The pinned release as the stand-in download serves it: a binary and the release's checksums.
  const asset = `ebpf_exporter.${os.arch() === 'arm64' ? 'aarch64' : 'x86_64'}`;
  script(path.join(fakes, 'release', asset), 'echo "ebpf_exporter, version 2.5.1 (stand-in)"');
  const sha = crypto
    .createHash('sha256')
    .update(fs.readFileSync(path.join(fakes, 'release', asset)))
    .digest('hex');
  fs.writeFileSync(path.join(fakes, 'release', 'sha256sums.txt'), `${sha}  ${asset}\n0000  ebpf_exporter.other\n`);
  fs.writeFileSync(path.join(fakes, 'release', 'gpg.key'), '-----BEGIN PGP PUBLIC KEY BLOCK----- (stand-in)\n');
  return {
    root,
    fakes,
    calls: () => fs.readFileSync(log, 'utf8').split('\n').filter(Boolean),
    run: (args = [], env = {}) => {
      const result = spawnSync('sh', [SETUP, ...args], {
        encoding: 'utf8',
        timeout: 120_000,
        env: {
          PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
          KIT_ROOT: root,
          APT_GET: path.join(fakes, 'apt-get'),
          SYSTEMCTL: path.join(fakes, 'systemctl'),
          SYSTEMD_RUN: path.join(fakes, 'systemd-run'),
          DOWNLOAD: path.join(fakes, 'download'),
          PHP_BINARY: '/usr/bin/php8.2',
          ...env,
        },
      });
      return { status: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
    },
  };
}

const STEPS = ['packages', 'php', 'app', 'build', 'exporter', 'prometheus', 'grafana'];

describe.skipIf(!canBuild)('bpf/setup.sh on a temporary root (needs root, BTF and php8.2 for the real build)', () => {
  it('sets everything up in order, with the BPF build detached, and the workshop checks find what it wrote', () => {
    const vm = machine();
    const { status, output } = vm.run();
    expect(status, output).toBe(0);
    // Progress per step: this machine already has the packages.
    expect(output).toMatch(/^\[1\/7\] packages: already done$/m);
    for (const [i, step] of STEPS.slice(1).entries()) expect(output).toMatch(new RegExp(`^\\[${i + 2}/7\\] ${step}: done \\(\\d+ s\\)$`, 'm'));

    const state = path.join(vm.root, 'var/lib/php-ebpf');
    expect(fs.readFileSync(path.join(state, 'php-binary'), 'utf8').trim()).toBe('/usr/bin/php8.2');
    expect(fs.readFileSync(path.join(state, 'build.status'), 'utf8')).toMatch(/^done in \d+s for \/usr\/bin\/php8\.2\n$/);
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
    // The build ran through systemd-run, not in the script's own session.
    expect(vm.calls().filter((c) => c.startsWith('systemd-run'))).toEqual([
      expect.stringMatching(/^systemd-run --unit=bpf-build --collect .* sh .*build\.sh /),
    ]);

    const installed = (file: string) => fs.readFileSync(path.join(vm.root, file), 'utf8');
    expect(installed('etc/systemd/system/ebpf_exporter.service')).toBe(fs.readFileSync(path.join(REPO, 'bpf/systemd/ebpf_exporter.service'), 'utf8'));
    expect(installed('etc/prometheus/prometheus.yml')).toContain('job_name: ebpf');
    expect(installed('var/lib/grafana/dashboards/php-ebpf/php-ebpf.json')).toContain('"uid": "php-ebpf"');
    expect(installed('etc/grafana/provisioning/datasources/php-ebpf.yaml')).toContain('uid: prometheus');
    expect(installed('etc/systemd/system/grafana-server.service.d/php-ebpf.conf')).toContain('GF_SERVER_HTTP_ADDR=127.0.0.1');
    expect(installed('opt/php-ebpf/php-sample/src/Orders.php')).toContain('final class OrderRepository');
    expect(fs.statSync(path.join(vm.root, 'usr/local/bin/ebpf_exporter')).mode & 0o777).toBe(0o755);
    expect(execFileSync(path.join(vm.root, 'usr/local/bin/ebpf_exporter'), { encoding: 'utf8' })).toContain('2.5.1');
    expect(vm.calls()).toEqual(
      expect.arrayContaining([
        'systemctl enable --now php-sample',
        'systemctl enable --now ebpf_exporter',
        'systemctl enable --now prometheus',
        'systemctl enable --now grafana-server',
        'apt-get install -y grafana=11.6.0',
      ]),
    );

    // Every file the workshop's ssh checks read is one the setup wrote (or the trace helper writes).
    const workshop = loadWorkshopFile(path.join(REPO, 'checks/ebpf-php.yaml')).definition;
    const paths = workshop.steps
      .flatMap((s) => s.checks)
      .flatMap((c) => (c.kind === 'ssh' ? [...c.ssh.run.matchAll(/\/(?:var\/lib|opt)\/php-ebpf\/[\w./-]+/g)].map((m) => m[0]) : []));
    expect(paths.length).toBeGreaterThan(2);
    for (const file of paths.filter((p) => !p.endsWith('bpftrace.done'))) expect(fs.existsSync(path.join(vm.root, file)), file).toBe(true);
    for (const object of ['php_requests.bpf.o', 'php_calls.bpf.o', 'php_files.bpf.o']) {
      expect(workshop.steps.flatMap((s) => s.checks).some((c) => c.kind === 'ssh' && c.ssh.run.includes(object))).toBe(true);
    }
  });

  it('run again, every step is already done and nothing is installed, built or downloaded twice', () => {
    const vm = machine();
    expect(vm.run().status).toBe(0);
    const before = vm.calls().length;
    const again = vm.run();
    expect(again.status, again.output).toBe(0);
    for (const [i, step] of STEPS.entries()) expect(again.output).toMatch(new RegExp(`^\\[${i + 1}/7\\] ${step}: already done$`, 'm'));
    // Only is-active probes: no apt-get, no download, no systemd-run, no restart.
    expect(
      vm
        .calls()
        .slice(before)
        .filter((c) => !c.startsWith('systemctl is-active')),
    ).toEqual([]);
  });

  it('a failed step stops the run, says which step and why; the next run resumes at that step', () => {
    const vm = machine();
    // The release's checksums do not match the binary: nothing is installed.
    const sums = path.join(vm.fakes, 'release/sha256sums.txt');
    const good = fs.readFileSync(sums, 'utf8');
    fs.writeFileSync(sums, good.replace(/^[0-9a-f]{64}/, 'f'.repeat(64)));
    const failed = vm.run();
    expect(failed.status).toBe(1);
    expect(failed.output).toMatch(/sha256 [0-9a-f]{64} does not match the release's sha256sums\.txt/);
    expect(failed.output).toMatch(/^\[5\/7\] exporter: FAILED\. Fix what is said above and run .* again: it resumes at this step\.$/m);
    expect(failed.output).not.toMatch(/prometheus: /);
    expect(fs.existsSync(path.join(vm.root, 'usr/local/bin/ebpf_exporter'))).toBe(false);

    fs.writeFileSync(sums, good);
    const resumed = vm.run();
    expect(resumed.status, resumed.output).toBe(0);
    for (const step of ['packages', 'php', 'app', 'build']) expect(resumed.output).toMatch(new RegExp(`\\] ${step}: already done$`, 'm'));
    expect(resumed.output).toMatch(/^\[5\/7\] exporter: done/m);
    expect(resumed.output).toMatch(/^\[7\/7\] grafana: done/m);
    expect(vm.calls().filter((c) => c.startsWith('systemd-run'))).toHaveLength(1);
  });

  it('--check and --dry-run report without changing anything', () => {
    const vm = machine();
    const check = vm.run(['--check']);
    expect(check.status).toBe(1);
    expect(check.output).toMatch(/^\[2\/7\] php: NOT DONE$/m);
    expect(check.output).toMatch(/^6 of 7 steps not done: run sudo /m);
    const dry = vm.run(['--dry-run']);
    expect(dry.status, dry.output).toBe(0);
    expect(dry.output).toMatch(/would run: .*systemd-run --unit=bpf-build/);
    expect(dry.output).toMatch(/would run: .*apt-get install -y grafana=11\.6\.0/);
    expect(fs.readdirSync(vm.root)).toEqual([]);
    expect(vm.calls().filter((c) => !c.startsWith('systemctl is-active'))).toEqual([]);
  });

  it('a PHP without USDT probes is refused with what to do', () => {
    const vm = machine();
    const { status, output } = vm.run([], { PHP_BINARY: '/bin/true' });
    expect(status).toBe(1);
    expect(output).toContain('/usr/bin/true has no USDT probes (provider php)');
    expect(output).toMatch(/^\[2\/7\] php: FAILED/m);
    expect(fs.existsSync(path.join(vm.root, 'var/lib/php-ebpf/php-binary'))).toBe(false);
  });

  it('the unit checks read what systemd keeps (unit files, cgroups) without starting systemctl on the VM', () => {
    const vm = machine();
    expect(vm.run().status).toBe(0);
    const checks = loadWorkshopFile(path.join(REPO, 'checks/ebpf-php.yaml'))
      .definition.steps.flatMap((s) => s.checks)
      .filter(isSshCheck);
    for (const check of checks) expect(check.ssh.run, check.id).not.toMatch(/\bsystemctl\b/);
    // The check commands, with systemd's directories moved under this test's roots.
    const cgroups = fs.mkdtempSync(path.join(os.tmpdir(), 'navt-cgroup-'));
    const run = (id: string) => {
      const command = checks
        .find((c) => c.id === id)!
        .ssh.run.replaceAll('/etc/systemd/system/', `${vm.root}/etc/systemd/system/`)
        .replaceAll('/sys/fs/cgroup/', `${cgroups}/`);
      return spawnSync('sh', ['-c', command], { stdio: 'ignore' }).status;
    };

    // The unit setup installed sets USE_ZEND_DTRACE=1; without the line (or with it in a drop-in) the check follows.
    expect(run('php-dtrace-enabled')).toBe(0);
    const unit = path.join(vm.root, 'etc/systemd/system/php-sample.service');
    const original = fs.readFileSync(unit, 'utf8');
    fs.writeFileSync(unit, original.replace(/^Environment=USE_ZEND_DTRACE=1\n/m, ''));
    expect(run('php-dtrace-enabled')).not.toBe(0);
    fs.mkdirSync(`${unit}.d`);
    fs.writeFileSync(`${unit}.d/dtrace.conf`, '[Service]\nEnvironment=USE_ZEND_DTRACE=1\n');
    expect(run('php-dtrace-enabled')).toBe(0);

    // ebpf_exporter runs while its cgroup lists a process: cgroup v2's path, then v1's.
    expect(run('exporter-service-active')).not.toBe(0);
    const v2 = path.join(cgroups, 'system.slice/ebpf_exporter.service');
    fs.mkdirSync(v2, { recursive: true });
    fs.writeFileSync(path.join(v2, 'cgroup.procs'), '');
    expect(run('exporter-service-active')).not.toBe(0);
    fs.writeFileSync(path.join(v2, 'cgroup.procs'), '4242\n4243\n');
    expect(run('exporter-service-active')).toBe(0);
    fs.rmSync(path.join(cgroups, 'system.slice'), { recursive: true });
    const v1 = path.join(cgroups, 'systemd/system.slice/ebpf_exporter.service');
    fs.mkdirSync(v1, { recursive: true });
    fs.writeFileSync(path.join(v1, 'cgroup.procs'), '4242\n');
    expect(run('exporter-service-active')).toBe(0);
    fs.rmSync(cgroups, { recursive: true });
  });
});
