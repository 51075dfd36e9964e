#!/usr/bin/env bash
# bench/websocket: a WebSocket API whose routes run a Node.js Lambda handler, Gatehouse vs
# serverless-offline, on this machine, in one run; then 10,000 idle connections on Gatehouse.
#
# Both sides run handler/index.js on $connect (serverless-offline needs one; each connection
# costs an invocation on both sides) and two two-way routes ($default echoes the message,
# "whoami" answers the connection id): Gatehouse as `runtime: nodejs` (reservedConcurrency GH_CONCURRENCY,
# default 2 x cores, instances kept warm), serverless-offline 13 from serverless.yml (copied to a
# temporary directory next to bench/lambda's pinned node_modules; its default mode runs a worker
# thread per concurrent invocation). Neither side logs per message. The driver is client.mjs
# (Node, the `ws` package), one side at a time:
#
#   round trips   CONNECTIONS clients each send a message to $default and wait for the echo
#                 before sending the next, for SECONDS; messages/s, p50, p99 (median of ROUNDS,
#                 the sides alternating);
#   broadcast     BROADCAST_CLIENTS clients; BROADCAST_MESSAGES POSTs to @connections/{id}
#                 (HTTP keep-alive, BROADCAST_INFLIGHT outstanding), as a backend pushing to its
#                 clients does; deliveries/s until every client has every message;
#   idle          IDLE_CONNECTIONS connections opened to Gatehouse and held: how many opened,
#                 Gatehouse's RSS before and while they are held, the cost per connection, and
#                 a round trip still served while they are open.
#
# Goal (issue 5): >= 10x serverless-offline's round-trip message rate.
#
# Usage: bench/websocket/run.sh
#   env: ROUNDS=3 SECONDS_PER_RUN=5 CONNECTIONS="1 8 32" BROADCAST_CLIENTS=100
#        BROADCAST_MESSAGES=20000 BROADCAST_INFLIGHT=16 IDLE_CONNECTIONS=10000
#        GH_CONCURRENCY=<2 x cores>
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
source "$here/../lib.sh"
bin=${GATEHOUSE_BIN:-$root/build/release/gatehouse}
[ -x "$bin" ] || { echo "build first: make build" >&2; exit 1; }
ROUNDS=${ROUNDS:-3}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-5}
CONNECTIONS=${CONNECTIONS:-1 8 32}
BROADCAST_CLIENTS=${BROADCAST_CLIENTS:-100}
BROADCAST_MESSAGES=${BROADCAST_MESSAGES:-20000}
BROADCAST_INFLIGHT=${BROADCAST_INFLIGHT:-16}
IDLE_CONNECTIONS=${IDLE_CONNECTIONS:-10000}
workers=$(nproc)
GH_CONCURRENCY=${GH_CONCURRENCY:-$((2 * workers))}
ensure_serverless_offline
# 10,000 connections need 10,000 descriptors on each side of them.
ulimit -n "$(ulimit -Hn)"

tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  [ -n "${KEEP_TMP:-}" ] && echo "kept $tmp" >&2 || rm -rf "$tmp"
}
trap cleanup EXIT
client() { node "$here/client.mjs" "$@"; }

# --- Gatehouse ---
gh_port=$(free_port)
cat > "$tmp/gatehouse.yaml" <<YAML
version: 1
server:
  threads: $workers
  watchConfig: false
  listeners:
    - {host: 127.0.0.1, port: $gh_port, serves: apis}
  limits: {maxConnections: $((IDLE_CONNECTIONS + 1000))}
logging:
  level: warn
  accessLog: {destination: "off"}
# AWS's account throttle (10,000 rps, burst 5,000) is on by default; a benchmark measures past it.
throttling: {rateLimit: 1000000000, burstLimit: 1000000000}
functions:
  echo:
    runtime: nodejs
    handler: index.handler
    codeUri: $here/handler
    reservedConcurrency: $GH_CONCURRENCY
    idleTimeout: 300
    watch: false
apis:
  - id: bench
    protocol: WEBSOCKET
    routeSelectionExpression: \$request.body.action
    stages: {dev: {}}
    routes:
      \$connect: {integration: {type: lambda, function: echo}}
      \$default: {integration: {type: lambda, function: echo}, routeResponseSelectionExpression: \$default}
      whoami: {integration: {type: lambda, function: echo}, routeResponseSelectionExpression: \$default}
YAML
"$bin" serve -c "$tmp/gatehouse.yaml" >"$tmp/gh.out" 2>"$tmp/gh.err" &
gh_pid=$!; pids+=("$gh_pid")
declare -A ws_url conn_url
ws_url[gh]="ws://127.0.0.1:$gh_port/dev"
conn_url[gh]="http://127.0.0.1:$gh_port/dev"
wait_http "http://127.0.0.1:$gh_port/dev" 10 || { cat "$tmp/gh.err" >&2; exit 1; }

# --- serverless-offline ---
mkdir -p "$tmp/sls" "$tmp/home"
cp -r "$here/serverless.yml" "$here/handler" "$tmp/sls/"
ln -s "$root/bench/lambda/node_modules" "$tmp/sls/node_modules"
sls_http=$(free_port); sls_ws=$(free_port); sls_lambda=$(free_port)
sls_offline "$tmp/sls" "$tmp/home" --host 127.0.0.1 --httpPort "$sls_http" \
  --websocketPort "$sls_ws" --lambdaPort "$sls_lambda" --terminateIdleLambdaTime 3600 \
  >"$tmp/sls.log" 2>&1 &
sls_pid=$!; pids+=("$sls_pid")
ws_url[sls]="ws://127.0.0.1:$sls_ws"
conn_url[sls]="http://127.0.0.1:$sls_ws"
deadline=$((SECONDS + 60))
until { : <>"/dev/tcp/127.0.0.1/$sls_ws"; } 2>/dev/null; do
  [ $SECONDS -ge $deadline ] && { cat "$tmp/sls.log" >&2; exit 1; }
  sleep 0.1
