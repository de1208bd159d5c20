#!/bin/sh
# Sets up an attendee's VM (Ubuntu 22.04 / 24.04, Debian 12) for the eBPF-for-PHP workshop:
# packages, the PHP sample with tracing on, the BPF build, ebpf_exporter, Prometheus and Grafana,
# all as systemd units, nothing to click. Safe to run again: a step already done is skipped, so a
# run that stopped (a dropped SSH session, a failed download) resumes where it stopped.
#
#   sudo ./bpf/setup.sh            set up, printing progress per step
#   sudo ./bpf/setup.sh --sapi fpm the same, the sample served by another PHP SAPI (cli, fpm or apache)
#   sudo ./bpf/setup.sh --check    say which steps are done; change nothing (exit 1 if any is not)
#   sudo ./bpf/setup.sh --dry-run  print what would be done; change nothing
#
# --sapi picks the PHP that serves the sample on 127.0.0.1:8000 and that the BPF programs and trace.sh follow:
#   cli     php -S, as the php-sample unit (the default)
#   fpm     php-fpm's php-sample pool (php8.x-fpm.service), behind Apache (mpm_event, proxy_fcgi)
#   apache  mod_php in Apache (apache2.service, mpm_prefork)
# The choice is remembered (/var/lib/php-ebpf/sapi): a run without --sapi keeps it; another --sapi switches,
# stopping the server the previous one used. USE_ZEND_DTRACE=1 goes where PHP reads it: the environment of the
# service's processes (the unit itself, or a drop-in for php8.x-fpm.service or apache2.service).
#
# The long steps run detached, each as a transient unit (the BPF build as bpf-build, writing
# /var/lib/php-ebpf/build.status; packages, libbpf, exporter and grafana as php-ebpf-<step>), and setup
# follows their journal: a dropped SSH session stops none of them, and running setup again follows a
# step still running instead of starting it twice. Every download (libbpf's headers, ebpf_exporter, Grafana) is
# an artefact of bpf/kit.lock, taken from the workshop's Navigator when the kit came from there
# (bpf/kit.source, or KIT_MIRROR=http://…/kit/artefacts) or else from upstream, and installed only
# when its sha256 is the one the lock pins. Environment: PHP_BINARY=<a php, php-fpm or libphp*.so> traces
# that file instead of the one --sapi implies (a PHP installed elsewhere). For tests, KIT_ROOT prefixes every path written and
# APT_GET, SYSTEMCTL, SYSTEMD_RUN, JOURNALCTL and DOWNLOAD replace the commands of the same role.
set -eu

EBPF_EXPORTER_VERSION=2.5.1 # github.com/cloudflare/ebpf_exporter/releases
GRAFANA_VERSION=11.6.0      # the .deb from dl.grafana.com, installed with apt-get install ./file.deb
LIBBPF_ARTEFACT=libbpf-1.5.0.tar.gz
# The libbpf headers the BPF programs include (usdt.bpf.h is the one Ubuntu 22.04's libbpf-dev lacks).
LIBBPF_HEADERS="bpf_helpers.h bpf_helper_defs.h bpf_tracing.h bpf_core_read.h bpf_endian.h usdt.bpf.h"

KIT=$(cd "$(dirname "$0")/.." && pwd)
LOCK=$KIT/bpf/kit.lock
ROOT=${KIT_ROOT:-}
APT_GET=${APT_GET:-apt-get}
SYSTEMCTL=${SYSTEMCTL:-systemctl}
SYSTEMD_RUN=${SYSTEMD_RUN:-systemd-run}
JOURNALCTL=${JOURNALCTL:-journalctl}
DOWNLOAD=${DOWNLOAD:-curl -fsSL --connect-timeout 10 --retry 3 --retry-delay 2 -o}
BUILD_WAIT_SECONDS=${BUILD_WAIT_SECONDS:-600}
APT_LOCK_WAIT_SECONDS=${APT_LOCK_WAIT_SECONDS:-900}
STATE=$ROOT/var/lib/php-ebpf
OPT=$ROOT/opt/php-ebpf
CACHE=$ROOT/var/cache/php-ebpf
UNITS=$ROOT/etc/systemd/system
LIBBPF_INCLUDE=$OPT/libbpf/include
STEPS="packages libbpf php app build exporter prometheus grafana"
# Run as transient units (the build detaches itself): the ones that download or install.
DETACHED_STEPS="packages libbpf exporter grafana"
MODE=apply
DETACHED_STEP=''
SAPI_GIVEN=''

usage() { echo "usage: $0 [--sapi cli|fpm|apache] [--check | --dry-run]" >&2; exit 2; }
while [ "$#" -gt 0 ]; do
  case $1 in
    --check) MODE=check ;;
    --dry-run) MODE=dry-run ;;
    --step) [ "$#" -ge 2 ] || usage; DETACHED_STEP=$2; shift ;; # what a detached step's unit runs (see run_detached)
    --sapi) [ "$#" -ge 2 ] || usage; SAPI_GIVEN=$2; shift ;;
    --sapi=*) SAPI_GIVEN=${1#--sapi=} ;;
    *) usage ;;
  esac
  shift
