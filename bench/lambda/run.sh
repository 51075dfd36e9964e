#!/usr/bin/env bash
# bench/lambda: a hello-world Node.js Lambda handler behind an HTTP API route (payload 2.0),
# Gatehouse vs serverless-offline, on this machine, in one run, with wrk.
#
# Both sides run the same file, handler/index.js (`hello` returns 200 "hello" and prints
# nothing): Gatehouse as `runtime: nodejs` behind `GET /hello`, serverless-offline from
# serverless.yml (an `httpApi` event). serverless@3 + serverless-offline@13, pinned by
# package-lock.json, are installed here with `npm ci` on first use (node_modules/ is ignored).
# serverless-offline is measured in its default mode (one worker thread per concurrent request,
# handler loaded once per worker) and with --useInProcess (handlers run in its main thread);
# SLS_MODES picks. Neither side logs per request: access log off and level warn (so no
# START/END/REPORT lines) for Gatehouse, SLS_LOG_LEVEL=warning for serverless.
#
# Gatehouse: server.threads = cores; the function has reservedConcurrency GH_CONCURRENCY
# (default 2 x cores; serverless-offline has no cap and starts a worker per concurrent request),
# minInstances 0 (instances start on demand as serverless-offline's workers do; the warm-up pass
# starts them), idleTimeout 300 s. serverless-offline runs with --terminateIdleLambdaTime 3600
# so its workers are not reaped between rounds either.
#
# Printed: req/s, p50 and p99 at 1, 8 and 32 connections (median of ROUNDS runs, the sides
# alternating), the throughput ratios, and the goals (>= 10x serverless-offline's req/s at 8
# connections; < 1 ms p50 added by Gatehouse over the handler's own time). Also:
#   start to first request  process start until the first 200 from GET /hello (polling), which
#                           includes the cold start of one instance / worker on both sides;
#   cold start              that first request's time minus the median of 20 warm ones (curl);
#                           for Gatehouse also the REPORT line's Init Duration (spawn to the
#                           runtime's first /next);
#   RSS after               resident memory after the rounds (Gatehouse with its instances).
# Added latency: a second Gatehouse ("probe", level info, one instance) is driven at 1
# connection and its REPORT lines are read: the median Duration is the handler's own time as
# Lambda counts it (from handing the event to the instance to receiving its answer, which
# includes the Node runtime's side of the Runtime API exchange). Added = Gatehouse's p50 at
# 1 connection (the main run, no logging) minus that median Duration. Gatehouse's p50 on a
# `mock` route (no Lambda) at 1 connection is shown as the floor of HTTP + wrk on loopback.
#
# Usage: bench/lambda/run.sh
#   env: ROUNDS=3 WRK_SECONDS=5 CONNECTIONS="1 8 32" WRK_THREADS=2 WRK_TIMEOUT=5
#        SLS_MODES="default inprocess" GH_CONCURRENCY=<2 x cores>
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
source "$here/../lib.sh"
"$root/scripts/install-deps.sh" wrk >/dev/null
bin=${GATEHOUSE_BIN:-$root/build/release/gatehouse}
[ -x "$bin" ] || { echo "build first: make build" >&2; exit 1; }
ROUNDS=${ROUNDS:-3}
WRK_SECONDS=${WRK_SECONDS:-5}
CONNECTIONS=${CONNECTIONS:-1 8 32}
SLS_MODES=${SLS_MODES:-default inprocess}
WRK_TIMEOUT=${WRK_TIMEOUT:-5}
workers=$(nproc)
GH_CONCURRENCY=${GH_CONCURRENCY:-$((2 * workers))}

ensure_serverless_offline

