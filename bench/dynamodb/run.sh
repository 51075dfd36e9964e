#!/usr/bin/env bash
# bench/dynamodb: PutItem, GetItem and Query throughput at CONCURRENCY concurrent clients,
# Gatehouse's embedded store against dynalite, on this machine, in one run; then Gatehouse with
# a million items (load rate, GetItem/Query latency, RSS).
#
# Both servers get the same table (pk S, sk N), loaded with ITEMS items of ~130 bytes in
# partitions of 10, then each phase runs SECONDS per side, the sides alternating, ROUNDS times:
#   put    new items, one PutItem per request;
#   get    random loaded items;
#   query  a random partition (KeyConditionExpression pk = :p, Limit 10).
# Gatehouse keeps its data on disk (SQLite WAL, its default) in a temporary directory; dynalite
# runs in its default in-memory mode. Tables are created and loaded by client.mjs (node:http,
# the protocol by hand); the measured phases are driven by wrk with ops.lua, one wrk thread and
# CONCURRENCY connections, so the client costs both sides the same and little (the AWS SDK, or
# even node:http, would be the bottleneck). dynalite 4 is pinned by package-lock.json and
# installed here with `npm ci` on first use; wrk is a Debian package.
#
# Goal (issue 6): >= 10x dynalite's ops/s.
#
# Each round also measures the ceiling: the same wrk client (one thread, CONCURRENCY
# connections) against a `mock` route of each Gatehouse, a request that does no work (as fast
# as nginx's `return 200`, bench/http). No server answers this client much faster here, so when
# 10x dynalite's rate is above the ceiling, the goal is out of reach on this machine whatever
# the store does; the summary says which.
#
# Gatehouse runs as configured by default (one worker thread per core) and, unless
# ONE_WORKER=0, a second Gatehouse with one worker thread: dynalite is one Node thread, and on
# a machine whose cores also run the client, one worker that never sleeps can outrun two that
# share a core with wrk (see bench/README.md).
#
# Usage: bench/dynamodb/run.sh
#   env: ROUNDS=3 SECONDS_PER_RUN=5 CONCURRENCY=16 ITEMS=10000 MILLION=1000000 (0: skip)
#        ONE_WORKER=1 (0: skip the one-worker Gatehouse)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
source "$here/../lib.sh"
bin=${GATEHOUSE_BIN:-$root/build/release/gatehouse}
[ -x "$bin" ] || { echo "build first: make build" >&2; exit 1; }
command -v node >/dev/null || { echo "needs Node.js 18+ on PATH" >&2; exit 1; }
command -v wrk >/dev/null || { echo "needs wrk: apt-get install wrk" >&2; exit 1; }
ROUNDS=${ROUNDS:-3}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-5}
CONCURRENCY=${CONCURRENCY:-16}
ITEMS=${ITEMS:-10000}
MILLION=${MILLION:-1000000}
ONE_WORKER=${ONE_WORKER:-1}

if [ ! -f "$here/node_modules/.package-lock.json" ] ||
   [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; then
  echo "installing dynalite (npm ci in bench/dynamodb) ..." >&2
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi

tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
client() { node "$here/client.mjs" "$@"; }
# phase ENDPOINT OP SECONDS ITEMS [BASE] -> one JSON line {op, rate, p50, p99, errors}
phase() {
  local out
  out=$(OP=$2 ITEMS=$4 BASE=${5:-$(($4 + 1))} wrk -t1 -c"$CONCURRENCY" -d"$3s" --latency \
          -s "$here/ops.lua" "$1/")
  python3 - "$2" "$out" <<'PY'
import json, re, sys
op, out = sys.argv[1], sys.argv[2]
def ms(v):
    n, unit = re.match(r"([\d.]+)(\w+)", v).groups()
    return float(n) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
errors = int(re.search(r"missing (\d+)", out).group(1))
for pattern in (r"Non-2xx or 3xx responses: (\d+)", r"Socket errors: connect (\d+), read (\d+), "
                r"write (\d+), timeout (\d+)"):
    m = re.search(pattern, out)
    errors += sum(int(g) for g in m.groups()) if m else 0
print(json.dumps({"op": op, "rate": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
                  "p50": ms(re.search(r"\s50%\s+(\S+)", out).group(1)),
                  "p99": ms(re.search(r"\s99%\s+(\S+)", out).group(1)), "errors": errors}))
PY
}

gatehouse() {  # gatehouse NAME [THREADS]: a Gatehouse with its store in $tmp/NAME; sets gh_url
  local port services
  port=$(free_port); services=$(free_port)
  cat > "$tmp/$1.yaml" <<YAML
version: 1
server:
  threads: ${2:-$(nproc)}
  watchConfig: false
  listeners:
    - {host: 127.0.0.1, port: $port, serves: apis}
    - {host: 127.0.0.1, port: $services, serves: services}
logging: {level: warn, accessLog: {destination: "off"}}
# The ceiling's mock route must not answer 429 (AWS's default account limit is 10,000 req/s).
throttling: {rateLimit: 1000000000, burstLimit: 1000000000}
dynamodb: {dataDir: $tmp/$1-data}
apis:
  - {id: none, protocol: HTTP, routes: {"GET /": {integration: {type: mock}}}}
YAML
  "$bin" serve -c "$tmp/$1.yaml" >"$tmp/$1.out" 2>"$tmp/$1.err" &
  gh_pid=$!; pids+=("$gh_pid")
  gh_url="http://127.0.0.1:$services"
  gh_api_url="http://127.0.0.1:$port"
  wait_http "$gh_url/_gatehouse/health" 10 || { cat "$tmp/$1.err" >&2; exit 1; }
}

declare -A endpoint
sides=(gh)
gatehouse main
endpoint[gh]=$gh_url
main_pid=$gh_pid
declare -A mock_url
mock_url[gh]=$gh_api_url
if [ "$ONE_WORKER" = 1 ]; then
  gatehouse one 1
  endpoint[g1]=$gh_url
  mock_url[g1]=$gh_api_url
  sides+=(g1)
fi
sides+=(dl)
dynalite_port=$(free_port)
node "$here/node_modules/dynalite/cli.js" --port "$dynalite_port" --host 127.0.0.1 \
  >"$tmp/dynalite.log" 2>&1 &
dynalite_pid=$!; pids+=("$dynalite_pid")
endpoint[dl]="http://127.0.0.1:$dynalite_port"
deadline=$((SECONDS + 30))
until { : <>"/dev/tcp/127.0.0.1/$dynalite_port"; } 2>/dev/null; do
  [ $SECONDS -ge $deadline ] && { cat "$tmp/dynalite.log" >&2; exit 1; }
  sleep 0.1
done

mkdir -p "$tmp/runs"
for side in "${sides[@]}"; do
  client setup "${endpoint[$side]}" >/dev/null
  client load "${endpoint[$side]}" "$ITEMS" > "$tmp/runs/load-$side"
  echo "load $side: $(cat "$tmp/runs/load-$side")" >&2
  phase "${endpoint[$side]}" get 1 "$ITEMS" >/dev/null  # warm-up
done
for round in $(seq "$ROUNDS"); do
  for op in put get query; do
    for side in "${sides[@]}"; do
      phase "${endpoint[$side]}" "$op" "$SECONDS_PER_RUN" "$ITEMS" $((ITEMS + round * 10000000)) \
        > "$tmp/runs/$op-$side-$round"
      echo "$op $side #$round: $(cat "$tmp/runs/$op-$side-$round")" >&2
    done
  done
  # The ceiling: a GET of each Gatehouse's mock route (no body, no store), the same client.
  for side in "${!mock_url[@]}"; do
    wrk -t1 -c"$CONCURRENCY" -d"${SECONDS_PER_RUN}s" "${mock_url[$side]}/" |
      awk '/Non-2xx|Socket errors/{bad=1} /Requests\/sec/{r=$2} END{if (bad || !r) exit 1; print r}' \
      > "$tmp/runs/ceiling-$side-$round" || { echo "the mock route failed under wrk" >&2; exit 1; }
    echo "ceiling $side #$round: $(cat "$tmp/runs/ceiling-$side-$round") req/s" >&2
  done
done
rss_gh=$(rss_kib "$main_pid")
rss_dl=$(rss_kib "$dynalite_pid")

# --- a million items: Gatehouse alone (dynalite loads them too slowly to wait for) ---
if [ "$MILLION" -gt 0 ]; then
  kill "$dynalite_pid"
  gatehouse million
  client setup "$gh_url" >/dev/null
  client load "$gh_url" "$MILLION" > "$tmp/runs/million-load"
  echo "million load: $(cat "$tmp/runs/million-load")" >&2
  for op in get query; do
    phase "$gh_url" "$op" "$SECONDS_PER_RUN" "$MILLION" > "$tmp/runs/million-$op"
    echo "million $op: $(cat "$tmp/runs/million-$op")" >&2
  done
  rss_kib "$gh_pid" > "$tmp/runs/million-rss"
  du -sk "$tmp/million-data" | cut -f1 > "$tmp/runs/million-disk"
fi

python3 - "$tmp/runs" "$ROUNDS" "$rss_gh" "$rss_dl" "$MILLION" "$(nproc)" <<'PY'
import glob, json, os, statistics, sys
runs, rounds, rss_gh, rss_dl, million = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
cores = int(sys.argv[6])
sides = [("gh", f"gatehouse ({cores} workers)"), ("g1", "gatehouse (1 worker)"), ("dl", "dynalite")]
sides = [(s, label) for s, label in sides if glob.glob(os.path.join(runs, f"put-{s}-*"))]
load = lambda name: json.load(open(os.path.join(runs, name)))
med = statistics.median
print(f"\nmedian of {rounds}{'':22} {'ops/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
ratios = {}
for op in ("put", "get", "query"):
    for side, label in sides:
        r = [json.load(open(f)) for f in glob.glob(os.path.join(runs, f"{op}-{side}-*"))]
        rate = med(x["rate"] for x in r)
        ratios[op, side] = rate
        print(f"{op:6} {label:26} {rate:10.0f} {med(x['p50'] for x in r):8.2f} "
              f"{med(x['p99'] for x in r):8.2f} {sum(x['errors'] for x in r):7d}")
for side, label in sides[:-1]:
    print()
    for op in ("put", "get", "query"):
        x = ratios[op, side] / ratios[op, "dl"]
        print(f"{label} / dynalite {op:6}: {x:6.2f}x   goal >= 10x: "
              f"{'met' if x >= 10 else 'NOT met'}")
ceilings = {side: med(float(open(f).read()) for f in glob.glob(os.path.join(runs, f"ceiling-{side}-*")))
            for side, _ in sides[:-1]}
ceiling = max(ceilings.values())
best = lambda op: max(ratios[op, side] for side, _ in sides[:-1])
print(f"\nceiling: a mock route (no work) with the same client answers {ceiling:.0f} req/s "
      f"(" + ", ".join(f"{label} {ceilings[side]:.0f}" for side, label in sides[:-1]) + ")")
for op in ("put", "get", "query"):
    need = 10 * ratios[op, "dl"]
    print(f"  10x dynalite's {op:5} = {need:7.0f} ops/s, {need / ceiling:.2f} of the ceiling "
          f"({'within' if need <= ceiling else 'ABOVE'} it); gatehouse's best reaches "
          f"{best(op) / ceiling:.2f} of it")
lg, ld = load("load-gh"), load("load-dl")  # (the default Gatehouse's)
print(f"\nloading with BatchWriteItem: gatehouse {lg['rate']:.0f} items/s, dynalite {ld['rate']:.0f}")
print(f"RSS after the rounds: gatehouse {rss_gh / 1024:.0f} MiB, dynalite {rss_dl / 1024:.0f} MiB")
if million:
    ml = load("million-load")
    print(f"\n{million} items in gatehouse: loaded at {ml['rate']:.0f} items/s "
          f"({ml['seconds']:.0f} s, {ml['errors']} failed batches)")
    for op in ("get", "query"):
        m = load(f"million-{op}")
        print(f"  {op:6} {m['rate']:8.0f} ops/s  p50 {m['p50']:.2f} ms  p99 {m['p99']:.2f} ms"
              f"  errors {m['errors']}")
    rss = int(open(os.path.join(runs, "million-rss")).read())
    disk = int(open(os.path.join(runs, "million-disk")).read())
    print(f"  RSS {rss / 1024:.0f} MiB, data on disk {disk / 1024:.0f} MiB")
PY
echo "(machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); concurrency" \
  "$CONCURRENCY; dynalite $(node -p 'require(process.argv[1]).version' \
  "$here/node_modules/dynalite/package.json"), node $(node --version))"