done

# Warm-up: every side at every connection count (starts instances / workers).
for c in $CONNECTIONS; do
  for side in gh sls; do client roundtrip "${ws_url[$side]}" "$c" 2 > /dev/null; done
done

mkdir -p "$tmp/runs"
for round in $(seq "$ROUNDS"); do
  for c in $CONNECTIONS; do
    for side in gh sls; do
      client roundtrip "${ws_url[$side]}" "$c" "$SECONDS_PER_RUN" > "$tmp/runs/rt-$side-$c-$round"
      echo "round trips $side c=$c #$round: $(cat "$tmp/runs/rt-$side-$c-$round")" >&2
    done
  done
  for side in gh sls; do
    client broadcast "${ws_url[$side]}" "${conn_url[$side]}" "$BROADCAST_CLIENTS" \
      "$BROADCAST_MESSAGES" "$BROADCAST_INFLIGHT" > "$tmp/runs/bc-$side-$round"
    echo "broadcast $side #$round: $(cat "$tmp/runs/bc-$side-$round")" >&2
  done
done
gh_rss_busy=$(rss_kib "$gh_pid")
sls_rss=$(rss_kib "$sls_pid")
kill "$sls_pid"; wait "$sls_pid" 2>/dev/null || true

# --- idle connections on Gatehouse ---
gh_rss_before=$(rss_kib "$gh_pid")
exec {hold}> >(client idle "${ws_url[gh]}" "$IDLE_CONNECTIONS" > "$tmp/idle.out")
deadline=$((SECONDS + 120))
until [ -s "$tmp/idle.out" ]; do
  [ $SECONDS -ge $deadline ] && { echo "idle connections not open after 120 s" >&2; break; }
  sleep 0.2
done
sleep 1
gh_rss_idle=$(rss_kib "$gh_pid")
client roundtrip "${ws_url[gh]}" 1 1 > "$tmp/idle-roundtrip"
exec {hold}>&-
sleep 1

python3 - "$tmp" "$ROUNDS" "$CONNECTIONS" "$gh_rss_before" "$gh_rss_idle" "$gh_rss_busy" \
  "$sls_rss" <<'PY'
import glob, json, statistics, sys
tmp, rounds, conns = sys.argv[1], int(sys.argv[2]), sys.argv[3].split()
rss_before, rss_idle, rss_busy, sls_rss = (int(x) for x in sys.argv[4:8])
label = {"gh": "gatehouse", "sls": "serverless-offline"}
med = statistics.median

def runs(pattern):
    return [json.load(open(f)) for f in sorted(glob.glob(f"{tmp}/runs/{pattern}"))]

print(f"\nround trips through a $default Lambda route (median of {rounds})")
print(f"{'':20} {'conns':>5} {'msg/s':>10} {'p50 ms':>9} {'p99 ms':>9} {'errors':>7}")
rt = {}
for c in conns:
    for side in ("gh", "sls"):
        r = runs(f"rt-{side}-{c}-*")
        rt[side, c] = med(x["rate"] for x in r)
        print(f"{label[side]:20} {c:>5} {rt[side, c]:10.0f} {med(x['p50'] for x in r):9.2f}"
              f" {med(x['p99'] for x in r):9.2f} {sum(x['errors'] for x in r):7d}")
for c in conns:
    print(f"gatehouse / serverless-offline at {c:>2} conns: {rt['gh', c] / rt['sls', c]:7.2f}x")
best = max(conns, key=lambda c: rt["sls", c])
x = rt["gh", best] / rt["sls", best]
print(f"goal: >= 10x serverless-offline's best round-trip rate ({rt['sls', best]:.0f} msg/s at"
      f" {best} conns): {x:.2f}x  " + ("met" if x >= 10 else "NOT met"))

print(f"\n@connections broadcast (median of {rounds})")
bc = {}
for side in ("gh", "sls"):
    r = runs(f"bc-{side}-*")
    bc[side] = med(x["rate"] for x in r)
    print(f"{label[side]:20} {bc[side]:10.0f} deliveries/s  refused {sum(x['refused'] for x in r)}"
          f"  delivered {sum(x['delivered'] for x in r)}")
print(f"gatehouse / serverless-offline: {bc['gh'] / bc['sls']:.2f}x")

lines = open(f"{tmp}/idle.out").read().split("\n")
held = json.loads(lines[0]) if lines[0] else {"open": 0, "failed": "?"}
closed = json.loads(lines[1]) if len(lines) > 1 and lines[1] else {}
after = json.load(open(f"{tmp}/idle-roundtrip"))
per = (rss_idle - rss_before) / max(held["open"], 1)
print(f"\nidle: {held['open']} connections open ({held['failed']} failed,"
      f" {closed.get('closedWhileHeld', '?')} closed while held)")
print(f"gatehouse RSS: {rss_before / 1024:.0f} MiB before, {rss_idle / 1024:.0f} MiB while held"
      f" = {per:.1f} KiB per connection; a round trip meanwhile: {after['rate']:.0f} msg/s"
      f" at 1 conn, {after['errors']} errors")
print(f"RSS after the rounds: gatehouse {rss_busy / 1024:.0f} MiB (without its instances),"
      f" serverless-offline {sls_rss / 1024:.0f} MiB")
PY
echo "(machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); gatehouse:" \
  "$workers threads, reservedConcurrency $GH_CONCURRENCY; serverless-offline" \
  "$(node -p 'require(process.argv[1]).version' "$root/bench/lambda/node_modules/serverless-offline/package.json")," \
  "node $(node --version))"