done
# The SAPI: the one given, else the one remembered from an earlier run, else the CLI's.
SAPI=${SAPI_GIVEN:-$(cat "$STATE/sapi" 2> /dev/null || true)}
SAPI=${SAPI:-cli}
case $SAPI in
  cli | fpm | apache) ;;
  *)
    if [ -n "$SAPI_GIVEN" ]; then echo "$0: --sapi $SAPI_GIVEN: not one of cli, fpm, apache" >&2; else echo "$0: $STATE/sapi says '$SAPI', not one of cli, fpm, apache: run setup with --sapi" >&2; fi
    exit 2
    ;;
esac
if [ "$MODE" = apply ] && [ -z "$ROOT" ] && [ "$(id -u)" != 0 ]; then
  echo "Run it as root: sudo $0" >&2
  exit 2
fi

say() { printf '%s\n' "$*"; }
# Runs a command, or prints it in --dry-run.
run() { if [ "$MODE" = dry-run ]; then say "    would run: $*"; else "$@"; fi; }
# Copies a file into place only when it differs; returns 0 when it changed something.
install_file() { # mode source destination
  if [ -f "$3" ] && cmp -s "$2" "$3"; then return 1; fi
  run mkdir -p "$(dirname "$3")"
  run install -m "$1" "$2" "$3"
}
same_file() { [ -f "$2" ] && cmp -s "$1" "$2"; }
active() { $SYSTEMCTL is-active --quiet "$1" 2>/dev/null; }
# Shows what a unit prints, from the given time (seconds since the epoch) on, until unfollow.
follow() { # unit [since]
  $JOURNALCTL --follow --output=cat --unit="$1" ${2:+--since=@$2} 2> /dev/null &
  follower=$!
}
unfollow() {
  sleep 0.5 # the journal's last lines reach the follower
  kill "$follower" 2> /dev/null || true
  wait "$follower" 2> /dev/null || true
}
arch() { case "$(uname -m)" in x86_64) echo x86_64 ;; aarch64) echo aarch64 ;; *) echo "unsupported CPU $(uname -m)" >&2; return 1 ;; esac; }
deb_arch() { case "$(arch)" in x86_64) echo amd64 ;; aarch64) echo arm64 ;; esac; }
sha256() { sha256sum "$1" | cut -d' ' -f1; }

# ---- artefacts: pinned by bpf/kit.lock, from the workshop's Navigator first, then upstream ---------------
# The lock's line for an artefact, without its name: "SHA256 URL [URL...]". The lock is parsed, never sourced.
lock_entry() { awk -v name="$1" '$1 == name { $1 = ""; sub(/^[ \t]+/, ""); print; found = 1; exit } END { exit !found }' "$LOCK"; }
pinned_sha256() { lock_entry "$1" | awk '{ print $1 }'; }
# Navigator's artefacts URL: KIT_MIRROR from the environment, else the KIT_MIRROR= line of bpf/kit.source
# (written by Navigator into the kit it serves; read as text, never run).
kit_mirror() {
  mirror=${KIT_MIRROR:-}
  where="KIT_MIRROR in the environment"
  if [ -z "$mirror" ] && [ -f "$KIT/bpf/kit.source" ]; then
    mirror=$(sed -n 's/^KIT_MIRROR=//p' "$KIT/bpf/kit.source" | head -n 1)
    where="the KIT_MIRROR= line of $KIT/bpf/kit.source"
  fi
  case $mirror in
    '') return 0 ;;
    *[!A-Za-z0-9._~:/?#@%+=,-]*) ;;
    http://?* | https://?*) printf '%s\n' "${mirror%/}"; return 0 ;;
  esac
  say "    $where is not an http(s) URL: $mirror" >&2
  return 1
}
# Puts the artefact NAME of bpf/kit.lock at DEST: a file already there with the pinned sha256 is kept;
# otherwise each source in turn (Navigator's, then the lock's URLs) until one gives the pinned file.
fetch_artefact() { # NAME DEST
  name=$1 dest=$2
  entry=$(lock_entry "$name") || { say "    $name is not in bpf/kit.lock"; return 1; }
  set -f # URLs are words, not patterns
  # shellcheck disable=SC2086
  set -- $entry
  set +f
  sha=${1:-}
  shift || true
  case $sha in
    -)
      if [ "$MODE" = dry-run ]; then say "    would refuse $name: not pinned in bpf/kit.lock"; return 0; fi
      say "    $name is not pinned in bpf/kit.lock yet (its sha256 is -), and setup installs nothing unchecked."
      say "    Where there is internet, run npx navigator kit lock in Navigator's directory, then take the kit again from Navigator."
      return 1
      ;;
    *[!0-9a-f]* | '') say "    bpf/kit.lock: $name: '$sha' is not a sha256 (64 hex digits) or -"; return 1 ;;
  esac
  [ "${#sha}" = 64 ] || { say "    bpf/kit.lock: $name: '$sha' is not a sha256 (64 hex digits) or -"; return 1; }
  [ "$#" -gt 0 ] || { say "    bpf/kit.lock: $name has no URL"; return 1; }
  if [ -f "$dest" ] && [ "$(sha256 "$dest")" = "$sha" ]; then
    say "    $name: downloaded before, sha256 verified"
    return 0
  fi
  mirror=$(kit_mirror) || return 1
  if [ -n "$mirror" ]; then set -- "$mirror/$name" "$@"; fi
  if [ "$MODE" = dry-run ]; then say "    would fetch $name (sha256 $sha) from the first of: $*"; return 0; fi
  mkdir -p "$(dirname "$dest")"
  actual=''
  for url in "$@"; do
    rm -f "$dest.part"
    if ! $DOWNLOAD "$dest.part" "$url"; then
      say "    $name: $url failed; trying the next source"
      continue
    fi
    actual=$(sha256 "$dest.part")
    if [ "$actual" = "$sha" ]; then
      mv "$dest.part" "$dest"
      say "    $name: from $url, sha256 verified"
      return 0
    fi
    say "    $name: $url gave sha256 $actual, not the $sha bpf/kit.lock pins; trying the next source"
  done
  rm -f "$dest.part"
  if [ -n "$actual" ]; then
    say "    $name: sha256 $actual does not match $sha, the one bpf/kit.lock pins, from any source; not installed"
  else
    say "    $name: no source could be downloaded (tried: $*); not installed"
  fi
  return 1
}

