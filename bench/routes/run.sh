#!/usr/bin/env bash
# bench/routes: does routing cost depend on the number of routes? Serves one API with 10 routes
# and one with 10,000 routes (same shape), drives random routes with wrk, and prints req/s for
# both, the ratio, startup time and RSS with 10,000 routes; then the in-process trie
# micro-benchmark (ns per match by route count and path depth).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
source "$here/../lib.sh"
"$root/scripts/install-deps.sh" wrk >/dev/null
bin=${GATEHOUSE_BIN:-$root/build/release/gatehouse}
[ -x "$bin" ] || { echo "build first: make build" >&2; exit 1; }
ROUNDS=${ROUNDS:-3}
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT

serve() {  # serve ROUTES -> sets port, pid, startup_ms
  local n=$1 services
  port=$(free_port); services=$(free_port)
  python3 - "$n" "$port" "$services" > "$tmp/routes-$n.yaml" <<'PY'
import sys
n, port, services = map(int, sys.argv[1:])
print(f"""version: 1
server:
  watchConfig: false
  listeners:
    - {{host: 127.0.0.1, port: {port}, serves: apis}}
    - {{host: 127.0.0.1, port: {services}, serves: services}}
logging: {{level: warn, accessLog: {{destination: "off"}}}}
throttling: {{rateLimit: 1000000000, burstLimit: 1000000000}}  # past AWS's default 10,000 rps
apis:
  - id: many
    routes:""")
for i in range(n):
    print(f'      "GET /r{i}/items/{{id}}": {{integration: {{type: mock, body: "r{i}"}}}}')
PY
  local start=$(date +%s%N)
  "$bin" serve -c "$tmp/routes-$n.yaml" >/dev/null 2>"$tmp/err-$n" &
  pid=$!
  pids+=($pid)
  until curl -sf -o /dev/null "http://127.0.0.1:$port/r0/items/1"; do sleep 0.001; done
  startup_ms=$(( ($(date +%s%N) - start) / 1000000 ))
  cat > "$tmp/random-$n.lua" <<LUA
math.randomseed(42)
request = function() return wrk.format("GET", "/r" .. math.random(0, $n - 1) .. "/items/7") end
LUA
}

declare -A results
for n in 10 10000; do
  serve $n
  eval "port_$n=$port pid_$n=$pid startup_$n=$startup_ms"
done
for round in $(seq "$ROUNDS"); do
  for n in 10 10000; do
    p=port_$n
    read -r r _ _ < <(wrk_run -s "$tmp/random-$n.lua" "http://127.0.0.1:${!p}/")
    results[$n]+=" $r"
    echo "round $round, $n routes: $r req/s" >&2
  done
done
# shellcheck disable=SC2086
r10=$(median ${results[10]}); r10k=$(median ${results[10000]})
printf '\n%-14s %10s %12s %10s\n' routes "req/s" "startup ms" "RSS MiB"
printf '%-14s %10.0f %12s %10s\n' 10 "$r10" "$startup_10" "$(( $(rss_kib "$pid_10") / 1024 ))"
printf '%-14s %10.0f %12s %10s\n' 10000 "$r10k" "$startup_10000" "$(( $(rss_kib "$pid_10000") / 1024 ))"
python3 -c 'import sys; a,b=map(float,sys.argv[1:]); print(f"\n10,000 routes / 10 routes throughput: {b/a:.2f}x")' "$r10" "$r10k"

echo
echo "trie micro-benchmark (in process):"
cmake --build "$(dirname "$bin")" --target gatehouse_route_bench >/dev/null
"$(dirname "$bin")/gatehouse_route_bench"
