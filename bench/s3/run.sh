#!/usr/bin/env bash
# bench/s3: GET and PUT of 4 KiB and 1 MiB objects at CONCURRENCY concurrent clients, Gatehouse's
# S3 API against s3rver, on this machine, in one run; ops/s, MiB/s, p50, p99, RSS, the ratios,
# and Gatehouse's 1 MiB PUT rate against the disk's own write speed.
#
# Both servers get the same bucket and the same pre-created objects (random bytes): GET_KEYS_4K
# objects of 4 KiB and GET_KEYS_1M of 1 MiB, read at random; each wrk thread's PUTs cycle
# through its own PUT_KEYS keys of each size (a bounded set, overwritten), under a new prefix
# each round (so a key that answers afterwards was written by that round). Requests are
# unsigned and path-style (Gatehouse without `iam`; s3rver accepts them); wrk with ops.lua
# drives them, WRK_THREADS thread(s) and CONCURRENCY connections, every request
# built once in init(). Each phase runs SECONDS_PER_RUN seconds per side, the sides alternating,
# ROUNDS times. Besides ops/s, MiB/s, p50, p99 and RSS, each phase records the server's CPU
# time per operation (utime + stime of the whole process over the wrk run), which a noisy
# machine distorts less than the rates. A phase with a non-2xx answer, a socket error, a PUT answer without the body's
# MD5 as ETag, a GET phase that read fewer bytes than its objects, or a PUT whose keys do not
# read back byte for byte (curl spot checks after each PUT phase) stops the script.
#
# Sides: Gatehouse with `fsync` on (its default: each object file, then its directory, is
# fsynced before the answer), Gatehouse with `fsync: false` (PUT phases only; FSYNC_OFF=0 skips
# it), and s3rver 3 (pinned by package-lock.json, installed here with `npm ci` on first use;
# it never fsyncs). All keep their data in one temporary directory, on the same filesystem;
# after each PUT phase `sync -f` flushes what a side left dirty, outside the timed phase. Once
# per round, dd writes DD_MB MiB into that directory with conv=fdatasync: the disk's own
# sequential write speed; and durable_writes.py runs CONCURRENCY threads doing, with no HTTP,
# the file work of a 4 KiB PUT with fsync (write, fsync, exchange into place, fsync of the
# directory): the disk's durable small-write rate, the ceiling of that phase for any server
# that flushes as Gatehouse's durability contract requires (s3rver never flushes).
#
# Goal (issue): >= 10x s3rver, and Gatehouse's 1 MiB PUT within 2x of the disk's write speed.
#
# Usage: bench/s3/run.sh
#   env: ROUNDS=3 SECONDS_PER_RUN=3 CONCURRENCY=16 WRK_THREADS=2 GET_KEYS_4K=512 GET_KEYS_1M=64
#        PUT_KEYS=4*CONCURRENCY (per wrk thread)
#        DD_MB=256 FSYNC_OFF=1
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
source "$here/../lib.sh"
# The real interpreter, once: a version manager's shim (pyenv's is a bash script) can take
# seconds to start on a loaded machine, and every phase runs Python.
py=$(python3 -c 'import sys; print(sys.executable)')
python3() { "$py" "$@"; }
bin=${GATEHOUSE_BIN:-$root/build/release/gatehouse}
[ -x "$bin" ] || { echo "build first: make build" >&2; exit 1; }
command -v node >/dev/null || { echo "needs Node.js 18+ on PATH" >&2; exit 1; }
command -v wrk >/dev/null || "$root/scripts/install-deps.sh" wrk >/dev/null
ROUNDS=${ROUNDS:-3}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-3}
CONCURRENCY=${CONCURRENCY:-16}
# Two client threads: one wrk thread receiving 1 MiB answers saturates its core near 2 GB/s
# (measured: 100 % system time), below what Gatehouse serves with sendfile.
WRK_THREADS=${WRK_THREADS:-2}
declare -A get_keys=([4k]=${GET_KEYS_4K:-512} [1m]=${GET_KEYS_1M:-64})
PUT_KEYS=${PUT_KEYS:-$((4 * CONCURRENCY))}
DD_MB=${DD_MB:-256}
FSYNC_OFF=${FSYNC_OFF:-1}
declare -A size_bytes=([4k]=4096 [1m]=1048576)
sizes="4k 1m"
bucket=bench