# ---- apt: waits for another apt (unattended-upgrades on a fresh cloud VM) instead of failing ------------
APT_LOCKS="var/lib/dpkg/lock-frontend var/lib/dpkg/lock var/lib/apt/lists/lock var/cache/apt/archives/lock"
# Whether some process holds one of apt's or dpkg's locks: /proc/locks lists every held lock by inode.
apt_lock_held() {
  for file in $APT_LOCKS; do
    inode=$(stat -c %i "$ROOT/$file" 2> /dev/null) || continue
    grep -q ":$inode " /proc/locks && return 0
  done
  return 1
}
wait_for_apt() {
  [ "$MODE" = apply ] && apt_lock_held || return 0
  say "    waiting for another apt (e.g. unattended-upgrades) to finish: up to ${APT_LOCK_WAIT_SECONDS}s"
  waited=0
  while apt_lock_held; do
    if [ "$waited" -ge "$APT_LOCK_WAIT_SECONDS" ]; then
      say "    another apt still holds its lock after ${APT_LOCK_WAIT_SECONDS}s (ps -C apt,apt-get,dpkg,unattended-upgr says which); run setup again later"
      return 1
    fi
    sleep 2
    waited=$((waited + 2))
  done
  say "    the other apt is done; going on"
}
# apt-get, after waiting for the lock; DPkg::Lock::Timeout covers one taken between the wait and apt.
apt_get() {
  wait_for_apt
  run env DEBIAN_FRONTEND=noninteractive $APT_GET -o DPkg::Lock::Timeout="$APT_LOCK_WAIT_SECONDS" "$@"
}

# ---- packages -------------------------------------------------------------------------------------
bpftool_packages() {
  # A missing file given to . ends sh: the test first (KIT_ROOT in tests has none).
  if [ -f "$ROOT/etc/os-release" ]; then . "$ROOT/etc/os-release"; else . /etc/os-release; fi
  case "${ID:-}" in
    ubuntu) echo "linux-tools-common linux-tools-$(uname -r)" ;;
    *) echo bpftool ;;
  esac
}
# What the BPF build needs is clang (with linux-libc-dev for linux/errno.h), bpftool (vmlinux.h from the
# kernel's BTF) and make; libbpf's headers come pinned (step libbpf), not from the distribution.
done_packages() {
  for command in bpftrace clang make bpftool php readelf curl sha256sum tar prometheus promtool; do
    command -v "$command" > /dev/null 2>&1 || { say "    missing: $command"; return 1; }
  done
  # Ubuntu's bpftool is a wrapper that fails without the running kernel's linux-tools.
  bpftool version > /dev/null 2>&1 || { say "    bpftool does not run for kernel $(uname -r)"; return 1; }
  [ -f /usr/include/linux/errno.h ] || { say "    missing: linux-libc-dev"; return 1; }
  # The SAPI's server: the distribution's default PHP (the php command's version) under it.
  case $SAPI in
    fpm) for file in "/usr/sbin/php-fpm$(php_version)" /usr/sbin/apache2 /usr/lib/apache2/modules/mod_proxy_fcgi.so; do [ -e "$file" ] || { say "    missing: $file"; return 1; }; done ;;
    apache) for file in "/usr/lib/apache2/modules/libphp$(php_version).so" /usr/sbin/apache2; do [ -e "$file" ] || { say "    missing: $file"; return 1; }; done ;;
  esac
}
# The metapackages install the distribution's default PHP for each SAPI, the same version as php-cli's.
sapi_packages() {
  case $SAPI in
    fpm) echo php-fpm apache2 ;;
    apache) echo libapache2-mod-php apache2 ;;
  esac
}
do_packages() {
  wait_for_apt
  run dpkg --configure -a # an install cut off by a dropped session leaves dpkg half-done
  apt_get update
  # shellcheck disable=SC2046
  apt_get install -y --no-install-recommends \
    bpftrace clang linux-libc-dev make binutils php-cli prometheus curl ca-certificates $(bpftool_packages) $(sapi_packages)
}

