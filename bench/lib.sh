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

# peak_rss_kib PID: the process's peak resident set size so far (VmHWM), in KiB.
peak_rss_kib() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }

median() { python3 -c 'import sys,statistics; print(statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }

# ensure_serverless_offline: serverless 3 + serverless-offline 13, exactly as pinned by
# bench/lambda/package-lock.json, installed with `npm ci` into bench/lambda/node_modules on
# first use (or when the lock changed). bench/lambda and bench/websocket both run it from there.
ensure_serverless_offline() {
  local dir
  dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/lambda" && pwd)
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "needs Node.js 18+ and npm on PATH" >&2; return 1
  fi
  if [ ! -f "$dir/node_modules/.package-lock.json" ] ||
     [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "installing serverless + serverless-offline (npm ci in bench/lambda) ..." >&2
    (cd "$dir" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >&2)
  fi
}

# sls_offline DIR HOME ARGS... &: runs `serverless offline ARGS` for the serverless.yml in DIR,
# in the background only: it execs, so $! is serverless's own pid (to kill and to measure);
# offline, quiet and without credentials: no telemetry, no notifications, a throw-away HOME,
# dummy AWS keys; warnings and errors still reach its output. Node 20.19+ lets require() load
# ES modules; serverless v3 predates that, so it is turned off where Node has the flag (as
# serverless v3 users on Node 20 are told to).
sls_offline() {
  local dir=$1 home=$2 node_flags="" sls
  shift 2
  sls="$(cd "$(dirname "${BASH_SOURCE[0]}")/lambda" && pwd)/node_modules/serverless/bin/serverless.js"
  if node --no-experimental-require-module -e 0 2>/dev/null; then
    node_flags="--no-experimental-require-module"
  fi
  exec env -C "$dir" HOME="$home" CI=1 SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off \
    SLS_DEPRECATION_DISABLE='*' SLS_LOG_LEVEL=warning AWS_ACCESS_KEY_ID=bench \
    AWS_SECRET_ACCESS_KEY=bench NODE_OPTIONS="$node_flags" \
    node "$sls" offline --noSponsor "$@"
}
