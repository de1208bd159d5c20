#!/bin/sh
# Sets up an attendee's VM (Ubuntu 22.04 / 24.04, Debian 12) for the eBPF-for-PHP workshop:
# packages, the PHP sample with tracing on, the BPF build, ebpf_exporter, Prometheus and Grafana,
# all as systemd units, nothing to click. Safe to run again: a step already done is skipped, so a
# run that stopped (a dropped SSH session, a failed download) resumes where it stopped.
#
#   sudo ./bpf/setup.sh            set up, printing progress per step
#   sudo ./bpf/setup.sh --check    say which steps are done; change nothing (exit 1 if any is not)
#   sudo ./bpf/setup.sh --dry-run  print what would be done; change nothing
#
# The BPF build runs detached (systemd-run --unit=bpf-build): it goes on if the session drops, and
# writes /var/lib/php-ebpf/build.status. Environment: PHP_BINARY=/usr/sbin/php-fpm8.2 (or a
# libphp*.so) traces a PHP other than the CLI's. For tests, KIT_ROOT prefixes every path written and
# APT_GET, SYSTEMCTL, SYSTEMD_RUN and DOWNLOAD replace the commands of the same role.
set -eu

EBPF_EXPORTER_VERSION=2.5.1 # github.com/cloudflare/ebpf_exporter/releases; checked against its sha256sums.txt
GRAFANA_VERSION=11.6.0      # apt.grafana.com, signed by Grafana's repository key

KIT=$(cd "$(dirname "$0")/.." && pwd)
ROOT=${KIT_ROOT:-}
APT_GET=${APT_GET:-apt-get}
SYSTEMCTL=${SYSTEMCTL:-systemctl}
SYSTEMD_RUN=${SYSTEMD_RUN:-systemd-run}
DOWNLOAD=${DOWNLOAD:-curl -fsSL --retry 3 --retry-delay 2 -o}
BUILD_WAIT_SECONDS=${BUILD_WAIT_SECONDS:-600}
STATE=$ROOT/var/lib/php-ebpf
OPT=$ROOT/opt/php-ebpf
UNITS=$ROOT/etc/systemd/system
STEPS="packages php app build exporter prometheus grafana"
MODE=apply

case "${1:-}" in
  --check) MODE=check ;;
  --dry-run) MODE=dry-run ;;
  '') ;;
  *) echo "usage: $0 [--check | --dry-run]" >&2; exit 2 ;;
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
arch() { case "$(uname -m)" in x86_64) echo x86_64 ;; aarch64) echo aarch64 ;; *) echo "unsupported CPU $(uname -m)" >&2; return 1 ;; esac; }

# ---- packages -------------------------------------------------------------------------------------
bpftool_packages() {
  . "$ROOT/etc/os-release" 2>/dev/null || . /etc/os-release
  case "${ID:-}" in
    ubuntu) echo "linux-tools-common linux-tools-$(uname -r)" ;;
    *) echo bpftool ;;
  esac
}
done_packages() {
  for command in bpftrace clang make bpftool php readelf curl prometheus promtool; do
    command -v "$command" > /dev/null 2>&1 || { say "    missing: $command"; return 1; }
  done
  [ -f /usr/include/bpf/bpf_helpers.h ] || { say "    missing: libbpf headers"; return 1; }
}
do_packages() {
  run dpkg --configure -a # an install cut off by a dropped session leaves dpkg half-done
  run $APT_GET update
  # shellcheck disable=SC2046
  run env DEBIAN_FRONTEND=noninteractive $APT_GET install -y --no-install-recommends \
    bpftrace clang llvm libbpf-dev libelf-dev make gcc binutils php-cli prometheus curl ca-certificates gnupg $(bpftool_packages)
}

# ---- php: the binary with PHP's probes, recorded so checks and the build need not search -----------
php_binary() { readlink -f "${PHP_BINARY:-$(command -v php)}"; }
done_php() { [ -f "$STATE/php-binary" ] && [ "$(cat "$STATE/php-binary")" = "$(php_binary)" ]; }
do_php() {
  binary=$(php_binary)
  readelf -n "$binary" 2>/dev/null | grep -q 'Provider: php' || {
    say "    $binary has no USDT probes (provider php). Use Debian's or Ubuntu's PHP packages, or PHP_BINARY=<a php, php-fpm or libphp*.so built with --enable-dtrace>."
    return 1
  }
  run mkdir -p "$STATE"
  if [ "$MODE" = apply ]; then echo "$binary" > "$STATE/php-binary"; fi
  say "    tracing $binary"
}

