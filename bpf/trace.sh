#!/bin/sh
# The workshop's bpftrace one-liners, aimed at the PHP that serves the sample (the binary setup.sh
# recorded, the php-sample unit's process). Runs until Ctrl-C or for the given seconds, then prints
# the counts; when bpftrace ran and ended normally, records /var/lib/php-ebpf/bpftrace.done so
# Navigator sees the step done (a bpftrace that failed records nothing).
#
#   sudo ./bpf/trace.sh calls [seconds]        function calls by name
#   sudo ./bpf/trace.sh requests [seconds]     requests by URI
#   sudo ./bpf/trace.sh exceptions [seconds]   exceptions thrown, by class
#
# For tests, KIT_ROOT prefixes the state directory and SYSTEMCTL replaces systemctl.
set -eu
STATE=${KIT_ROOT:-}/var/lib/php-ebpf
SYSTEMCTL=${SYSTEMCTL:-systemctl}

case "${1:-}" in
  calls | requests | exceptions) ;;
  *) sed -n '7,9s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
esac
seconds=${2:-}
case $seconds in *[!0-9]*) echo "trace.sh: seconds must be a whole number" >&2; exit 2 ;; esac

binary=$(cat "$STATE/php-binary" 2> /dev/null || readlink -f "$(command -v php)")
pid=$($SYSTEMCTL show -p MainPID --value php-sample 2> /dev/null || true)
[ -n "$pid" ] && [ "$pid" != 0 ] || pid=$(pgrep -o -f 'php.* -S ' || true)
[ -n "$pid" ] || { echo "trace.sh: no PHP sample process found: sudo systemctl start php-sample" >&2; exit 1; }

case $1 in
  calls) program="usdt:$binary:php:function__entry { @calls[str(arg0)] = count(); }" ;;
  requests) program="usdt:$binary:php:request__startup { @requests[str(arg1)] = count(); }" ;;
  exceptions) program="usdt:$binary:php:exception__thrown { @thrown[str(arg0)] = count(); }" ;;
esac

echo "bpftrace -p $pid -e '$program'"
echo "Send some load (./php-sample/load.sh) and press Ctrl-C to see the counts."
# -p: bpftrace 0.14-0.17 switch USDT semaphores on only for a given process. Ctrl-C is for bpftrace
# (on INT it prints the maps and exits 0); this script ignores it and goes on to record the step.
trap 'true' INT
status=0
if [ -n "$seconds" ]; then
  # --preserve-status: bpftrace's own exit status once the time is up, not timeout's 124.
  timeout --preserve-status -s INT "$seconds" bpftrace -p "$pid" -e "$program" || status=$?
else
  bpftrace -p "$pid" -e "$program" || status=$?
fi
if [ "$status" != 0 ]; then
  echo "trace.sh: bpftrace did not run to the end (exit status $status): nothing recorded. Read its message above, then run trace.sh again." >&2
  exit "$status"
fi
mkdir -p "$STATE" && echo "$1 $(date -u +%Y-%m-%dT%H:%M:%SZ)" >> "$STATE/bpftrace.done"