if [ ! -f "$here/node_modules/.package-lock.json" ] ||
   [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; then
  echo "installing s3rver (npm ci in bench/s3) ..." >&2
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi

tmp=$(mktemp -d)
pids=()
sampler=""
cleanup() {
  [ -z "$sampler" ] || kill "$sampler" 2>/dev/null || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

for s in $sizes; do head -c "${size_bytes[$s]}" /dev/urandom > "$tmp/body-$s"; done

declare -A endpoint pid
gatehouse() {  # gatehouse SIDE FSYNC_YAML: a Gatehouse with its S3 data in $tmp/SIDE-data
  local port services
  port=$(free_port); services=$(free_port)
  cat > "$tmp/$1.yaml" <<YAML
version: 1
server:
  threads: $(nproc)
  watchConfig: false
  listeners:
    - {host: 127.0.0.1, port: $port, serves: apis}
    - {host: 127.0.0.1, port: $services, serves: services}
logging: {level: warn, accessLog: {destination: "off"}}
s3: {dataDir: $tmp/$1-data$2}
apis:
  - {id: none, protocol: HTTP, routes: {"GET /": {integration: {type: mock}}}}
YAML
  "$bin" serve -c "$tmp/$1.yaml" >"$tmp/$1.out" 2>"$tmp/$1.err" &
  pid[$1]=$!; pids+=("$!")
  endpoint[$1]="http://127.0.0.1:$services"
  wait_http "${endpoint[$1]}/_gatehouse/health" 10 || { cat "$tmp/$1.err" >&2; exit 1; }
}
gatehouse gh ""                       # fsync: its default, on
sides_put="gh"
if [ "$FSYNC_OFF" = 1 ]; then
  gatehouse ghnf ", fsync: false"
  sides_put="gh ghnf"
fi
s3rver_port=$(free_port)
node "$here/node_modules/s3rver/bin/s3rver.js" -d "$tmp/s3rver-data" -a 127.0.0.1 \
  -p "$s3rver_port" --silent >"$tmp/s3rver.log" 2>&1 &
pid[s3]=$!; pids+=("$!")
endpoint[s3]="http://127.0.0.1:$s3rver_port"
wait_http "${endpoint[s3]}/" 30 || { cat "$tmp/s3rver.log" >&2; exit 1; }
sides_put+=" s3"

# The client's ceiling for 1 MiB GETs: nginx serving one cached 1 MiB file with sendfile, to
# the same wrk (threads, connections, seconds). No server sends this client more.
command -v nginx >/dev/null || "$root/scripts/install-deps.sh" nginx-light >/dev/null
mkdir -p "$tmp/static"
cp "$tmp/body-1m" "$tmp/static/obj"
nginx_port=$(free_port)
cat > "$tmp/nginx.conf" <<NGINX
# root: the workers read files under the mktemp directory (mode 700); ignored when not root.
user root;
worker_processes $(nproc);
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  keepalive_requests 1000000;
  server { listen 127.0.0.1:$nginx_port; root $tmp/static; }
}
NGINX
nginx -c "$tmp/nginx.conf" -p "$tmp" 2>"$tmp/nginx.stderr" &
pids+=("$!")
ceiling_url="http://127.0.0.1:$nginx_port/obj"
wait_http "$ceiling_url" 10 || { cat "$tmp/nginx.stderr" "$tmp/nginx-error.log" >&2; exit 1; }

# The bucket and the GET objects, unsigned, over 8 keep-alive connections per server; every
# PUT must answer 200 with the body's MD5 as ETag, and one object of each size must read back.
started=$SECONDS
python3 - "$tmp" "$bucket" "${get_keys[4k]}" "${get_keys[1m]}" "${endpoint[gh]}" "${endpoint[s3]}" \
  ${endpoint[ghnf]:+"${endpoint[ghnf]}"} <<'PY'
import hashlib, http.client, sys, threading, urllib.parse
tmp, bucket, urls = sys.argv[1], sys.argv[2], sys.argv[5:]
nkeys = {"4k": int(sys.argv[3]), "1m": int(sys.argv[4])}
bodies = {s: open(f"{tmp}/body-{s}", "rb").read() for s in ("4k", "1m")}
failures = []

def call(c, method, path, body=None):
    c.request(method, path, body=body)
    r = c.getresponse()
    return r, r.read()

def load(url, part, parts):
    try:
        c = http.client.HTTPConnection(urllib.parse.urlsplit(url).netloc, timeout=60)
        for size, body in bodies.items():
            etag = '"' + hashlib.md5(body).hexdigest() + '"'
            for k in range(part, nkeys[size], parts):
                r, _ = call(c, "PUT", f"/{bucket}/get/{size}/k{k}", body)
                assert r.status == 200 and r.getheader("ETag") == etag, f"{url}: PUT {r.status}"
    except Exception as e:
        failures.append(e)

for i, url in enumerate(urls):
    c = http.client.HTTPConnection(urllib.parse.urlsplit(url).netloc, timeout=60)
    r, _ = call(c, "PUT", f"/{bucket}")
    assert r.status == 200, f"{url}: CreateBucket answered {r.status}"
    if i == 2:
        continue  # Gatehouse without fsync: PUT phases only
    workers = [threading.Thread(target=load, args=(url, p, 8)) for p in range(8)]
    for w in workers: w.start()
    for w in workers: w.join()
    if failures:
        sys.exit(f"loading {url}: {failures[0]}")
    c = http.client.HTTPConnection(urllib.parse.urlsplit(url).netloc, timeout=60)
    for size, body in bodies.items():
        r, got = call(c, "GET", f"/{bucket}/get/{size}/k{nkeys[size] - 1}")
        assert r.status == 200 and got == body, f"{url}: GET does not read back the object"
PY
echo "objects loaded in $((SECONDS - started)) s" >&2

# sample_rss PID FILE &: the highest VmRSS (KiB) seen every 0.2 s, kept in FILE until killed
# (or until PID is gone).
sample_rss() {
  local max=0 key value _
  while [ -r "/proc/$1/status" ]; do
    while read -r key value _; do
      if [ "$key" = VmRSS: ] && [ "$value" -gt "$max" ]; then max=$value; fi
    done < "/proc/$1/status"
    echo "$max" > "$2.new" && mv -f "$2.new" "$2"
    sleep 0.2
  done
}

# cpu_ticks PID: utime + stime of the whole process so far, in clock ticks.
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }

mkdir -p "$tmp/runs"
# phase SIDE OP SIZE SECONDS NAME: one wrk run; its figures to $tmp/runs/NAME (JSON), checked.
phase() {
  local side=$1 op=$2 size=$3 prefix keys out
  if [ "$op" = get ]; then prefix="get/$size/k"; keys=${get_keys[$size]}
  else prefix="put/r$round/$size/"; keys=$PUT_KEYS; fi
  echo 0 > "$tmp/rss"
  sample_rss "${pid[$side]}" "$tmp/rss" & sampler=$!
  cpu0=$(cpu_ticks "${pid[$side]}")
  out=$(OP=$op BUCKET=$bucket PREFIX=$prefix KEYS=$keys BODY="$tmp/body-$size" \
        ETAG="\"$(md5sum < "$tmp/body-$size" | cut -d' ' -f1)\"" \
        wrk -t"$WRK_THREADS" -c"$CONCURRENCY" -d"$4s" --latency -s "$here/ops.lua" \
        "${endpoint[$side]}")
  cpu1=$(cpu_ticks "${pid[$side]}")
  kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true; sampler=""
  python3 - "$side" "$op" "$size" "${size_bytes[$size]}" "$(cat "$tmp/rss")" "$out" \
    "$(( (cpu1 - cpu0) * 1000 / $(getconf CLK_TCK) ))" \
    > "$tmp/runs/$5" <<'PY'
import json, re, sys
side, op, size, nbytes, rss, out = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
cpu_ms = int(sys.argv[7])
r = json.loads(re.search(r"^RESULT (.*)$", out, re.M).group(1))
problems = [f"{k} {r[k]}" for k in ("non2xx", "socket_errors", "bad") if r[k]]
if op == "get" and r["bytes"] < r["requests"] * nbytes:
    problems.append(f"read {r['bytes']} bytes for {r['requests']} objects of {nbytes}")
if problems or not r["requests"]:
    sys.exit(f"{side} {op} {size}: {', '.join(problems) or 'no requests'}")
rate = r["requests"] / r["seconds"]
print(json.dumps({"side": side, "op": op, "size": size, "rate": rate,
                  "mib": rate * nbytes / 2**20, "p50": r["p50"], "p99": r["p99"],
                  "rss": rss, "requests": r["requests"], "cpu_ms_op": cpu_ms / r["requests"]}))
PY
  if [ "$op" = put ]; then
    # Spot checks: two of wrk thread 0's keys read back byte for byte. Thread 0 sent `sent`
    # requests, the i-th to key i % keys, with at most c0 (its connections) unanswered when wrk
    # stopped, and those may have been cut off mid-body. A key whose last request was sent 3 * c0
    # or more requests before the end has been answered; the keys checked are the one written
    # 3 * c0 + 1 requests before the end and the least recently written one.
    local sent c0 k
    sent=$(sed -n 's/.*"sent0":\([0-9]*\).*/\1/p' <<<"$out")
    c0=$(( (CONCURRENCY + WRK_THREADS - 1) / WRK_THREADS ))
    if [ "$keys" -le $((3 * c0)) ] || [ "$sent" -le $((3 * c0)) ]; then
      echo "$side put $size: too few keys ($keys) or requests ($sent) to spot-check" >&2; exit 1
    fi
    for k in $(( (sent - 1 - 3 * c0) % keys )) $(( sent >= keys ? sent % keys : 0 )); do
      if ! curl -sf -o "$tmp/check" "${endpoint[$side]}/$bucket/${prefix}0/$k" ||
         ! cmp -s "$tmp/check" "$tmp/body-$size"; then
        echo "$side put $size: ${prefix}0/$k does not read back byte for byte" >&2; exit 1
      fi
    done
    sync -f "$tmp"
  fi
}

for size in $sizes; do  # warm-up (page cache, connections, JIT): 1 s of GET per side and size
  for side in gh s3; do phase "$side" get "$size" 1 warmup; done
done
for round in $(seq "$ROUNDS"); do
  for size in $sizes; do
    for op in get put; do
      sides="gh s3"; [ "$op" = put ] && sides=$sides_put
      for side in $sides; do
        phase "$side" "$op" "$size" "$SECONDS_PER_RUN" "$op-$size-$side-$round"
        echo "[${SECONDS}s] $op $size $side #$round: $(cat "$tmp/runs/$op-$size-$side-$round")" >&2
      done
    done
  done
  wrk -t"$WRK_THREADS" -c"$CONCURRENCY" -d"${SECONDS_PER_RUN}s" "$ceiling_url" |
    awk '/Non-2xx|Socket errors/{bad=1} /Requests\/sec/{r=$2} END{if (bad || !r) exit 1; print r}' \
    > "$tmp/runs/ceiling-get1m-$round" || { echo "nginx failed under wrk" >&2; exit 1; }
  echo "1 MiB GET ceiling (nginx) #$round: $(cat "$tmp/runs/ceiling-get1m-$round") req/s" >&2
  # MD5, which every PUT computes over its body for the ETag: MiB/s on one core (OpenSSL's,
  # through hashlib); a 1 MiB PUT cannot go faster than this times the cores.
  python3 -c 'import hashlib, os, time
b = os.urandom(1 << 20); n = 0; t = time.perf_counter()
while time.perf_counter() - t < 1: hashlib.md5(b).digest(); n += 1
print(n / (time.perf_counter() - t))' > "$tmp/runs/md5-$round"
  echo "MD5 on one core #$round: $(cat "$tmp/runs/md5-$round") MiB/s" >&2
  # The disk's own sequential write speed, in the same directory: DD_MB MiB, then fdatasync.
  dd if=/dev/zero of="$tmp/dd" bs=1M count="$DD_MB" conv=fdatasync 2>"$tmp/dd.out"
  rm -f "$tmp/dd"
  sed -n 's/.*copied, \([0-9.]*\) s.*/\1/p' "$tmp/dd.out" > "$tmp/runs/dd-$round"
  echo "dd #$round: $DD_MB MiB in $(cat "$tmp/runs/dd-$round") s" >&2
  python3 "$here/durable_writes.py" "$tmp/durable" "$SECONDS_PER_RUN" "$CONCURRENCY" 4096 \
    > "$tmp/runs/durable-$round"
  rm -rf "$tmp/durable"
  echo "durable 4 KiB writes #$round: $(cat "$tmp/runs/durable-$round")" >&2
done
for side in "${!pid[@]}"; do peak_rss_kib "${pid[$side]}" > "$tmp/runs/peak-$side"; done

python3 - "$tmp/runs" "$ROUNDS" "$DD_MB" "$sides_put" <<'PY'
import glob, json, os, statistics, sys
runs, rounds, dd_mb, sides_put = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4].split()
med = statistics.median
label = {"gh": "gatehouse", "ghnf": "gatehouse fsync off", "s3": "s3rver"}
rows = {}
print(f"\nmedian of {rounds}                        {'ops/s':>9} {'MiB/s':>8} {'p50 ms':>8} "
      f"{'p99 ms':>8} {'RSS MiB':>8} {'CPU ms/op':>10}")
for size in ("4k", "1m"):
    for op in ("get", "put"):
        for side in (sides_put if op == "put" else ["gh", "s3"]):
            r = [json.load(open(f)) for f in glob.glob(os.path.join(runs, f"{op}-{size}-{side}-*"))]
            row = {k: med(x[k] for x in r) for k in ("rate", "mib", "p50", "p99", "cpu_ms_op")}
            row["rss"] = max(x["rss"] for x in r) / 1024
            rows[op, size, side] = row
            name = f"{label[side]:20} {op.upper():3} {'4 KiB' if size == '4k' else '1 MiB'}"
            print(f"{name:36} {row['rate']:9.0f} {row['mib']:8.1f} {row['p50']:8.2f} "
                  f"{row['p99']:8.2f} {row['rss']:8.0f} {row['cpu_ms_op']:10.3f}")
print()
for size in ("4k", "1m"):
    for op in ("get", "put"):
        for side in ([s for s in sides_put if s != "s3"] if op == "put" else ["gh"]):
            x = rows[op, size, side]["rate"] / rows[op, size, "s3"]["rate"]
            c = rows[op, size, "s3"]["cpu_ms_op"] / max(rows[op, size, side]["cpu_ms_op"], 1e-9)
            goal = "" if side != "gh" else f"   goal >= 10x: {'met' if x >= 10 else 'NOT met'}"
            print(f"{label[side]:20} / s3rver {op.upper():3} {'4 KiB' if size == '4k' else '1 MiB'}:"
                  f" {x:7.2f}x   (CPU per op: s3rver's / gatehouse's {c:6.2f}x){goal}")
ceiling = med(float(open(f).read()) for f in glob.glob(os.path.join(runs, "ceiling-get1m-*")))
need = 10 * rows["get", "1m", "s3"]["mib"]
print(f"\nthe client's ceiling for 1 MiB GETs (nginx, sendfile, one cached file): {ceiling:.0f} MiB/s;"
      f" 10x s3rver's GET 1 MiB = {need:.0f} MiB/s, {need / ceiling:.2f} of it"
      f" ({'within' if need <= ceiling else 'ABOVE'} it); gatehouse reaches"
      f" {rows['get', '1m', 'gh']['mib'] / ceiling:.2f} of it")
dd = [float(open(f).read()) for f in glob.glob(os.path.join(runs, "dd-*"))]
disk = dd_mb / med(dd)
put = rows["put", "1m", "gh"]["mib"]
print(f"\ndisk write speed (dd {dd_mb} MiB, conv=fdatasync, median): {disk:.0f} MiB/s")
print(f"gatehouse 1 MiB PUT / disk: {put:.0f} / {disk:.0f} MiB/s = {put / disk:.2f}"
      f"   goal >= 0.5 (within 2x): {'met' if put / disk >= 0.5 else 'NOT met'}")
durable = med(json.load(open(f))["rate"] for f in glob.glob(os.path.join(runs, "durable-*")))
need = 10 * rows["put", "4k", "s3"]["rate"]
print(f"disk's durable 4 KiB writes (durable_writes.py, two flushes each, median): {durable:.0f}/s;"
      f" 10x s3rver's PUT 4 KiB = {need:.0f}/s, {need / durable:.2f} of it"
      f" ({'within' if need <= durable else 'ABOVE'} it); gatehouse reaches"
      f" {rows['put', '4k', 'gh']['rate'] / durable:.2f} of it")
md5 = med(float(open(f).read()) for f in glob.glob(os.path.join(runs, "md5-*")))
cores = os.cpu_count()
need = 10 * rows["put", "1m", "s3"]["mib"]
print(f"MD5 (each PUT's ETag) on one core: {md5:.0f} MiB/s, {md5 * cores:.0f} on all {cores}:"
      f" 10x s3rver's PUT 1 MiB = {need:.0f} MiB/s, {need / (md5 * cores):.2f} of all cores doing"
      f" MD5 alone ({'within' if need <= md5 * cores else 'ABOVE'} it); gatehouse reaches"
      f" {rows['put', '1m', 'gh']['mib'] / md5:.2f} of one core's MD5 rate")
if ("put", "1m", "ghnf") in rows:
    nf = rows["put", "1m", "ghnf"]["mib"]
    print(f"gatehouse fsync off 1 MiB PUT / disk: {nf:.0f} / {disk:.0f} MiB/s = {nf / disk:.2f}")
peaks = {os.path.basename(f)[5:]: int(open(f).read()) / 1024
         for f in glob.glob(os.path.join(runs, "peak-*"))}
print("\npeak RSS (VmHWM): " + ", ".join(f"{label[s]} {peaks[s]:.0f} MiB" for s in
                                         ("gh", "ghnf", "s3") if s in peaks))
PY
echo "(machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); ${SECONDS} s in all; wrk" \
  "-t$WRK_THREADS -c$CONCURRENCY ${SECONDS_PER_RUN}s per phase; $(nproc) gatehouse threads;" \
  "s3rver $(node -p 'require(process.argv[1]).version' \
  "$here/node_modules/s3rver/package.json"), node $(node --version); filesystem" \
  "$(df --output=fstype,source "$tmp" | tail -1 | tr -s ' '))"
