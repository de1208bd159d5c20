#!/usr/bin/env bash
# Installs the real servers the tests talk to (Debian 12 packages). Idempotent; needs root.
set -euo pipefail
packages=(
  openssh-server openssh-client          # real sshd for integration, browser and fleet tests
  prometheus                             # real Prometheus (2.42) and promtool
  prometheus-node-exporter               # the observability-101 workshop's exporter, checked for real in the fleet
  sudo                                   # ssh checks with sudo: true, with and without a password
  php8.2-cli php8.2-fpm                  # the PHP sample, built with USDT probes
  chromium fonts-dejavu-core             # browser tests and screenshots (driven by playwright-core)
  fonts-noto-cjk                         # Japanese names and texts on the pages and in screenshots
  bpftrace clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev make gcc  # the BPF kit
  systemd                                # systemd-analyze verify for the kit's units
  pssh ansible                           # peers for the benchmarks
  iproute2 procps                        # network namespaces for the fleet
  stress-ng                              # both cores kept busy while the fault and integration suites run (a slow machine)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian starts prometheus, php-fpm and sshd on install where it can; tests run their own instances.
echo "Machine ready."
