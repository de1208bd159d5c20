#!/bin/sh
# Load for the PHP sample: walks its routes in a fixed mix, like a few users clicking around, so
# every panel of the dashboard has something to show. Prints a summary by HTTP status.
#
#   ./php-sample/load.sh                 2 workers for 5 minutes against http://127.0.0.1:8000
#   ./php-sample/load.sh -d 30 -c 4      4 workers for 30 s
#   ./php-sample/load.sh -n 100          exactly 100 requests, then stop
#   ./php-sample/load.sh -u http://127.0.0.1:8080
set -eu

url=http://127.0.0.1:8000 duration=300 total=0 workers=2
while getopts u:d:n:c:h option; do
  case $option in
    u) url=$OPTARG ;;
    d) duration=$OPTARG ;;
    n) total=$OPTARG ;;
    c) workers=$OPTARG ;;
    *) sed -n '2,10s/^# \{0,1\}//p' "$0"; exit 2 ;;
  esac
done
for number in "$duration" "$total" "$workers"; do
  case $number in '' | *[!0-9]*) echo "load.sh: -d, -n and -c take whole numbers, not '$number'" >&2; exit 2 ;; esac
done
[ "$workers" -ge 1 ] || { echo "load.sh: -c must be at least 1" >&2; exit 2; }
command -v curl > /dev/null || { echo "load.sh: needs curl (sudo apt-get install curl)" >&2; exit 2; }

# One round: 8 answers 200 (two fib recursions, a slow page, a warning), one caught exception (404)
# and one uncaught exception (500).
ROUTES='/ /fib?n=10 /order?id=42 / /order?id=7 /fib?n=15 /slow / /warning /crash'
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT INT TERM

worker() { # worker number; its share of -n, or 0 to run until the deadline
  sent=0 deadline=$(($(date +%s) + duration))
  while :; do
    for route in $ROUTES; do
      if [ "$2" -gt 0 ]; then [ "$sent" -lt "$2" ] || return 0; else [ "$(date +%s)" -lt "$deadline" ] || return 0; fi
      curl -s -o /dev/null --max-time 10 -w '%{http_code}\n' "$url$route" >> "$results/$1" || true
      sent=$((sent + 1))
    done
  done
}

started=$(date +%s)
echo "load.sh: $workers workers on $url, $([ "$total" -gt 0 ] && echo "$total requests" || echo "for ${duration}s"); Ctrl-C stops"
i=1
while [ "$i" -le "$workers" ]; do
  share=0
  [ "$total" -gt 0 ] && share=$((total / workers + (i <= total % workers ? 1 : 0)))
  worker "$i" "$share" &
  i=$((i + 1))
done
wait

sent=$(cat "$results"/* 2> /dev/null | wc -l)
seconds=$(($(date +%s) - started))
summary=$(cat "$results"/* 2> /dev/null | sort | uniq -c | awk '{ printf "%s%s x%s", sep, ($2 == "000" ? "no answer" : $2), $1; sep = ", " }')
echo "load.sh: $sent requests in ${seconds}s: $summary"
if [ "$(grep -vc '^000$' "$results"/* 2> /dev/null | awk -F: '{ s += $NF } END { print s + 0 }')" = 0 ]; then
  echo "load.sh: nothing answered on $url. Is the app running? sudo systemctl status php-sample" >&2
  exit 1
fi