tmp=$(mktemp -d)
pids=()
cleanup() {
  # Gatehouse's instances die with it; serverless-offline's workers are threads.
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

# wrk_measure NAME CONNECTIONS URL: runs wrk, keeps its output as $tmp/wrk/NAME (parsed at the
# end, non-2xx and socket errors included) and prints a one-line summary on stderr.
mkdir -p "$tmp/wrk"
wrk_measure() {
  local c=$2 t=${WRK_THREADS:-2}
  [ "$t" -gt "$c" ] && t=$c
  wrk -t"$t" -c"$c" -d"${WRK_SECONDS}s" --timeout "${WRK_TIMEOUT}s" --latency "$3" > "$tmp/wrk/$1"
  awk -v n="$1" '/^ +50%/{p50=$2} /^ +99%/{p99=$2} /Requests\/sec/{r=$2} /Non-2xx|Socket errors/{e=e" ["$0"]"}
    END{print n": "r" req/s p50 "p50" p99 "p99 e}' "$tmp/wrk/$1" >&2
}

# first_request NAME START URL (START: $EPOCHREALTIME when the process was started): waits for
# the port to accept (no process forked per try), then asks URL until the first 200 (60 s at
# most); writes "START END seconds_that_request_took" to $tmp/NAME.first.
exec {nap_fd}<> <(:)
nap() { read -rt "$1" -u "$nap_fd" || true; }   # sleep without forking
first_request() {
  local start=$2 url=$3 port deadline=$((SECONDS + 60)) out
  port=${url#http://127.0.0.1:}; port=${port%%/*}
  until { : <>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null; do
    [ $SECONDS -ge $deadline ] && { echo "nothing listens on $port after 60 s" >&2; return 1; }
    nap 0.002
  done
  while :; do
    out=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' "$url" || true)
    if [ "${out%% *}" = 200 ]; then
      echo "$start $EPOCHREALTIME ${out#* }" > "$tmp/$1.first"
      return
    fi
    [ $SECONDS -ge $deadline ] && { echo "no 200 from $url within 60 s" >&2; return 1; }
    nap 0.005
  done
}

# warm_requests NAME URL: the times of 20 sequential requests, seconds, in $tmp/NAME.warm
warm_requests() {
  for _ in $(seq 20); do curl -sf -o /dev/null -w '%{time_total}\n' "$2"; done > "$tmp/$1.warm"
}

gh_config() {  # gh_config PORT SERVICES_PORT LEVEL CONCURRENCY
  cat <<YAML
version: 1
server:
  threads: $workers
  watchConfig: false
  listeners:
    - {host: 127.0.0.1, port: $1, serves: apis}
    - {host: 127.0.0.1, port: $2, serves: services}
logging:
  level: $3
  accessLog: {destination: "off"}
# AWS's account throttle (10,000 rps, burst 5,000) is on by default; a benchmark measures past it.
throttling: {rateLimit: 1000000000, burstLimit: 1000000000}
functions:
  hello:
    runtime: nodejs
    handler: index.hello
    codeUri: $here/handler
    reservedConcurrency: $4
    minInstances: 0
    idleTimeout: 300
    watch: false
apis:
  - id: bench
    protocol: HTTP
    routes:
      "GET /hello":
        integration: {type: lambda, function: hello}   # payload format 2.0
      "GET /mock":
        integration: {type: mock, headers: {Content-Type: text/plain}, body: hello}
YAML
}

declare -A url pid
sides=(gh)

# --- Gatehouse ---
gh_port=$(free_port); gh_services=$(free_port)
gh_config "$gh_port" "$gh_services" warn "$GH_CONCURRENCY" > "$tmp/gatehouse.yaml"
url[gh]="http://127.0.0.1:$gh_port/hello"
url[gh_mock]="http://127.0.0.1:$gh_port/mock"
start=$EPOCHREALTIME
"$bin" serve -c "$tmp/gatehouse.yaml" >"$tmp/gh.out" 2>"$tmp/gh.err" &
pid[gh]=$!; pids+=("${pid[gh]}")
first_request gh "$start" "${url[gh]}" || { cat "$tmp/gh.err" >&2; exit 1; }
warm_requests gh "${url[gh]}"

# --- serverless-offline, one process per mode, started one after the other ---
mkdir -p "$tmp/home"
for mode in $SLS_MODES; do
  case $mode in
    default) extra=() ;;
    inprocess) extra=(--useInProcess) ;;
    *) echo "unknown SLS_MODES entry: $mode (default, inprocess)" >&2; exit 1 ;;
  esac
  port=$(free_port); lambda_port=$(free_port)
  side=sls_$mode; sides+=("$side")
  url[$side]="http://127.0.0.1:$port/hello"
  start=$EPOCHREALTIME
  sls_offline "$here" "$tmp/home" --host 127.0.0.1 --httpPort "$port" \
    --lambdaPort "$lambda_port" --noPrependStageInUrl --terminateIdleLambdaTime 3600 \
    "${extra[@]}" >"$tmp/$side.log" 2>&1 &
  pid[$side]=$!; pids+=("${pid[$side]}")
  first_request "$side" "$start" "${url[$side]}" || { cat "$tmp/$side.log" >&2; exit 1; }
  warm_requests "$side" "${url[$side]}"
done

# Warm up every side at every connection count (starts the instances / workers).
for c in $CONNECTIONS; do
  for side in "${sides[@]}"; do WRK_SECONDS=2 wrk_measure "warmup-$side-$c" "$c" "${url[$side]}"; done
done
WRK_SECONDS=1 wrk_measure warmup-gh_mock-1 1 "${url[gh_mock]}"

for round in $(seq "$ROUNDS"); do
  for c in $CONNECTIONS; do
    cases=("${sides[@]}")
    [ "$c" = 1 ] && cases+=(gh_mock)
    for side in "${cases[@]}"; do wrk_measure "$side-$c-$round" "$c" "${url[$side]}"; done
  done
done

# Resident memory after the rounds: Gatehouse with its instances; serverless-offline (its worker
# threads are in the process).
for side in "${sides[@]}"; do
  kib=$(rss_kib "${pid[$side]}")
  for child in $(pgrep -P "${pid[$side]}" || true); do kib=$((kib + $(rss_kib "$child"))); done
  echo "$kib" > "$tmp/$side.rss"
done