# ---- libbpf: the BPF-side headers of the libbpf release bpf/kit.lock pins, without libbpf-dev --------------
done_libbpf() {
  [ "$(cat "$STATE/libbpf.sha256" 2> /dev/null)" = "$(pinned_sha256 "$LIBBPF_ARTEFACT")" ] || { say "    not the headers of the $LIBBPF_ARTEFACT bpf/kit.lock pins"; return 1; }
  for header in $LIBBPF_HEADERS; do
    [ -f "$LIBBPF_INCLUDE/bpf/$header" ] || { say "    missing: $LIBBPF_INCLUDE/bpf/$header"; return 1; }
  done
}
do_libbpf() {
  tarball=$CACHE/$LIBBPF_ARTEFACT
  fetch_artefact "$LIBBPF_ARTEFACT" "$tarball"
  if [ "$MODE" != apply ]; then
    say "    would extract $LIBBPF_HEADERS to $LIBBPF_INCLUDE/bpf"
    return 0
  fi
  top=${LIBBPF_ARTEFACT%.tar.gz} # libbpf-1.5.0/ in Debian's orig tarball and in GitHub's tag archive
  work=$CACHE/libbpf-headers
  rm -rf "$work"
  mkdir -p "$work" "$LIBBPF_INCLUDE/bpf" "$STATE"
  members=''
  for header in $LIBBPF_HEADERS; do members="$members $top/src/$header"; done
  # shellcheck disable=SC2086
  tar -xzf "$tarball" -C "$work" $members
  for header in $LIBBPF_HEADERS; do install -m 0644 "$work/$top/src/$header" "$LIBBPF_INCLUDE/bpf/$header"; done
  rm -rf "$work"
  pinned_sha256 "$LIBBPF_ARTEFACT" > "$STATE/libbpf.sha256"
  say "    ${top}'s BPF headers in $LIBBPF_INCLUDE/bpf"
}

# ---- php: the binary with PHP's probes, recorded so checks and the build need not search -----------
# The version of the php command (8.2 on Debian 12, 8.1 on Ubuntu 22.04, 8.3 on 24.04): php-fpm and mod_php are the same.
# From the file the alternatives link names (/usr/bin/php8.2), not by running PHP: each run of the CLI would be a
# request to the probes the exporter counts.
php_version() {
  php=$(readlink -f "$(command -v php)" 2> /dev/null) || return 0
  case ${php##*/} in
    php[0-9]*.[0-9]*) echo "${php##*/php}" ;;
    *) php -r 'echo PHP_MAJOR_VERSION, ".", PHP_MINOR_VERSION;' 2> /dev/null || true ;;
  esac
}
# The file whose probes fire in the processes that serve the sample: the CLI, php-fpm, or mod_php's library.
sapi_binary() {
  case $SAPI in
    cli) command -v php ;;
    fpm) echo "/usr/sbin/php-fpm$(php_version)" ;;
    apache) echo "/usr/lib/apache2/modules/libphp$(php_version).so" ;;
  esac
}
php_binary() { readlink -f "${PHP_BINARY:-$(sapi_binary)}"; }
# The binary as the kernel knows it (uprobes attach to an inode): a PHP upgrade replaces the file, even
# at the same path, and the app and the exporter must then be restarted on the new one.
php_identity() {
  binary=$(php_binary)
  printf '%s %s\n' "$binary" "$(stat -L -c '%i %Y' "$binary" 2> /dev/null)"
}
# Something recorded first: without PHP, php_binary and php_identity print nothing (set -e ends their subshells),
# which equals a record that is not there either.
done_php() {
  [ -s "$STATE/php-binary" ] && [ "$(cat "$STATE/php-binary" 2> /dev/null)" = "$(php_binary)" ] &&
    [ "$(cat "$STATE/php-identity" 2> /dev/null)" = "$(php_identity)" ]
}
do_php() {
  binary=$(php_binary)
  readelf -n "$binary" 2>/dev/null | grep -q 'Provider: php' || {
    say "    $binary has no USDT probes (provider php), or is not there. Use Debian's or Ubuntu's PHP packages (setup's packages step installs what --sapi $SAPI needs), or PHP_BINARY=<a php, php-fpm or libphp*.so built with --enable-dtrace>."
    return 1
  }
  run mkdir -p "$STATE"
  if [ "$MODE" = apply ]; then
    echo "$binary" > "$STATE/php-binary"
    php_identity > "$STATE/php-identity"
  fi
  say "    tracing $binary"
}

