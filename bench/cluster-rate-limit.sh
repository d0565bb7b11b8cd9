#!/usr/bin/env bash
# What policy: cluster costs (SPEC §12: <= 1 ms added at p50): one node with --redis, one local Redis,
# two routes to the same local nginx upstream (1 KiB body), /local/ and /cluster/ with the same
# rate-limit (bench/configs/cluster-rate-limit.yaml). wrk takes them in interleaved rounds; the figures
# are p50 and rps of each route, same JVM, same run. Then how many decisions one Redis takes:
# redis-benchmark running the rate-limit script itself (EVALSHA, 10,000 keys, 50 clients).
#
#   bash bench/cluster-rate-limit.sh                 # 3 rounds x 10 s each, 16 connections
#   ROUNDS=5 DURATION=15 CONNS=64 bash bench/cluster-rate-limit.sh
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
ROUNDS=${ROUNDS:-3} DURATION=${DURATION:-10} CONNS=${CONNS:-16}
UPSTREAM_PORT=${UPSTREAM_PORT:-29121} NODE_PORT=${NODE_PORT:-29125} ADMIN_PORT=${ADMIN_PORT:-29921}
REDIS_PORT=${REDIS_PORT:-29379}
for tool in wrk nginx redis-server redis-benchmark; do command -v $tool >/dev/null || PATH=$PATH:/usr/sbin
  command -v $tool >/dev/null || { echo "missing $tool (apt-get install -y wrk nginx redis-server)" >&2; exit 1; }; done

work=$(mktemp -d)
cleanup() {
  [[ -n ${node_pid:-} ]] && kill "$node_pid" 2>/dev/null
  [[ -n ${redis_pid:-} ]] && kill "$redis_pid" 2>/dev/null
  nginx -c "$work/nginx.conf" -s stop 2>/dev/null || true; rm -rf "$work"
}
trap cleanup EXIT
source "$ROOT/bench/lib.sh"
start_index_upstream "$work" "$UPSTREAM_PORT"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" > "$work/redis.log" 2>&1 &
redis_pid=$!
sed "s/{{UPSTREAM_PORT}}/$UPSTREAM_PORT/g" "$ROOT/bench/configs/cluster-rate-limit.yaml" > "$work/node.yaml"
(cd "$ROOT" && mvn -B -q -o -DskipTests package -pl nima-node -am >&2)
"$JAVA_HOME/bin/java" -Xms512m -Xmx512m -XX:+UseG1GC -jar "$ROOT/nima-node/target/stargate-node.jar" node \
  --config "$work/node.yaml" --host 127.0.0.1 --port "$NODE_PORT" --admin-port "$ADMIN_PORT" --access-log off \
  --redis "redis://127.0.0.1:$REDIS_PORT" > "$work/node.log" 2>&1 &
node_pid=$!
for _ in $(seq 1 120); do curl -sf -o /dev/null "http://127.0.0.1:$ADMIN_PORT/health/ready" && break; sleep 0.5; done
for route in local cluster; do
  [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$NODE_PORT/$route/index.html") == 200 ]] \
    || { echo "$route route does not answer 200" >&2; tail -5 "$work/node.log" >&2; exit 1; }
done
run() { wrk -t1 -c"$CONNS" -d"$1"s --latency "http://127.0.0.1:$NODE_PORT/$2/index.html"; }
rps() { awk '/Requests\/sec/ {print $2}'; }
p50() { awk '$1 == "50%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else {sub(/s/,"",v); v*=1000}; print v}'; }
echo "warming up (JIT) ..." >&2
run 15 local >/dev/null; run 15 cluster >/dev/null
printf '%-6s %-8s %10s %10s\n' round route rps p50_ms
declare -A p50s rpss
for r in $(seq 1 "$ROUNDS"); do
  for route in local cluster; do
    out=$(run "$DURATION" "$route")
    printf '%-6s %-8s %10s %10s\n' "$r" "$route" "$(rps <<<"$out")" "$(p50 <<<"$out")"
    p50s[$route]+="$(p50 <<<"$out") "; rpss[$route]+="$(rps <<<"$out") "
  done
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# shellcheck disable=SC2086
lp=$(median ${p50s[local]}); cp=$(median ${p50s[cluster]}); lr=$(median ${rpss[local]}); cr=$(median ${rpss[cluster]})
fallbacks=$(curl -s "http://127.0.0.1:$ADMIN_PORT/metrics" | awk '/^stargate_rate_limit_fallback_total/ {s+=$2} END {print s+0}')
echo "median p50: local ${lp} ms, cluster ${cp} ms: added $(awk -v c="$cp" -v l="$lp" 'BEGIN {printf "%.3f", c-l}') ms (budget 1 ms)"
echo "median rps: local $lr, cluster $cr: cluster/local = $(awk -v c="$cr" -v l="$lr" 'BEGIN {printf "%.3f", c/l}');" \
     "decisions taken locally (Redis slower than 50 ms): $fallbacks"
sha=$(redis-cli -p "$REDIS_PORT" SCRIPT LOAD "$(cat "$ROOT/nima-node/src/main/resources/stargate/node/plugin/ratelimit/gcra.lua")")
echo "one Redis, the rate-limit script alone (redis-benchmark -c 50 -n 200000, 10,000 keys):"
redis-benchmark -p "$REDIS_PORT" -c 50 -n 200000 -r 10000 -q EVALSHA "$sha" 1 'stargate:rl:bench:__rand_int__' 1 1000000 \
  | tr '\r' '\n' | grep -v '^$' | tail -1
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) (a shared box inflates every figure above)"
