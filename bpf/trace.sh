#!/bin/sh
# The workshop's bpftrace one-liners, aimed at the PHP that serves the sample: the binary setup.sh
# recorded for its SAPI (php, php-fpm8.x or libphp8.x.so) in the processes of the unit that runs it
# (php-sample, php8.x-fpm or apache2). Runs until Ctrl-C or for the given seconds, then prints
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
what=$1 seconds=${2:-}
case $seconds in *[!0-9]*) echo "trace.sh: seconds must be a whole number" >&2; exit 2 ;; esac

binary=$(cat "$STATE/php-binary" 2> /dev/null || readlink -f "$(command -v php)")
service=$(cat "$STATE/php-service" 2> /dev/null || echo php-sample.service)
service=${service%.service}
pid=$($SYSTEMCTL show -p MainPID --value "$service" 2> /dev/null || true)
[ -n "$pid" ] && [ "$pid" != 0 ] || { [ "$service" = php-sample ] && pid=$(pgrep -o -f 'php.* -S ' || true); }
[ -n "$pid" ] && [ "$pid" != 0 ] || { echo "trace.sh: $service is not running: sudo systemctl start $service" >&2; exit 1; }
# php -S is one process: -p, as bpftrace 0.14-0.17 switch USDT semaphores on only for a given process there.
# php-fpm and Apache serve from worker processes that come and go: every process running the binary (the
# kernel switches the semaphores on in each, its uprobe reference counter), as ebpf_exporter attaches.
if [ "$service" = php-sample ]; then set -- -p "$pid"; else set --; fi

case $what in
  calls) program="usdt:$binary:php:function__entry { @calls[str(arg0)] = count(); }" ;;
  requests) program="usdt:$binary:php:request__startup { @requests[str(arg1)] = count(); }" ;;
  exceptions) program="usdt:$binary:php:exception__thrown { @thrown[str(arg0)] = count(); }" ;;
esac

echo "bpftrace${*:+ $*} -e '$program'"
echo "Send some load (./php-sample/load.sh) and press Ctrl-C to see the counts."
# Ctrl-C is for bpftrace (on INT it prints the maps and exits 0); this script ignores it and goes on to record the step.
trap 'true' INT
status=0
if [ -n "$seconds" ]; then
  # --preserve-status: bpftrace's own exit status once the time is up, not timeout's 124.
  timeout --preserve-status -s INT "$seconds" bpftrace "$@" -e "$program" || status=$?
else
  bpftrace "$@" -e "$program" || status=$?
fi
if [ "$status" != 0 ]; then
  echo "trace.sh: bpftrace did not run to the end (exit status $status): nothing recorded. Read its message above, then run trace.sh again." >&2
  exit "$status"
fi
mkdir -p "$STATE" && echo "$what $(date -u +%Y-%m-%dT%H:%M:%SZ)" >> "$STATE/bpftrace.done"