# ---- app: the PHP sample, served by the SAPI's server on 127.0.0.1:8000 with USE_ZEND_DTRACE=1 --------------
SAMPLE_FILES="public/index.php src/Http.php src/Maths.php src/Orders.php"
APACHE=$ROOT/etc/apache2
SITE=$APACHE/sites-available/php-sample.conf
APACHE_DROPIN=$UNITS/apache2.service.d/php-ebpf.conf
# The pool and php-fpm's drop-in are named by the PHP version: only known once PHP is there.
fpm_pool() { echo "$ROOT/etc/php/$(php_version)/fpm/pool.d/php-sample.conf"; }
fpm_dropin() { echo "$UNITS/php$(php_version)-fpm.service.d/php-ebpf.conf"; }
# The unit whose processes run PHP (checks read their environment; trace.sh their probes), and every unit that serves.
php_service() {
  case $SAPI in
    cli) echo php-sample.service ;;
    fpm) echo "php$(php_version)-fpm.service" ;;
    apache) echo apache2.service ;;
  esac
}
sapi_services() {
  case $SAPI in
    cli) echo php-sample ;;
    fpm) echo "php$(php_version)-fpm apache2" ;;
    apache) echo apache2 ;;
  esac
}
# The kit's file for each place (kit path:installed path), for this SAPI.
sapi_files() {
  case $SAPI in
    cli) echo "bpf/systemd/php-sample.service:$UNITS/php-sample.service" ;;
    fpm) echo "bpf/php-fpm/php-sample.conf:$(fpm_pool) bpf/systemd/php-ebpf-dtrace.conf:$(fpm_dropin) bpf/apache/php-sample.conf:$SITE" ;;
    apache) echo "bpf/systemd/php-ebpf-dtrace.conf:$APACHE_DROPIN bpf/apache/php-sample.conf:$SITE" ;;
  esac
}
# What another SAPI put in place and this one does not use: the file, and the unit to stop with it.
retired_files() {
  [ "$SAPI" = cli ] || echo "$UNITS/php-sample.service:php-sample"
  [ "$SAPI" = fpm ] || echo "$(fpm_pool):php$(php_version)-fpm $(fpm_dropin):php$(php_version)-fpm"
  [ "$SAPI" = apache ] || echo "$APACHE_DROPIN:apache2"
  [ "$SAPI" != cli ] || echo "$SITE:apache2"
}
done_app() {
  for file in $SAMPLE_FILES; do same_file "$KIT/php-sample/$file" "$OPT/php-sample/$file" || return 1; done
  for pair in $(sapi_files); do same_file "$KIT/${pair%%:*}" "${pair#*:}" || { say "    not in place: ${pair#*:}"; return 1; }; done
  for pair in $(retired_files); do [ ! -e "${pair%%:*}" ] || { say "    still there from another SAPI: ${pair%%:*}"; return 1; }; done
  [ "$SAPI" = cli ] || [ -e "$APACHE/sites-enabled/php-sample.conf" ] || { say "    Apache's php-sample site is not enabled"; return 1; }
  for service in $(sapi_services); do active "$service" || { say "    not running: $service"; return 1; }; done
  [ "$(cat "$STATE/app.sapi" 2> /dev/null)" = "$SAPI" ] &&
    [ "$(cat "$STATE/app.php" 2> /dev/null)" = "$(cat "$STATE/php-identity" 2> /dev/null)" ]
}
# Apache's modules for the SAPI: mod_php needs mpm_prefork; proxy_fcgi works with mpm_event (mod_php refuses it).
apache_modules() {
  version=$(php_version)
  enabled() { [ -e "$APACHE/mods-enabled/$1.load" ]; }
  if [ "$SAPI" = fpm ]; then
    if enabled "php$version"; then run a2dismod -q "php$version"; fi
    if enabled mpm_prefork; then run a2dismod -q mpm_prefork; fi
    run a2enmod -q mpm_event proxy_fcgi
  else
    for module in proxy_fcgi mpm_event mpm_worker; do if enabled "$module"; then run a2dismod -q "$module"; fi; done
    run a2enmod -q mpm_prefork "php$version"
  fi
}
do_app() {
  for file in $SAMPLE_FILES; do install_file 0644 "$KIT/php-sample/$file" "$OPT/php-sample/$file" || true; done
  # Switching SAPI: what the previous one ran stops, so only this one serves port 8000.
  for pair in $(retired_files); do
    file=${pair%%:*} service=${pair#*:}
    [ -e "$file" ] || continue
    if [ "$file" = "$SITE" ]; then run a2dissite -q php-sample; fi
    run rm -f "$file"
    case " $(sapi_services) " in
      *" $service "*) ;; # still serves, restarted below without the file
      *) run $SYSTEMCTL disable --now "$service" 2> /dev/null || true; say "    stopped $service (it served the sample under another SAPI)" ;;
    esac
  done
  for pair in $(sapi_files); do install_file 0644 "$KIT/${pair%%:*}" "${pair#*:}" || true; done
  if [ "$SAPI" != cli ]; then
    apache_modules
    run a2ensite -q php-sample
  fi
  run $SYSTEMCTL daemon-reload
  for service in $(sapi_services); do
    run $SYSTEMCTL enable --now "$service"
    # Started again, so it runs with the drop-in's environment, the pool, the site and this PHP binary.
    run $SYSTEMCTL restart "$service"
  done
  # Started on this PHP binary: after a PHP upgrade, setup restarts it on the new one.
  if [ "$MODE" = apply ]; then
    cp "$STATE/php-identity" "$STATE/app.php"
    echo "$SAPI" > "$STATE/app.sapi"
    php_service > "$STATE/php-service"
  fi
  say "    the sample runs under $SAPI ($(sapi_services)) on http://127.0.0.1:8000/"
}

