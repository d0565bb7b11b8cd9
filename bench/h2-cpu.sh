#!/usr/bin/env bash
# What an HTTP/2 request costs the node, as CPU time per request (utime+stime from /proc, JIT compiler
# threads left out: the figure that holds on a shared box where req/s does not), in one run against the
# same local nginx upstream (GET /index.html = 1 KiB), rounds interleaved:
#   node-h1     the node's HTTP/1.1 path: wrk -t1 -c64
#   node-h2-64  the node over h2c at the same concurrency: h2load -c4 -m16 (64 streams)
#   node-h2     the node over h2c at the bench load: h2load -c16 -m32 (bench/h2-vs-nginx.sh)
#   nginx-h2    nginx `listen ... http2`, 1 worker, proxying over HTTP/1.1 keep-alive: h2load -c16 -m32
#               (its worker's CPU; nginx's master does no request work)
# With BEFORE=REV a node built from that revision runs next to the working tree's (modes before-h1,
# before-h2, before-h2-64), for before/after ratios of a change in the same run; pair the rounds, the
# box's load moves between them.
#
#   bash bench/h2-cpu.sh                          # 3 rounds x 10 s
#   BEFORE=dcd6e49 bash bench/h2-cpu.sh           # + a node built from dcd6e49
#   BEFORE_TARGET=/tmp/base/nima-node/target bash bench/h2-cpu.sh   # + a node built already (jar and libs/)
#   ROUNDS=5 DURATION=8 MODES="node-h2 nginx-h2" bash bench/h2-cpu.sh
set -euo pipefail
export LC_ALL=C
export PATH=$PATH:/usr/sbin:/sbin
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$ROOT/bench/lib.sh"
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
command -v h2load >/dev/null || { echo "h2load missing: apt-get install -y nghttp2-client" >&2; exit 1; }
ROUNDS=${ROUNDS:-3} DURATION=${DURATION:-10} WARMUP=${WARMUP:-15}
NODE_JAVA_OPTS=${NODE_JAVA_OPTS:-"-Xms256m -Xmx256m -XX:+UseG1GC"}
BASE_PORT=${BASE_PORT:-23400}
UP=$BASE_PORT NGINX=$((BASE_PORT + 1)) NODE=$((BASE_PORT + 2)) OLD=$((BASE_PORT + 3))

WORK=$(mktemp -d /tmp/stargate-h2-cpu.XXXXXX)
chmod 755 "$WORK"   # nginx workers run as another user
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for d in upstream h2; do [[ -f $WORK/$d/nginx.pid ]] && nginx -c "$WORK/$d/nginx.conf" -s stop 2>/dev/null || true; done
  [[ ! -d $WORK/before-src ]] || git -C "$ROOT" worktree remove --force "$WORK/before-src" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

if [[ ${SKIP_BUILD:-0} != 1 ]]; then
  (cd "$ROOT" && mvn -B -q -o -DskipTests package -pl nima-node -am >&2)
fi
copy_node() {  # TARGET_DIR NAME: the jar and its libs/, so that a later build cannot change them mid-run
  mkdir -p "$WORK/$2"; cp -r "$1/stargate-node.jar" "$1/libs" "$WORK/$2/"
}
copy_node "$ROOT/nima-node/target" after
if [[ -n ${BEFORE_TARGET:-} ]]; then
  BEFORE=${BEFORE:-$BEFORE_TARGET}
  copy_node "$BEFORE_TARGET" before
elif [[ -n ${BEFORE:-} ]]; then
  git -C "$ROOT" worktree add -q --detach "$WORK/before-src" "$BEFORE"
  (cd "$WORK/before-src" && mvn -B -q -o -DskipTests package -pl nima-node -am >&2)
  copy_node "$WORK/before-src/nima-node/target" before
fi

if [[ -n ${BEFORE:-} ]]; then MODES=${MODES:-"node-h1 before-h1 node-h2-64 node-h2 before-h2 nginx-h2"}
else MODES=${MODES:-"node-h1 node-h2-64 node-h2 nginx-h2"}; fi

mkdir -p "$WORK/upstream" "$WORK/h2"
start_index_upstream "$WORK/upstream" "$UP"
cat > "$WORK/h2/nginx.conf" <<NGINX
worker_processes 1; pid $WORK/h2/nginx.pid; error_log $WORK/h2/error.log;
events { worker_connections 4096; }
http { access_log off; client_body_temp_path $WORK/h2/b; proxy_temp_path $WORK/h2/p; fastcgi_temp_path $WORK/h2/f;
       uwsgi_temp_path $WORK/h2/u; scgi_temp_path $WORK/h2/s;
       upstream origin { server 127.0.0.1:$UP; keepalive 128; }
       server { listen 127.0.0.1:$NGINX http2; http2_max_concurrent_streams 128; keepalive_requests 1000000;
                location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection ""; } } }
NGINX
chmod 755 "$WORK/h2"
nginx -c "$WORK/h2/nginx.conf"
cat > "$WORK/node.yaml" <<EOF
routes:
  - {id: all, paths: ["/*"], upstream: bench}
upstreams:
  - id: bench
    targets: [{url: "http://127.0.0.1:$UP"}]
