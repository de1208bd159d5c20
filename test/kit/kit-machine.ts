import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LIBBPF, pinnedLibbpf, readKitLock, sha256Of } from './pinned-libbpf';

/**
 * bpf/setup.sh run for real into a temporary root (KIT_ROOT) from a copy of the kit: real readelf on
 * Debian's php8.2, the real libbpf release bpf/kit.lock pins (the tarball test/setup-machine.sh
 * caches), the real BPF build (make, clang, bpftool) run detached, real promtool, real files written.
 * STAND-INS, because systemd is not init here and tests must not touch the network or this machine's
 * packages: `systemctl`, `systemd-run` (which here starts the command with setsid, detached from the
 * script, with only the environment it was given, as a transient unit has), `journalctl` (which follows
 * what that command printed), `apt-get`, and the download command, which serves files by URL from a local folder: the
 * cached libbpf tarball at its Debian URL, and stand-ins for the ebpf_exporter binary and the Grafana
 * package (which cannot be downloaded here) at theirs. The kit copy's lock pins those stand-ins'
 * sha256 in place of the real lock's `-`. Each stand-in logs its calls.
 */
export const REPO = path.resolve(__dirname, '../..');
export const libbpf = pinnedLibbpf();
export const canBuild = process.getuid?.() === 0 && fs.existsSync('/sys/kernel/btf/vmlinux') && fs.existsSync('/usr/bin/php8.2') && libbpf.tarball !== null;
const ARCH = os.arch() === 'arm64' ? 'aarch64' : 'x86_64';
export const EXPORTER = `ebpf_exporter-2.5.1.${ARCH}`;
export const GRAFANA = `grafana_11.6.0_${ARCH === 'aarch64' ? 'arm64' : 'amd64'}.deb`;
export const MIRROR = 'http://navigator.test/kit/artefacts';
export const STEPS = ['packages', 'libbpf', 'php', 'app', 'build', 'exporter', 'prometheus', 'grafana'];
const PINNED_LOCK = fs.readFileSync(path.join(REPO, 'bpf/kit.lock'), 'utf8');

export interface Machine {
  kit: string;
  root: string;
  fakes: string;
  calls: () => string[];
  /** What the stand-in download answers for this URL (null: a 404). */
  serve: (url: string, content: Buffer | string | null) => void;
  /** The kit copy's bpf/kit.lock, with the stand-ins pinned (`pinned`) or as the repository has it (`repository`). */
  useLock: (which: 'pinned' | 'repository') => void;
  run: (args?: string[], env?: Record<string, string>) => { status: number; output: string };
  /** The same, without waiting: output as it comes, the exit, and a dropped session (setup and all it runs in it killed). */
  start: (args?: string[], env?: Record<string, string>) => { output: () => string; exited: Promise<number>; drop: () => void };
  /** The systemd-run calls that started this unit. */
  started: (unit: string) => string[];
}

export function script(file: string, body: string): void {
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
}

/** The name a URL is served under in the stand-in download's folder. */
export const servedName = (url: string) => url.replace(/[^A-Za-z0-9._-]/g, '_');

