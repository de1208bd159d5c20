#!/bin/sh
# The BPF build, as setup.sh runs it detached (systemd-run --unit=bpf-build): it survives the SSH
# session that started it. Progress and result go to a status file the workshop's checks read:
#   queued | running since <time> | done in <s>s for <php binary> | failed: <reason>
#   sh build.sh <source dir> <php binary> <configs dir> <status file> <libbpf include dir>
set -u
SRC=$1 PHP_BINARY=$2 CONFIGS=$3 STATUS=$4 LIBBPF_INCLUDE=$5

status() { printf '%s\n' "$*" > "$STATUS.tmp" && mv "$STATUS.tmp" "$STATUS"; }

status "running since $(date -u +%Y-%m-%dT%H:%M:%SZ)"
started=$(date +%s)
if ! make -C "$SRC" -j"$(nproc)" PHP_BINARY="$PHP_BINARY" LIBBPF_INCLUDE="$LIBBPF_INCLUDE" > "$SRC/build.log" 2>&1; then
  cat "$SRC/build.log"
  status "failed: $(grep -m1 -i 'error' "$SRC/build.log" || tail -n1 "$SRC/build.log") (full log: journalctl -u bpf-build)"
  exit 1
fi
cat "$SRC/build.log"
mkdir -p "$CONFIGS"
for object in "$SRC"/*.bpf.o; do
  name=$(basename "$object" .bpf.o)
  cp "$object" "$CONFIGS/$name.bpf.o.tmp" && mv "$CONFIGS/$name.bpf.o.tmp" "$CONFIGS/$name.bpf.o"
  cp "$SRC/$name.yaml" "$CONFIGS/$name.yaml"
done
status "done in $(($(date +%s) - started))s for $PHP_BINARY"