EOF
start_node() {  # JAR PORT -> pid
  local jopts
  read -r -a jopts <<<"$NODE_JAVA_OPTS"
  "$JAVA_HOME/bin/java" "${jopts[@]}" -jar "$1" node --config "$WORK/node.yaml" --host 127.0.0.1 --port "$2" \
    --https-port 0 --admin-port 0 --access-log off > "$WORK/node-$2.log" 2>&1 &
  PIDS+=($!)
  NODE_PID=$!
}
start_node "$WORK/after/stargate-node.jar" "$NODE"; node_pid=$NODE_PID
old_pid=""
if [[ -n ${BEFORE:-} ]]; then start_node "$WORK/before/stargate-node.jar" "$OLD"; old_pid=$NODE_PID; fi
for port in $NGINX $NODE ${BEFORE:+$OLD}; do
  for _ in $(seq 1 240); do
    [[ -z ${BEFORE:-} || -e /proc/$old_pid ]] && [[ -e /proc/$node_pid ]] || break
    [[ $(curl -s --http2-prior-knowledge -o /dev/null -w '%{http_version} %{http_code} %{size_download}' \
          "http://127.0.0.1:$port/index.html" || true) == "2 200 1024" ]] && continue 2
    sleep 0.5
  done
  echo "port $port did not answer h2c 200 with 1 KiB" >&2; cat "$WORK"/node-*.log >&2; exit 1
done
nginx_workers=$(pgrep -P "$(cat "$WORK/h2/nginx.pid")" | tr '\n' ' ')

# A mode's port, client and the processes whose CPU counts.
port_of() { case $1 in nginx-*) echo "$NGINX" ;; before-*) echo "$OLD" ;; *) echo "$NODE" ;; esac; }
pids_of() { case $1 in nginx-*) echo "$nginx_workers" ;; before-*) echo "$old_pid" ;; *) echo "$node_pid" ;; esac; }
# Prints "requests rps failed" for one run of SECONDS. Write syscalls per request are counted too
# (/proc/PID/io syscw: the client's and the upstream's side together).
load() {  # MODE SECONDS
  local url="http://127.0.0.1:$(port_of "$1")/index.html" out
  case $1 in
    *-h1) out=$(wrk -t1 -c64 -d"$2"s "$url")
          awk '/requests in/ {n=$1} /Requests\/sec/ {r=$2} /Non-2xx/ {f=$NF} END {print n, r, f+0}' <<<"$out" ;;
    *-h2-64) out=$(h2load -c4 -m16 -D "$2" "$url" 2>&1)
          awk '/^finished in/ {r=$4} /^requests:/ {n=$8; f=$10} END {print n, r, f}' <<<"$out" ;;
    *-h2) out=$(h2load -c16 -m32 -D "$2" "$url" 2>&1)
          awk '/^finished in/ {r=$4} /^requests:/ {n=$8; f=$10} END {print n, r, f}' <<<"$out" ;;
  esac
}
# utime + stime of PIDS' threads but the JIT's compiler threads: still compiling under a loaded box's
# short warm-up, they would count towards whichever round comes first
ticks_of() {  # PIDS
  local p t
  for p in $1; do
    for t in /proc/"$p"/task/*; do
      [[ $(cat "$t/comm" 2>/dev/null) == *Compiler* ]] || sed 's/^.*) //' "$t/stat" 2>/dev/null
    done
  done | awk '{n += $12 + $13} END {print n + 0}'
}
writes_of() { local p; for p in $1; do awk '/^syscw/ {print $2}' "/proc/$p/io"; done | awk '{n += $1} END {print n + 0}'; }
TICK_US=$((1000000 / $(getconf CLK_TCK)))

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cpus; ${ROUNDS}x${DURATION}s per mode"
for mode in $MODES; do load "$mode" "$WARMUP" >/dev/null; done    # JIT, connection pools
declare -A CPU=() RPS=()
printf '%-6s %-11s %10s %12s %11s %8s\n' round mode req/s cpu-us/req writes/req failed
for round in $(seq 1 "$ROUNDS"); do
  for mode in $MODES; do
    pids=$(pids_of "$mode")
    t0=$(ticks_of "$pids") w0=$(writes_of "$pids")
    read -r n rps failed < <(load "$mode" "$DURATION")
    per=$(awk -v u="$(( ($(ticks_of "$pids") - t0) * TICK_US ))" -v n="$n" 'BEGIN {printf "%.1f", u / n}')
    writes=$(awk -v w="$(( $(writes_of "$pids") - w0 ))" -v n="$n" 'BEGIN {printf "%.2f", w / n}')
    printf '%-6s %-11s %10.0f %12s %11s %8s\n' "$round" "$mode" "$rps" "$per" "$writes" "$failed"
    CPU[$mode]+="$per " RPS[$mode]+="$rps "
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "medians:"
for mode in $MODES; do
  # shellcheck disable=SC2086
  printf '  %-11s %10.0f req/s %8.1f us CPU/req\n' "$mode" "$(median ${RPS[$mode]})" "$(median ${CPU[$mode]})"
done
ratio() {  # A B: median CPU/req of A over B
  # shellcheck disable=SC2086
  [[ -n ${CPU[$1]:-} && -n ${CPU[$2]:-} ]] && awk -v a="$(median ${CPU[$1]})" -v b="$(median ${CPU[$2]})" -v n="$1/$2" \
    'BEGIN {printf "  CPU/req %-22s %.2f\n", n, a / b}' || true
}
echo "ratios:"
ratio node-h2 node-h1; ratio node-h2-64 node-h1; ratio node-h2 nginx-h2; ratio node-h2 before-h2; ratio node-h2-64 before-h2-64
ratio node-h1 before-h1
