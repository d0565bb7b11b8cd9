#!/usr/bin/env bash
# What a plugin chain costs: one node, two routes to the same local nginx upstream (1 KiB body),
# /plain/ with no plugin and /guarded/ with key-auth + rate-limit (bench/configs/plugin-overhead.yaml).
# wrk alternates between them in interleaved rounds; the figure is guarded/plain rps (same JVM, same run).
#
#   bash bench/plugin-overhead.sh                 # 3 rounds x 10 s each
#   ROUNDS=5 DURATION=15 bash bench/plugin-overhead.sh
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
ROUNDS=${ROUNDS:-3} DURATION=${DURATION:-10} CONNS=${CONNS:-64}
UPSTREAM_PORT=${UPSTREAM_PORT:-29101} NODE_PORT=${NODE_PORT:-29105} ADMIN_PORT=${ADMIN_PORT:-29901}
for tool in wrk nginx; do command -v $tool >/dev/null || PATH=$PATH:/usr/sbin; command -v $tool >/dev/null \
  || { echo "missing $tool (apt-get install -y wrk nginx)" >&2; exit 1; }; done

work=$(mktemp -d)
cleanup() { [[ -n ${node_pid:-} ]] && kill "$node_pid" 2>/dev/null; nginx -c "$work/nginx.conf" -s stop 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
source "$ROOT/bench/lib.sh"
start_index_upstream "$work" "$UPSTREAM_PORT"
sed "s/{{UPSTREAM_PORT}}/$UPSTREAM_PORT/g" "$ROOT/bench/configs/plugin-overhead.yaml" > "$work/node.yaml"
(cd "$ROOT" && mvn -B -q -o -DskipTests package -pl nima-node -am >&2)
"$JAVA_HOME/bin/java" -Xms512m -Xmx512m -XX:+UseG1GC -jar "$ROOT/nima-node/target/stargate-node.jar" node \
  --config "$work/node.yaml" --host 127.0.0.1 --port "$NODE_PORT" --admin-port "$ADMIN_PORT" --access-log off \
  > "$work/node.log" 2>&1 &
node_pid=$!
for _ in $(seq 1 120); do curl -sf -o /dev/null "http://127.0.0.1:$ADMIN_PORT/health/ready" && break; sleep 0.5; done
key='apikey: fake-bench-key-0123456789'
[[ $(curl -s -o /dev/null -w '%{http_code}' -H "$key" "http://127.0.0.1:$NODE_PORT/guarded/index.html") == 200 ]] \
  || { echo "guarded route does not answer 200: $(curl -s -H "$key" "http://127.0.0.1:$NODE_PORT/guarded/index.html")" >&2
       tail -5 "$work/node.log" >&2; exit 1; }
run() { wrk -t1 -c"$CONNS" -d"$1"s --latency -H "$key" "http://127.0.0.1:$NODE_PORT/$2/index.html"; }
rps() { awk '/Requests\/sec/ {print $2}'; }
p99() { awk '$1 == "99%" {print $2}'; }
echo "warming up (JIT) ..." >&2
run 15 plain >/dev/null; run 15 guarded >/dev/null
printf '%-6s %-8s %10s %10s\n' round route rps p99
plain_all=() guarded_all=()
for r in $(seq 1 "$ROUNDS"); do
  for route in plain guarded; do
    out=$(run "$DURATION" "$route")
    printf '%-6s %-8s %10s %10s\n' "$r" "$route" "$(rps <<<"$out")" "$(p99 <<<"$out")"
    if [[ $route == plain ]]; then plain_all+=("$(rps <<<"$out")"); else guarded_all+=("$(rps <<<"$out")"); fi
  done
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
pm=$(median "${plain_all[@]}"); gm=$(median "${guarded_all[@]}")
echo "median rps: plain $pm, guarded (key-auth + rate-limit) $gm; guarded/plain = $(awk -v g="$gm" -v p="$pm" 'BEGIN {printf "%.3f", g/p}')"
