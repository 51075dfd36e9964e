# Shared by the benchmarks: free ports, waiting for a port, wrk parsing, RSS.
# shellcheck shell=bash

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_http() {  # wait_http URL [seconds]
  local url=$1 deadline=$((SECONDS + ${2:-10}))
  until curl -s -o /dev/null "$url"; do
    [ $SECONDS -ge $deadline ] && { echo "timed out waiting for $url" >&2; return 1; }
    sleep 0.05
  done
}

# wrk_run URL -> prints "rps p50_ms p99_ms" (errors make it fail)
wrk_run() {
  local out
  out=$(wrk -t"${WRK_THREADS:-2}" -c"${WRK_CONNECTIONS:-64}" -d"${WRK_SECONDS:-8}s" --latency "$@")
  python3 - "$out" <<'PY'
import re, sys
out = sys.argv[1]
def ms(v):
    n, unit = re.match(r"([\d.]+)(\w+)", v).groups()
    return float(n) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
p50 = ms(re.search(r"\s50%\s+(\S+)", out).group(1))
p99 = ms(re.search(r"\s99%\s+(\S+)", out).group(1))
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
errs = re.search(r"Socket errors: (.*)", out)
if bad or errs:
    print(f"wrk reported problems: {bad and bad.group(0)} {errs and errs.group(0)}", file=sys.stderr)
    sys.exit(1)
print(f"{rps:.0f} {p50:.3f} {p99:.3f}")
PY
}

rss_kib() { ps -o rss= -p "$1" | tr -d ' '; }

median() { python3 -c 'import sys,statistics; print(statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }
