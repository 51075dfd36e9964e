#!/usr/bin/env bash
# bench/http: Gatehouse vs nginx on this machine, in one run, with wrk.
#   (a) a mock route            vs nginx `return 200`
#   (b) an http_proxy route     vs nginx `proxy_pass` with upstream keep-alive
# Both proxy to the same small nginx backend. Access logs are off on both sides. Prints req/s,
# p50 and p99 for each (median of ROUNDS runs, alternating), the ratios, Gatehouse's idle and
# under-load RSS, and the time from process start to the first served request.
#
# Usage: bench/http/run.sh            (env: ROUNDS=3 WRK_SECONDS=8 WRK_CONNECTIONS=64 WRK_THREADS=2)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
source "$here/../lib.sh"
"$root/scripts/install-deps.sh" nginx-light wrk >/dev/null
bin=${GATEHOUSE_BIN:-$root/build/release/gatehouse}
[ -x "$bin" ] || { echo "build first: make build" >&2; exit 1; }
ROUNDS=${ROUNDS:-3}
workers=$(nproc)

tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT

backend_port=$(free_port); nginx_port=$(free_port); gh_port=$(free_port); gh_services=$(free_port)
body='hello from the backend'

cat > "$tmp/nginx.conf" <<NGINX
worker_processes $workers;
pid $tmp/nginx.pid;
error_log $tmp/nginx-error.log warn;
daemon off;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  upstream backend { server 127.0.0.1:$backend_port; keepalive 64; }
  server {   # the small backend both gateways proxy to
    listen 127.0.0.1:$backend_port;
    location / { default_type text/plain; return 200 '$body'; }
  }
  server {   # nginx as the gateway
    listen 127.0.0.1:$nginx_port;
    location = /mock { default_type application/json; return 200 '{"ok":true}'; }
    location = /proxy {
      proxy_pass http://backend/;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
NGINX

cat > "$tmp/gatehouse.yaml" <<YAML
version: 1
server:
  threads: $workers
  watchConfig: false
  listeners:
    - {host: 127.0.0.1, port: $gh_port, serves: apis}
    - {host: 127.0.0.1, port: $gh_services, serves: services}
logging:
  level: warn
  accessLog: {destination: "off"}
# AWS's account throttle (10,000 rps, burst 5,000) is on by default; a benchmark measures past it.
throttling: {rateLimit: 1000000000, burstLimit: 1000000000}
apis:
  - id: bench
    routes:
      "GET /mock":
        integration: {type: mock, headers: {Content-Type: application/json}, body: '{"ok":true}'}
      "GET /proxy":
        integration: {type: http_proxy, uri: "http://127.0.0.1:$backend_port/"}
YAML

nginx -c "$tmp/nginx.conf" -p "$tmp" 2>"$tmp/nginx.stderr" &
pids+=($!)

# Time from process start to the first served request.
start_ns=$(date +%s%N)
"$bin" serve -c "$tmp/gatehouse.yaml" >"$tmp/gh.out" 2>"$tmp/gh.err" &
gh_pid=$!
pids+=($gh_pid)
until curl -sf -o /dev/null "http://127.0.0.1:$gh_port/mock"; do sleep 0.001; done
first_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
wait_http "http://127.0.0.1:$nginx_port/mock"
wait_http "http://127.0.0.1:$gh_port/proxy"
idle_rss=$(rss_kib "$gh_pid")

# Warm both up (connection pools, page cache).
WRK_SECONDS=2 wrk_run "http://127.0.0.1:$gh_port/proxy" >/dev/null
WRK_SECONDS=2 wrk_run "http://127.0.0.1:$nginx_port/proxy" >/dev/null

declare -A rps p50 p99
for name in gh_mock ng_mock gh_proxy ng_proxy; do rps[$name]=""; p50[$name]=""; p99[$name]=""; done
peak_rss=$idle_rss
for round in $(seq "$ROUNDS"); do
  for case in mock proxy; do
    for who in gh ng; do
      port=$gh_port; [ $who = ng ] && port=$nginx_port
      sampler=""
      if [ $who = gh ]; then
        ( sleep 2; rss_kib "$gh_pid" > "$tmp/rss" ) &
        sampler=$!
      fi
      read -r r a b < <(wrk_run "http://127.0.0.1:$port/$case")
      if [ -n "$sampler" ]; then
        wait "$sampler"
        r2=$(cat "$tmp/rss"); [ "$r2" -gt "$peak_rss" ] && peak_rss=$r2
      fi
      rps[${who}_$case]+=" $r"; p50[${who}_$case]+=" $a"; p99[${who}_$case]+=" $b"
      echo "round $round $who $case: $r req/s p50 $a ms p99 $b ms" >&2
    done
  done
done

printf '\n%-22s %12s %10s %10s\n' "case (median of $ROUNDS)" "req/s" "p50 ms" "p99 ms"
for case in mock proxy; do
  for who in gh ng; do
    label="gatehouse $case"; [ $who = ng ] && label="nginx $case"
    k=${who}_$case
    # shellcheck disable=SC2086
    printf '%-22s %12.0f %10.3f %10.3f\n' "$label" "$(median ${rps[$k]})" "$(median ${p50[$k]})" "$(median ${p99[$k]})"
  done
done
echo
for case in mock proxy; do
  # shellcheck disable=SC2086
  python3 -c 'import sys; g,n=map(float,sys.argv[2:]); print(f"{sys.argv[1]:6} gatehouse/nginx throughput {g/n:.2f}x")' \
    "$case" "$(median ${rps[gh_$case]})" "$(median ${rps[ng_$case]})"
done
echo
echo "gatehouse idle RSS:        $((idle_rss / 1024)) MiB ($idle_rss KiB)"
echo "gatehouse RSS under load:  $((peak_rss / 1024)) MiB ($peak_rss KiB)"
echo "start to first response:   ${first_ms} ms"
echo "(machine: $(nproc) cores; wrk -t${WRK_THREADS:-2} -c${WRK_CONNECTIONS:-64} ${WRK_SECONDS:-8}s; $workers gatehouse threads / nginx workers)"
