#!/usr/bin/env bash
# Builds (once) the Debian 12 root file system the real-systemd kit test boots with systemd-nspawn, and caches it
# as a tarball outside the clone. The Debian mirror is apt's own (never written into the repository).
#   bash test/systemd/rootfs.sh [CACHE_DIR]   → prints the tarball's path
set -euo pipefail
CACHE=${1:-/var/cache/navigator-test}
TARBALL=$CACHE/bookworm-systemd.tar
# What the test's VM has before the kit's setup: a booting systemd, sshd, sudo, curl; setup.sh installs the rest.
INCLUDE=systemd,systemd-sysv,dbus,openssh-server,sudo,curl,ca-certificates,libnss-myhostname,iproute2,procps,git,tar,gzip
STAMP="bookworm minbase $INCLUDE"
if [ -f "$TARBALL" ] && [ "$(cat "$TARBALL.stamp" 2>/dev/null)" = "$STAMP" ]; then echo "$TARBALL"; exit 0; fi
mirror=$(apt-get indextargets --format '$(REPO_URI)' 'Identifier: Packages' 'Release: bookworm' | sort -u | head -1)
[ -n "$mirror" ] || { echo "no bookworm mirror in apt's configuration" >&2; exit 1; }
mkdir -p "$CACHE"
work=$(mktemp -d "$CACHE/rootfs.XXXXXX")
trap 'rm -rf "$work"' EXIT
debootstrap --variant=minbase --include="$INCLUDE" bookworm "$work/root" "$mirror" >&2
# A machine id per boot; no fixed hostname (nspawn sets it from -M); the container's own name resolves at once.
: > "$work/root/etc/machine-id"
rm -f "$work/root/etc/hostname"
rm -rf "$work/root/var/cache/apt/archives/"*.deb "$work/root/var/lib/apt/lists/"*_Packages
tar -C "$work/root" -cf "$TARBALL.tmp" .
mv "$TARBALL.tmp" "$TARBALL"
echo "$STAMP" > "$TARBALL.stamp"
echo "$TARBALL"