# ---- app: the PHP sample as a unit with USE_ZEND_DTRACE=1 ---------------------------------------------
done_app() {
  for file in public/index.php src/Http.php src/Maths.php src/Orders.php; do same_file "$KIT/php-sample/$file" "$OPT/php-sample/$file" || return 1; done
  same_file "$KIT/bpf/systemd/php-sample.service" "$UNITS/php-sample.service" && active php-sample
}
do_app() {
  for file in public/index.php src/Http.php src/Maths.php src/Orders.php; do install_file 0644 "$KIT/php-sample/$file" "$OPT/php-sample/$file" || true; done
  install_file 0644 "$KIT/bpf/systemd/php-sample.service" "$UNITS/php-sample.service" || true
  run $SYSTEMCTL daemon-reload
  run $SYSTEMCTL enable --now php-sample
  run $SYSTEMCTL restart php-sample
}

# ---- build: detached, so a dropped SSH session does not stop it ------------------------------------------
sources_id() { cat "$KIT"/bpf/*.bpf.c "$KIT"/bpf/*.bpf.h "$KIT"/bpf/*.yaml "$KIT/bpf/Makefile" | cksum | cut -d' ' -f1; }
done_build() {
  grep -q "^done in .* for $(cat "$STATE/php-binary" 2>/dev/null)\$" "$STATE/build.status" 2>/dev/null &&
    [ "$(cat "$STATE/build.sources" 2>/dev/null)" = "$(sources_id)" ]
}
do_build() {
  if active bpf-build; then
    say "    a build is already running (started by an earlier run); waiting for it"
  else
    run rm -rf "$OPT/src"
    run mkdir -p "$OPT/src" "$STATE"
    run cp "$KIT"/bpf/*.bpf.c "$KIT"/bpf/*.bpf.h "$KIT"/bpf/*.yaml "$KIT/bpf/Makefile" "$KIT/bpf/build.sh" "$OPT/src/"
    if [ "$MODE" = apply ]; then
      echo queued > "$STATE/build.status"
      sources_id > "$STATE/build.sources"
    fi
    run $SYSTEMD_RUN --unit=bpf-build --collect --quiet --working-directory="$OPT/src" \
      sh "$OPT/src/build.sh" "$OPT/src" "$(cat "$STATE/php-binary" 2>/dev/null || php_binary)" "$OPT/configs" "$STATE/build.status"
    say "    started detached: follow it with journalctl -fu bpf-build (closing this session does not stop it)"
  fi
  [ "$MODE" = apply ] || return 0
  waited=0
  while [ "$waited" -lt "$BUILD_WAIT_SECONDS" ]; do
    case "$(cat "$STATE/build.status" 2>/dev/null)" in
      done*) say "    $(cat "$STATE/build.status")"; return 0 ;;
      failed*) say "    $(cat "$STATE/build.status")"; return 1 ;;
    esac
    sleep 1
    waited=$((waited + 1))
  done
  say "    still building after ${BUILD_WAIT_SECONDS}s: $(cat "$STATE/build.status"). Run setup again to wait for it."
  return 1
}

# ---- exporter: pinned upstream release, as a notify unit with only the BPF capabilities ----------------
done_exporter() {
  [ -x "$ROOT/usr/local/bin/ebpf_exporter" ] && [ "$(cat "$STATE/ebpf_exporter.version" 2>/dev/null)" = "$EBPF_EXPORTER_VERSION" ] &&
    same_file "$KIT/bpf/systemd/ebpf_exporter.service" "$UNITS/ebpf_exporter.service" && active ebpf_exporter
}
do_exporter() {
  if [ "$(cat "$STATE/ebpf_exporter.version" 2>/dev/null)" != "$EBPF_EXPORTER_VERSION" ] || [ ! -x "$ROOT/usr/local/bin/ebpf_exporter" ]; then
    asset=ebpf_exporter.$(arch)
    release=https://github.com/cloudflare/ebpf_exporter/releases/download/v$EBPF_EXPORTER_VERSION
    downloads=$(mktemp -d)
    run $DOWNLOAD "$downloads/$asset" "$release/$asset"
    run $DOWNLOAD "$downloads/sha256sums.txt" "$release/sha256sums.txt"
    if [ "$MODE" = apply ]; then
      expected=$(awk -v asset="$asset" '$2 == asset || $2 == "*" asset { print $1 }' "$downloads/sha256sums.txt")
      actual=$(sha256sum "$downloads/$asset" | cut -d' ' -f1)
      [ -n "$expected" ] && [ "$expected" = "$actual" ] || {
        say "    $asset: sha256 $actual does not match the release's sha256sums.txt (${expected:-no entry}); not installed"
        rm -rf "$downloads"
        return 1
      }
    fi
    run mkdir -p "$ROOT/usr/local/bin" "$STATE"
    run install -m 0755 "$downloads/$asset" "$ROOT/usr/local/bin/ebpf_exporter"
    if [ "$MODE" = apply ]; then echo "$EBPF_EXPORTER_VERSION" > "$STATE/ebpf_exporter.version"; fi
    rm -rf "$downloads"
  fi
  install_file 0644 "$KIT/bpf/systemd/ebpf_exporter.service" "$UNITS/ebpf_exporter.service" || true
  run $SYSTEMCTL daemon-reload
  run $SYSTEMCTL enable --now ebpf_exporter
  run $SYSTEMCTL restart ebpf_exporter # picks up freshly built objects
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

# ---- grafana: pinned package, provisioned from files, listening on localhost only ------------------------
GRAFANA_FILES="provisioning/datasources/prometheus.yaml:etc/grafana/provisioning/datasources/php-ebpf.yaml
provisioning/dashboards/php-ebpf.yaml:etc/grafana/provisioning/dashboards/php-ebpf.yaml
dashboards/php-ebpf.json:var/lib/grafana/dashboards/php-ebpf/php-ebpf.json
grafana-server.env.conf:etc/systemd/system/grafana-server.service.d/php-ebpf.conf"
done_grafana() {
  [ "$(dpkg-query -W -f '${Version}' grafana 2> /dev/null)" = "$GRAFANA_VERSION" ] || [ -f "$STATE/grafana.installed" ] || return 1
  for pair in $GRAFANA_FILES; do same_file "$KIT/bpf/grafana/${pair%%:*}" "$ROOT/${pair#*:}" || return 1; done
  active grafana-server
}
do_grafana() {
  if ! [ "$(dpkg-query -W -f '${Version}' grafana 2> /dev/null)" = "$GRAFANA_VERSION" ] && ! [ -f "$STATE/grafana.installed" ]; then
    run mkdir -p "$ROOT/etc/apt/keyrings" "$ROOT/etc/apt/sources.list.d"
    run $DOWNLOAD "$ROOT/etc/apt/keyrings/grafana.asc" https://apt.grafana.com/gpg.key
    if [ "$MODE" = apply ]; then
      echo "deb [signed-by=/etc/apt/keyrings/grafana.asc] https://apt.grafana.com stable main" > "$ROOT/etc/apt/sources.list.d/grafana.list"
    fi
    run $APT_GET update
    run env DEBIAN_FRONTEND=noninteractive $APT_GET install -y "grafana=$GRAFANA_VERSION"
    if [ "$MODE" = apply ]; then echo "$GRAFANA_VERSION" > "$STATE/grafana.installed"; fi
  fi
  for pair in $GRAFANA_FILES; do install_file 0644 "$KIT/bpf/grafana/${pair%%:*}" "$ROOT/${pair#*:}" || true; done
  run $SYSTEMCTL daemon-reload
  run $SYSTEMCTL enable --now grafana-server
  run $SYSTEMCTL restart grafana-server
}

# ---- the steps, in order ---------------------------------------------------------------------------------
total=$(echo $STEPS | wc -w)
number=0
[ "$MODE" = apply ] && mkdir -p "$STATE"
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
  (
    set -e
    "do_$step"
  )
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
  say "All done. Send load with ./php-sample/load.sh, then open http://localhost:3000/d/php-ebpf (ssh -L 3000:localhost:3000 <your VM>), user admin, password navigator."
fi
