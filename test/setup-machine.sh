#!/usr/bin/env bash
# Installs the real servers the tests talk to (Debian 12 packages). Idempotent; needs root.
set -euo pipefail
packages=(
  openssh-server openssh-client          # real sshd for integration, browser and fleet tests
  prometheus                             # real Prometheus (2.42) and promtool
  prometheus-node-exporter               # the observability-101 workshop's exporter, checked for real in the fleet
  sudo                                   # ssh checks with sudo: true, with and without a password
  php8.2-cli php8.2-fpm                  # the PHP sample, built with USDT probes
  apache2-bin libapache2-mod-php8.2      # the kit's --sapi fpm and apache (Apache's binary and mod_php; no service)
  chromium fonts-dejavu-core             # browser tests and screenshots (driven by playwright-core)
  fonts-noto-cjk                         # Japanese names and texts on the pages and in screenshots
  bpftrace clang bpftool make            # the BPF kit's build (libbpf's BPF headers come pinned, below)
  libbpf-dev libelf-dev zlib1g-dev gcc   # the kit tests' own loader (test/kit/usdt-loader.c), not the kit
  curl ca-certificates                   # the pinned artefacts, below
  systemd                                # systemd-analyze verify for the kit's units
  systemd-container debootstrap          # a real systemd booted with systemd-nspawn (test/systemd/)
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

# The kit's pinned libbpf release (bpf/kit.lock), for the kit tests that build the BPF objects with its
# headers: kept outside the clone, taken from the Debian mirror apt already uses (found in apt's own
# configuration, never written into the repository), then from the lock's URLs; verified against the lock.
KIT_ARTEFACTS=/var/cache/navigator-test/kit-artefacts
REPO=$(cd "$(dirname "$0")/.." && pwd)
fetch_pinned() { # NAME PATH-IN-A-DEBIAN-MIRROR
  local name=$1 sha file mirror url actual=''
  sha=$(awk -v name="$name" '$1 == name { print $2 }' "$REPO/bpf/kit.lock")
  [[ $sha =~ ^[0-9a-f]{64}$ ]] || { echo "bpf/kit.lock pins no sha256 for $name" >&2; return 1; }
  file=$KIT_ARTEFACTS/$name
  if [ -f "$file" ] && [ "$(sha256sum "$file" | cut -d' ' -f1)" = "$sha" ]; then return 0; fi
  mkdir -p "$KIT_ARTEFACTS"
  mirror=$(apt-get indextargets --format '$(REPO_URI)' 'Identifier: Packages' 'Release: bookworm' | sort -u | head -1)
  for url in ${mirror:+${mirror%/}/$2} $(awk -v name="$name" '$1 == name { $1 = $2 = ""; print }' "$REPO/bpf/kit.lock"); do
    curl -fsSL --connect-timeout 10 --retry 2 -o "$file.part" "$url" || continue
    actual=$(sha256sum "$file.part" | cut -d' ' -f1)
    if [ "$actual" = "$sha" ]; then
      mv "$file.part" "$file"
      echo "Cached $name (from $url) in $KIT_ARTEFACTS."
      return 0
    fi
    echo "$url: sha256 $actual, but bpf/kit.lock pins $sha" >&2
  done
  rm -f "$file.part"
  echo "Could not fetch $name with the sha256 bpf/kit.lock pins: the kit tests that build BPF objects will be skipped." >&2
  return 1
}
fetch_pinned libbpf-1.5.0.tar.gz pool/main/libb/libbpf/libbpf_1.5.0.orig.tar.gz || true
# The Debian 12 root file system the real-systemd test boots (test/systemd/rootfs.sh: about 6 minutes the first
# time, then cached outside the clone).
bash "$REPO/test/systemd/rootfs.sh" > /dev/null || echo "Could not build the systemd test's root file system: test/systemd/ will fail." >&2
echo "Machine ready."