# ---- build: detached, so a dropped SSH session does not stop it ------------------------------------------
sources_id() { cat "$KIT"/bpf/*.bpf.c "$KIT"/bpf/*.bpf.h "$KIT"/bpf/*.yaml "$KIT/bpf/Makefile" "$STATE/libbpf.sha256" 2> /dev/null | cksum | cut -d' ' -f1; }
done_build() {
  grep -q "^done in .* for $(cat "$STATE/php-binary" 2>/dev/null)\$" "$STATE/build.status" 2>/dev/null &&
    [ "$(cat "$STATE/build.sources" 2>/dev/null)" = "$(sources_id)" ]
}
do_build() {
  if active bpf-build; then
    say "    still running from an earlier run of setup (bpf-build): following it"
  else
    run rm -rf "$OPT/src"
    run mkdir -p "$OPT/src" "$STATE"
    run cp "$KIT"/bpf/*.bpf.c "$KIT"/bpf/*.bpf.h "$KIT"/bpf/*.yaml "$KIT/bpf/Makefile" "$KIT/bpf/build.sh" "$OPT/src/"
    if [ "$MODE" = apply ]; then
      echo queued > "$STATE/build.status"
      sources_id > "$STATE/build.sources"
      date +%s > "$STATE/build.started"
    fi
    run $SYSTEMD_RUN --unit=bpf-build --collect --quiet --working-directory="$OPT/src" \
      sh "$OPT/src/build.sh" "$OPT/src" "$(cat "$STATE/php-binary" 2>/dev/null || php_binary)" "$OPT/configs" "$STATE/build.status" "$LIBBPF_INCLUDE"
    say "    running detached as bpf-build: closing this session does not stop it; running setup again follows it"
  fi
  [ "$MODE" = apply ] || return 0
  follow bpf-build "$(cat "$STATE/build.started" 2> /dev/null)"
  waited=0
  while [ "$waited" -lt "$BUILD_WAIT_SECONDS" ]; do
    case "$(cat "$STATE/build.status" 2>/dev/null)" in
      done*) unfollow; say "    $(cat "$STATE/build.status")"; return 0 ;;
      failed*) unfollow; say "    $(cat "$STATE/build.status")"; return 1 ;;
    esac
    sleep 1
    waited=$((waited + 1))
  done
  unfollow
  say "    still building after ${BUILD_WAIT_SECONDS}s: $(cat "$STATE/build.status"). Run setup again to wait for it."
  return 1
}

# ---- exporter: the pinned release, as a notify unit with only the BPF capabilities ----------------------
exporter_artefact() { echo "ebpf_exporter-$EBPF_EXPORTER_VERSION.$(arch)"; }
# What the running exporter was started on: the objects and configs it loaded and the PHP binary it
# attached to. When either changes (a rebuild, a PHP upgrade), the exporter is restarted on the new ones.
exporter_inputs() { cat "$OPT"/configs/*.bpf.o "$OPT"/configs/*.yaml "$STATE/php-identity" 2> /dev/null | cksum | cut -d' ' -f1; }
exporter_installed() {
  [ -x "$ROOT/usr/local/bin/ebpf_exporter" ] && [ "$(cat "$STATE/ebpf_exporter.sha256" 2> /dev/null)" = "$(pinned_sha256 "$(exporter_artefact)")" ]
}
done_exporter() {
  exporter_installed && same_file "$KIT/bpf/systemd/ebpf_exporter.service" "$UNITS/ebpf_exporter.service" &&
    [ "$(cat "$STATE/exporter.loaded" 2> /dev/null)" = "$(exporter_inputs)" ] && active ebpf_exporter
}
do_exporter() {
  if ! exporter_installed; then
    asset=$(exporter_artefact)
    fetch_artefact "$asset" "$CACHE/$asset"
    run mkdir -p "$ROOT/usr/local/bin" "$STATE"
    run install -m 0755 "$CACHE/$asset" "$ROOT/usr/local/bin/ebpf_exporter"
    if [ "$MODE" = apply ]; then pinned_sha256 "$asset" > "$STATE/ebpf_exporter.sha256"; fi
  fi
  install_file 0644 "$KIT/bpf/systemd/ebpf_exporter.service" "$UNITS/ebpf_exporter.service" || true
  run $SYSTEMCTL daemon-reload
  run $SYSTEMCTL reset-failed ebpf_exporter 2> /dev/null || true # a strict exporter that gave up may be start-limited
  run $SYSTEMCTL enable --now ebpf_exporter
  # Picks up freshly built objects. With --config.strict it does not start unless every program attaches.
  run $SYSTEMCTL restart ebpf_exporter || {
    say "    ebpf_exporter did not start: journalctl -u ebpf_exporter says why (it refuses to run when a program cannot attach)"
    return 1
  }
  if [ "$MODE" = apply ]; then exporter_inputs > "$STATE/exporter.loaded"; fi
}

# ---- prometheus: the distribution's package, scraping the exporter as job "ebpf" -----------------------
done_prometheus() { same_file "$KIT/bpf/prometheus/prometheus.yml" "$ROOT/etc/prometheus/prometheus.yml" && active prometheus; }
do_prometheus() {
  if [ -f "$ROOT/etc/prometheus/prometheus.yml" ] && [ ! -f "$ROOT/etc/prometheus/prometheus.yml.before-php-ebpf" ]; then
    run cp "$ROOT/etc/prometheus/prometheus.yml" "$ROOT/etc/prometheus/prometheus.yml.before-php-ebpf"
  fi
  run promtool check config "$KIT/bpf/prometheus/prometheus.yml" > /dev/null
  install_file 0644 "$KIT/bpf/prometheus/prometheus.yml" "$ROOT/etc/prometheus/prometheus.yml" || true
  run $SYSTEMCTL enable --now prometheus
  run $SYSTEMCTL restart prometheus
}

# ---- grafana: the pinned package, provisioned from files, listening on localhost only --------------------
GRAFANA_FILES="provisioning/datasources/prometheus.yaml:etc/grafana/provisioning/datasources/php-ebpf.yaml
provisioning/dashboards/php-ebpf.yaml:etc/grafana/provisioning/dashboards/php-ebpf.yaml
dashboards/php-ebpf.json:var/lib/grafana/dashboards/php-ebpf/php-ebpf.json
grafana-server.env.conf:etc/systemd/system/grafana-server.service.d/php-ebpf.conf"
grafana_artefact() { echo "grafana_${GRAFANA_VERSION}_$(deb_arch).deb"; }
# dpkg's word on a VM; the marker only where dpkg is not this root's (tests with KIT_ROOT).
grafana_version() {
  if status=$(dpkg-query -W -f '${db:Status-Status} ${Version}' grafana 2> /dev/null); then
    case $status in "installed "*) echo "${status#installed }" ;; esac
  else
    cat "$STATE/grafana.installed" 2> /dev/null || true
  fi
}
done_grafana() {
  [ "$(grafana_version)" = "$GRAFANA_VERSION" ] || return 1
  for pair in $GRAFANA_FILES; do same_file "$KIT/bpf/grafana/${pair%%:*}" "$ROOT/${pair#*:}" || return 1; done
  active grafana-server
}
do_grafana() {
  if [ "$(grafana_version)" != "$GRAFANA_VERSION" ]; then
    deb=$(grafana_artefact)
    fetch_artefact "$deb" "$CACHE/$deb"
    run chmod 0644 "$CACHE/$deb" # apt reads a local package as its own unprivileged user
    apt_get install -y "$CACHE/$deb"
    if [ "$MODE" = apply ]; then echo "$GRAFANA_VERSION" > "$STATE/grafana.installed"; fi
  fi
  for pair in $GRAFANA_FILES; do install_file 0644 "$KIT/bpf/grafana/${pair%%:*}" "$ROOT/${pair#*:}" || true; done
  run $SYSTEMCTL daemon-reload
  run $SYSTEMCTL enable --now grafana-server
  run $SYSTEMCTL restart grafana-server
}

# ---- detached steps: a transient unit each, its journal followed ------------------------------------------
detached() { case " $DETACHED_STEPS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

# Inside the unit: the step, and its result in $STATE/<step>.status for the setup that follows it.
if [ -n "$DETACHED_STEP" ]; then
  detached "$DETACHED_STEP" || { echo "$0 --step: no detached step $DETACHED_STEP (one of: $DETACHED_STEPS)" >&2; exit 2; }
  set +e
  (
    set -e
    "do_$DETACHED_STEP"
  )
  failed=$?
  set -e
  if [ "$failed" = 0 ]; then echo done > "$STATE/$DETACHED_STEP.status"; else echo "failed (exit status $failed)" > "$STATE/$DETACHED_STEP.status"; fi
  exit "$failed"
fi

# Starts the step as the unit php-ebpf-<step>, or finds it still running from an earlier run of setup,
# and shows its output (journalctl --follow) until it ends; returns 0 when the step succeeded.
run_detached() { # step
  step=$1
  unit=php-ebpf-$step
  status_file=$STATE/$step.status
  if active "$unit"; then
    say "    still running from an earlier run of setup ($unit): following it"
  else
    echo "running since @$(date +%s)" > "$status_file"
    # A unit does not inherit this environment: what the step reads of it goes along.
    set --
    for name in KIT_ROOT KIT_MIRROR PHP_BINARY; do
      eval "given=\${$name+x} value=\${$name-}"
      if [ -n "$given" ]; then set -- "$@" "--setenv=$name=$value"; fi
    done
    for name in APT_GET SYSTEMCTL DOWNLOAD APT_LOCK_WAIT_SECONDS; do
      eval "value=\$$name"
      set -- "$@" "--setenv=$name=$value"
    done
    if ! $SYSTEMD_RUN --unit="$unit" --collect --quiet "$@" sh "$KIT/bpf/setup.sh" --step "$step" --sapi "$SAPI"; then
      say "    systemd-run could not start $unit"
      return 1
    fi
    say "    running detached as $unit: closing this session does not stop it; running setup again follows it"
  fi
  follow "$unit" "$(sed -n 's/^running since @//p' "$status_file" 2> /dev/null)"
  result=''
  while [ -z "$result" ]; do
    case "$(cat "$status_file" 2> /dev/null)" in
      done) result=0 ;;
      failed*) result=1 ;;
      *)
        # Ended without a word (stopped, or the machine restarted): a second for a status being written.
        if ! active "$unit"; then
          sleep 1
          case "$(cat "$status_file" 2> /dev/null)" in
            done | failed*) continue ;;
          esac
          say "    $unit stopped before the step ended: journalctl -u $unit says why"
          echo "failed: the unit stopped" > "$status_file"
          result=1
        fi
        ;;
    esac
    [ -n "$result" ] || sleep 0.2
  done
  unfollow
  return "$result"
}

# ---- the steps, in order ---------------------------------------------------------------------------------
total=$(echo $STEPS | wc -w)
number=0
if [ "$MODE" = apply ]; then
  mkdir -p "$STATE"
  previous=$(cat "$STATE/sapi" 2> /dev/null || true)
  # Remembered from the start, so a run that stops half-way resumes with the same SAPI.
  echo "$SAPI" > "$STATE/sapi"
  if [ -n "$previous" ] && [ "$previous" != "$SAPI" ]; then say "PHP SAPI: $SAPI (was $previous): the sample, the BPF programs and trace.sh follow it"; else say "PHP SAPI: $SAPI"; fi
else
  say "PHP SAPI: $SAPI"
fi
not_done=0
for step in $STEPS; do
  number=$((number + 1))
  if "done_$step" > /dev/null 2>&1; then
    say "[$number/$total] $step: already done"
    continue
  fi
  if [ "$MODE" = check ]; then
    say "[$number/$total] $step: NOT DONE"
    "done_$step" | sed 's/^/  /' || true
    not_done=$((not_done + 1))
    continue
  fi
  say "[$number/$total] $step: running"
  started=$(date +%s)
  # A subshell with -e, outside any condition (where sh ignores -e), so the first failing command fails the step.
  set +e
  if [ "$MODE" = apply ] && detached "$step"; then
    run_detached "$step"
  else
    if detached "$step"; then run $SYSTEMD_RUN --unit="php-ebpf-$step" --collect --quiet sh "$KIT/bpf/setup.sh" --step "$step" --sapi "$SAPI"; fi
    (
      set -e
      "do_$step"
    )
  fi
  failed=$?
  set -e
  if [ "$failed" != 0 ]; then
    say "[$number/$total] $step: FAILED. Fix what is said above and run $0 again: it resumes at this step."
    exit 1
  fi
  if [ "$MODE" = apply ]; then
    echo "$step done $(date -u +%Y-%m-%dT%H:%M:%SZ)" >> "$STATE/setup.log"
    say "[$number/$total] $step: done ($(($(date +%s) - started)) s)"
  fi
done

if [ "$MODE" = check ]; then
  [ "$not_done" = 0 ] && say "All $total steps done." && exit 0
  say "$not_done of $total steps not done: run sudo $0"
  exit 1
fi
if [ "$MODE" = dry-run ]; then
  say "Dry run: nothing was changed."
else
  say "All done ($SAPI: $(sapi_services) serves the sample; the BPF programs trace $(cat "$STATE/php-binary")). Send load with ./php-sample/load.sh, then open http://localhost:3000/d/php-ebpf (ssh -L 3000:localhost:3000 <your VM>), user admin, password navigator."
fi