export function machine(): Machine {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-setup-root-'));
  const fakes = fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-setup-fakes-'));
  const kit = fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-setup-kit-'));
  // The kit as attendees get it: bpf/ and php-sample/, without anything built here.
  const built = /\.bpf\.o$|\/vmlinux\.h$|\/\.php-binary$|\/\.libbpf-include$|\/kit\.source$/;
  for (const dir of ['bpf', 'php-sample']) fs.cpSync(path.join(REPO, dir), path.join(kit, dir), { recursive: true, filter: (source) => !built.test(source) });
  fs.mkdirSync(path.join(fakes, 'active'));
  fs.mkdirSync(path.join(fakes, 'served'));
  fs.mkdirSync(path.join(fakes, 'hold'));
  const log = path.join(fakes, 'calls');
  fs.writeFileSync(log, '');
  script(path.join(fakes, 'apt-get'), `echo "apt-get $*" >> ${log}`);
  script(
    path.join(fakes, 'systemctl'),
    `echo "systemctl $*" >> ${log}
case "$1" in
  is-active) [ "$2" = --quiet ] && shift; test -e "${fakes}/active/$2" ;;
  enable) [ "$2" = --now ] && touch "${fakes}/active/$3" ;;
  disable) [ "$2" = --now ] && rm -f "${fakes}/active/$3" ;;
  start|restart) touch "${fakes}/active/$2" ;;
esac`,
  );
  // Debian's Apache tools (--sapi fpm and apache), on PATH: a2ensite and a2dissite link the site as the real ones do.
  fs.mkdirSync(path.join(fakes, 'bin'));
  for (const tool of ['a2enmod', 'a2dismod']) script(path.join(fakes, 'bin', tool), `echo "${tool} $*" >> ${log}`);
  const enabledSite = path.join(root, 'etc/apache2/sites-enabled/php-sample.conf');
  script(
    path.join(fakes, 'bin', 'a2ensite'),
    `echo "a2ensite $*" >> ${log}\nmkdir -p "${path.dirname(enabledSite)}" && ln -sfn ../sites-available/php-sample.conf "${enabledSite}"`,
  );
  script(path.join(fakes, 'bin', 'a2dissite'), `echo "a2dissite $*" >> ${log}\nrm -f "${enabledSite}"`);
  script(
    path.join(fakes, 'systemd-run'),
    `echo "systemd-run $*" >> ${log}
unit='' given=''
while [ "\${1#--}" != "$1" ]; do
  case $1 in
    --unit=*) unit=\${1#--unit=} ;;
    --setenv=*) export "\${1#--setenv=}"; given="$given \${1#--setenv=}" ;;
  esac
  shift
done
# Only what --setenv gave, as a unit started by systemd.
for name in $(env | sed -n 's/^\\([A-Za-z_][A-Za-z0-9_]*\\)=.*/\\1/p'); do
  case " $given " in *" $name="*) ;; *) unset "$name" 2> /dev/null ;; esac
done
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
touch "${fakes}/active/$unit"
setsid sh -c '"$@"; rm -f "${fakes}/active/'"$unit"'"' sh "$@" > "${fakes}/$unit.journal" 2>&1 < /dev/null &`,
  );
  script(
    path.join(fakes, 'journalctl'),
    `echo "journalctl $*" >> ${log}
for option; do case $option in --unit=*) unit=\${option#--unit=} ;; esac; done
exec tail -n +1 -F -s 0.1 "${fakes}/$unit.journal"`,
  );
  script(
    path.join(fakes, 'download'),
    `echo "download $2" >> ${log}
# Held while the test says so (a slow download).
while [ -e "${fakes}/hold/$(printf '%s' "$2" | tr -c 'A-Za-z0-9._-' '_')" ]; do sleep 0.1; done
served="${fakes}/served/$(printf '%s' "$2" | tr -c 'A-Za-z0-9._-' '_')"
[ -f "$served" ] || { echo "curl: (22) The requested URL returned error: 404" >&2; exit 22; }
cp "$served" "$1"`,
  );
  const serve = (url: string, content: Buffer | string | null) => {
    const file = path.join(fakes, 'served', servedName(url));
    if (content === null) fs.rmSync(file, { force: true });
    else fs.writeFileSync(file, content);
  };
  const urlOf = (name: string) => readKitLock().find((entry) => entry.name === name)!.urls[0];
  // Upstream, as the lock names it: the real libbpf release, and the two STAND-INS.
  serve(urlOf(LIBBPF.name), fs.readFileSync(libbpf.tarball ?? '/dev/null'));
  serve(urlOf(EXPORTER), '#!/bin/sh\necho "ebpf_exporter, version 2.5.1 (stand-in)"\n');
  serve(urlOf(GRAFANA), 'grafana 11.6.0 package (stand-in)\n');
  const standInSha = (name: string) => sha256Of(path.join(fakes, 'served', servedName(urlOf(name))));
  const pinned = PINNED_LOCK.split('\n')
    .map((line) => {
      const [name] = line.split(/\s+/);
      return name === EXPORTER || name === GRAFANA ? line.replace(/^(\S+)\s+-\s/, `$1 ${standInSha(name)} `) : line;
    })
    .join('\n');
  const useLock = (which: 'pinned' | 'repository') => fs.writeFileSync(path.join(kit, 'bpf/kit.lock'), which === 'pinned' ? pinned : PINNED_LOCK);
  useLock('pinned');
  const env = (extra: Record<string, string>) => ({
    PATH: `${fakes}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
    KIT_ROOT: root,
    APT_GET: path.join(fakes, 'apt-get'),
    SYSTEMCTL: path.join(fakes, 'systemctl'),
    SYSTEMD_RUN: path.join(fakes, 'systemd-run'),
    JOURNALCTL: path.join(fakes, 'journalctl'),
    DOWNLOAD: path.join(fakes, 'download'),
    PHP_BINARY: '/usr/bin/php8.2',
    ...extra,
  });
  const setup = path.join(kit, 'bpf/setup.sh');
  return {
    kit,
    root,
    fakes,
    serve,
    useLock,
    calls: () => fs.readFileSync(log, 'utf8').split('\n').filter(Boolean),
    run: (args = [], extra = {}) => {
      const result = spawnSync('sh', [setup, ...args], { encoding: 'utf8', timeout: 240_000, env: env(extra) });
      return { status: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
    },
    start: (args = [], extra = {}) => {
      // Its own process group, as an SSH session's.
      const child = spawn('sh', [setup, ...args], { env: env(extra), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      return {
        output: () => output,
        exited: new Promise((resolve) => child.once('exit', (code) => resolve(code ?? -1))),
        drop: () => process.kill(-child.pid!, 'SIGKILL'),
      };
    },
    started: (unit: string) =>
      fs
        .readFileSync(log, 'utf8')
        .split('\n')
        .filter((c) => c.startsWith(`systemd-run --unit=${unit} `)),
  };
}

export const stepLine = (step: string, what: string) => new RegExp(`^\\[${STEPS.indexOf(step) + 1}/${STEPS.length}\\] ${step}: ${what}`, 'm');