# --- Probe: REPORT lines (Duration, Init Duration) from a Gatehouse at level info, 1 instance ---
probe_port=$(free_port); probe_services=$(free_port)
gh_config "$probe_port" "$probe_services" info 1 > "$tmp/probe.yaml"
"$bin" serve -c "$tmp/probe.yaml" >"$tmp/probe.out" 2>"$tmp/probe.err" &
probe_pid=$!
pids+=("$probe_pid")
wait_http "http://127.0.0.1:$probe_port/mock"
curl -sf -o /dev/null "http://127.0.0.1:$probe_port/hello"
wrk_measure probe 1 "http://127.0.0.1:$probe_port/hello"
kill "$probe_pid"; wait "$probe_pid" 2>/dev/null || true

# --- Report ---
version() { node -p 'require(process.argv[1]).version' "$here/node_modules/$1/package.json"; }
python3 - "$tmp" "$ROUNDS" "$CONNECTIONS" "${sides[*]}" <<'PY'
import glob, re, statistics, sys
tmp, rounds, conns, sides = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(), sys.argv[4].split()
label = {"gh": "gatehouse", "gh_mock": "gatehouse mock (no λ)",
         "sls_default": "sls-offline (workers)", "sls_inprocess": "sls-offline in-process"}

def ms(v):
    n, unit = re.match(r"([\d.]+)(\w+)", v).groups()
    return float(n) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]

def wrk(path):
    out = open(path).read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"\s50%\s+(\S+)", out); p99 = re.search(r"\s99%\s+(\S+)", out)
    errors = sum(int(x) for x in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if sock: errors += sum(int(x) for x in sock.groups())
    return rps, ms(p50.group(1)) if p50 else float("nan"), ms(p99.group(1)) if p99 else float("nan"), errors

res = {}
for side in sides + ["gh_mock"]:
    for c in conns:
        runs = [wrk(f) for f in sorted(glob.glob(f"{tmp}/wrk/{side}-{c}-*"))]
        if runs:
            med = statistics.median
            res[side, c] = (med(r[0] for r in runs), med(r[1] for r in runs), med(r[2] for r in runs),
                            sum(r[3] for r in runs))

print(f"\n{'median of ' + str(rounds):26} {'conns':>5} {'req/s':>10} {'p50 ms':>10} {'p99 ms':>10} {'errors':>7}")
for c in conns:
    for side in sides + ["gh_mock"]:
        if (side, c) in res:
            r, a, b, e = res[side, c]
            print(f"{label[side]:26} {c:>5} {r:10.0f} {a:10.3f} {b:10.3f} {e:7d}")
print()
for side in sides[1:]:
    for c in conns:
        g, s = res["gh", c], res[side, c]
        print(f"gatehouse / {label[side]:23} at {c:>2} conns: throughput {g[0] / s[0]:6.2f}x"
              f"   p50 {s[1] / g[1]:6.2f}x lower")
print()
if ("sls_default", "8") in res:
    x = res["gh", "8"][0] / res["sls_default", "8"][0]
    print(f"goal: >= 10x serverless-offline's (default mode) req/s at 8 conns: {x:7.2f}x   "
          + ("met" if x >= 10 else "NOT met"))

reports = open(f"{tmp}/probe.err", encoding="utf-8", errors="replace").read()
init = re.findall(r"Init Duration: ([\d.]+) ms", reports)
# Every invocation but the first (cold) one.
durations = [float(x) for x in re.findall(r"REPORT RequestId: \S+\tDuration: ([\d.]+) ms", reports)][1:]
if ("gh", "1") in res and durations:
    d = statistics.median(durations)
    p, m = res["gh", "1"][1], res["gh_mock", "1"][1]
    added = p - d
    print(f"goal: < 1 ms p50 added over the handler's own time at 1 conn:   {added:7.3f} ms  "
          + ("met" if added < 1 else "NOT met"))
    print(f"  gatehouse p50 {p:.3f} ms - handler Duration {d:.3f} ms (median of {len(durations)} REPORT lines)")
    print(f"  = HTTP + wrk on loopback (mock route p50) {m:.3f} ms + Lambda hand-off {p - m - d:.3f} ms")
    print(f"  (the probe itself, at level info with 1 instance: p50 {wrk(tmp + '/wrk/probe')[1]:.3f} ms)")

print(f"\n{'':26} {'start to first request':>22} {'cold start':>12} {'RSS after':>10}")
for side in sides:
    t0, t1, first = map(float, open(f"{tmp}/{side}.first").read().split())
    warm = statistics.median(float(x) for x in open(f"{tmp}/{side}.warm").read().split())
    note = f"   (REPORT Init Duration {init[0]} ms)" if side == "gh" and init else ""
    rss = int(open(f"{tmp}/{side}.rss").read()) / 1024
    print(f"{label[side]:26} {(t1 - t0) * 1000:19.0f} ms {(first - warm) * 1000:9.1f} ms"
          f" {rss:6.0f} MiB{note}")
PY
echo "(machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); wrk ${WRK_SECONDS}s" \
  "-t${WRK_THREADS:-2} (-t1 at 1 conn); gatehouse: $workers threads, reservedConcurrency" \
  "$GH_CONCURRENCY; serverless $(version serverless), serverless-offline" \
  "$(version serverless-offline), node $(node --version))"
