#!/usr/bin/env bash
# HTTP/2 from clients (SPEC §12: >= nginx's HTTP/2 proxy on the same load): h2load with many streams
# per connection (h2c, prior knowledge) through a standalone node and through nginx with
# `listen ... http2` (1 worker, and 2), both proxying over HTTP/1.1 keep-alive to the same local
# nginx upstream (GET / = 1 KiB). Interleaved rounds (nginx-w1, nginx-w2, node, ...); medians of
# req/s; ratios node / nginx printed last. The box may be shared: the load average is printed and
# only the same-run ratios mean anything.
#
#   bash bench/h2-vs-nginx.sh                      # -c 16 -m 32, 3 rounds x 10 s
#   QUICK=1 bash bench/h2-vs-nginx.sh              # 1 round x 5 s
#   H2LOAD_ARGS="-c 64 -m 100" bash bench/h2-vs-nginx.sh
set -euo pipefail
export LC_ALL=C
export PATH=$PATH:/usr/sbin:/sbin
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$ROOT/bench/lib.sh"
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
command -v h2load >/dev/null || { echo "h2load missing: apt-get install -y nghttp2-client" >&2; exit 1; }

if [[ ${QUICK:-0} == 1 ]]; then ROUNDS=${ROUNDS:-1} DURATION=${DURATION:-5}; fi
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
PRIME_S=${PRIME_S:-15}                # once, on the node, before round 1 (JIT)
H2LOAD_ARGS=${H2LOAD_ARGS:-"-c 16 -m 32"}
NODE_JAVA_OPTS=${NODE_JAVA_OPTS:-"-Xms256m -Xmx256m -XX:+UseG1GC"}
BASE_PORT=${BASE_PORT:-23300}
UP=$BASE_PORT W1=$((BASE_PORT + 1)) W2=$((BASE_PORT + 2)) NODE=$((BASE_PORT + 3)) ADMIN=$((BASE_PORT + 4))
declare -A PORT=([nginx-w1]=$W1 [nginx-w2]=$W2 [node]=$NODE)

[[ ${SKIP_BUILD:-0} == 1 ]] || (cd "$ROOT" && mvn -B -q -o -DskipTests package -pl nima-node -am >&2)

WORK=$(mktemp -d /tmp/stargate-h2-bench.XXXXXX)
chmod 755 "$WORK"   # nginx workers run as another user
NODE_PID=""
cleanup() {
  [[ -z $NODE_PID ]] || kill "$NODE_PID" 2>/dev/null || true
  for d in upstream w1 w2; do [[ -f $WORK/$d/nginx.pid ]] && nginx -c "$WORK/$d/nginx.conf" -s stop 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$WORK/upstream" "$WORK/w1" "$WORK/w2"
start_index_upstream "$WORK/upstream" "$UP"
h2_proxy() {  # DIR PORT WORKERS
  chmod 755 "$1"
  cat > "$1/nginx.conf" <<NGINX
worker_processes $3; pid $1/nginx.pid; error_log $1/error.log;
events { worker_connections 4096; }
http { access_log off; client_body_temp_path $1/b; proxy_temp_path $1/p; fastcgi_temp_path $1/f;
       uwsgi_temp_path $1/u; scgi_temp_path $1/s;
       upstream origin { server 127.0.0.1:$UP; keepalive 128; }
       server { listen 127.0.0.1:$2 http2; http2_max_concurrent_streams 128; keepalive_requests 1000000;
                location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection ""; } } }
NGINX
  nginx -c "$1/nginx.conf"
}
h2_proxy "$WORK/w1" "$W1" 1
h2_proxy "$WORK/w2" "$W2" 2
cat > "$WORK/node.yaml" <<EOF
routes:
  - {id: all, paths: ["/*"], upstream: bench}
upstreams:
  - id: bench
    targets: [{url: "http://127.0.0.1:$UP"}]
EOF
read -r -a jopts <<<"$NODE_JAVA_OPTS"
"$JAVA_HOME/bin/java" "${jopts[@]}" -jar "$ROOT/nima-node/target/stargate-node.jar" node --config "$WORK/node.yaml" \
  --host 127.0.0.1 --port "$NODE" --https-port $((BASE_PORT + 5)) --admin-port "$ADMIN" --access-log off > "$WORK/node.log" 2>&1 &
NODE_PID=$!
for name in nginx-w1 nginx-w2 node; do
  for _ in $(seq 1 240); do
    [[ $(curl -s --http2-prior-knowledge -o /dev/null -w '%{http_version} %{http_code} %{size_download}' \
          "http://127.0.0.1:${PORT[$name]}/index.html" || true) == "2 200 1024" ]] && continue 2
    sleep 0.5
  done
  echo "$name did not answer h2c 200 with 1 KiB" >&2; cat "$WORK/node.log" >&2; exit 1
done

# h2load prints "finished in 10.00s, 12345.67 req/s, ..." and "requests: N total, N started, N done, N succeeded, N failed"
measure() {  # PORT SECONDS -> "rps failed"
  local out
  # shellcheck disable=SC2086
  out=$(h2load $H2LOAD_ARGS -D "$2" --warm-up-time "$WARMUP" "http://127.0.0.1:$1/index.html" 2>&1)
  awk '/^finished in/ {rps=$4} /^requests:/ {failed=$10+0} END {printf "%s %s\n", rps, failed}' <<<"$out"
}
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); h2load $H2LOAD_ARGS, ${ROUNDS}x${DURATION}s (+${WARMUP}s warm-up)"
measure "$NODE" "$PRIME_S" >/dev/null
declare -A RESULTS=()
for round in $(seq 1 "$ROUNDS"); do
  for name in nginx-w1 nginx-w2 node; do
    read -r rps failed < <(measure "${PORT[$name]}" "$DURATION")
    echo "round $round $name: $rps req/s, $failed failed"
    RESULTS[$name]+="$rps "
  done
done
median() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
n=$(median "${RESULTS[node]}"); w1=$(median "${RESULTS[nginx-w1]}"); w2=$(median "${RESULTS[nginx-w2]}")
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "median req/s: node $n, nginx-w1 $w1, nginx-w2 $w2"
awk -v n="$n" -v w1="$w1" -v w2="$w2" 'BEGIN {printf "ratio node/nginx-w1 %.2f, node/nginx-w2 %.2f\n", n / w1, n / w2}'
