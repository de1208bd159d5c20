#!/bin/sh
# The workshop's bpftrace one-liners, aimed at the PHP that serves the sample (the binary setup.sh
# recorded, the php-sample unit's process). Runs until Ctrl-C or for the given seconds, then prints
# the counts; records /var/lib/php-ebpf/bpftrace.done so Navigator sees the step done.
#
#   sudo ./bpf/trace.sh calls [seconds]        function calls by name
#   sudo ./bpf/trace.sh requests [seconds]     requests by URI
#   sudo ./bpf/trace.sh exceptions [seconds]   exceptions thrown, by class
set -eu
STATE=${KIT_ROOT:-}/var/lib/php-ebpf

binary=$(cat "$STATE/php-binary" 2> /dev/null || readlink -f "$(command -v php)")
pid=$(systemctl show -p MainPID --value php-sample 2> /dev/null || true)
[ -n "$pid" ] && [ "$pid" != 0 ] || pid=$(pgrep -o -f 'php.* -S ' || true)
[ -n "$pid" ] || { echo "trace.sh: no PHP sample process found: sudo systemctl start php-sample" >&2; exit 1; }

case "${1:-}" in
  calls) program="usdt:$binary:php:function__entry { @calls[str(arg0)] = count(); }" ;;
  requests) program="usdt:$binary:php:request__startup { @requests[str(arg1)] = count(); }" ;;
  exceptions) program="usdt:$binary:php:exception__thrown { @thrown[str(arg0)] = count(); }" ;;
  *) sed -n '6,8s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
esac
seconds=${2:-}
case $seconds in *[!0-9]*) echo "trace.sh: seconds must be a whole number" >&2; exit 2 ;; esac

echo "bpftrace -p $pid -e '$program'"
echo "Send some load (./php-sample/load.sh) and press Ctrl-C to see the counts."
# -p: bpftrace 0.14-0.17 switch USDT semaphores on only for a given process. Ctrl-C is for
# bpftrace (it prints the maps on INT); this script catches it and goes on to record the step.
trap 'true' INT
if [ -n "$seconds" ]; then
  timeout -s INT "$seconds" bpftrace -p "$pid" -e "$program" || [ $? = 124 ]
else
  bpftrace -p "$pid" -e "$program" || true
fi
mkdir -p "$STATE" && echo "$1 $(date -u +%Y-%m-%dT%H:%M:%SZ)" >> "$STATE/bpftrace.done"
