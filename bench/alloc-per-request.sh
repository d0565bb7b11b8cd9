#!/usr/bin/env bash
# Heap allocated per proxied request: a figure that CPU noise does not move (unlike rps on a shared
# box), so each allocation cut can be checked on its own. A standalone node (bench/configs/plain.yaml)
# in front of the bench upstream (nginx, 1 KiB at /, 64 KiB at /64k), wrk for DURATION seconds after a
# warm-up; bytes allocated = what G1 freed in young collections plus the growth of the heap, from
# -Xlog:gc; divided by the requests wrk completed.
#
#   bash bench/alloc-per-request.sh            # paths / and /64k, 10 s each
#   PATHS=/ DURATION=20 bash bench/alloc-per-request.sh
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
export PATH=$PATH:/usr/sbin
source "$ROOT/../shared/bench/lib/configs.sh"
DURATION=${DURATION:-10}
PATHS=${PATHS:-"/ /64k"}
UPSTREAM_PORT=${UPSTREAM_PORT:-19101}
NODE_PORT=${NODE_PORT:-19102}
WORK=$(mktemp -d)
NODE_PID=
cleanup() {
  [[ -z $NODE_PID ]] || kill "$NODE_PID" 2>/dev/null || true
  [[ ! -f $WORK/up/nginx.pid ]] || kill "$(cat "$WORK/up/nginx.pid")" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

(cd "$ROOT" && mvn -B -q -o -DskipTests package -pl nima-node -am >&2)
write_upstream_conf "$WORK/up" "$UPSTREAM_PORT"
nginx -c "$WORK/up/nginx.conf"
sed "s/{{UPSTREAM_PORT}}/$UPSTREAM_PORT/g" "$ROOT/bench/configs/plain.yaml" > "$WORK/node.yaml"

for path in $PATHS; do
  log=$WORK/gc-${path//\//_}.log
  "$JAVA_HOME/bin/java" -Xms256m -Xmx256m -XX:+UseG1GC "-Xlog:gc:file=$log" \
      -jar "$ROOT/nima-node/target/stargate-node.jar" node --config "$WORK/node.yaml" --host 127.0.0.1 \
      --port "$NODE_PORT" --admin-port 0 --access-log off >"$WORK/node.log" 2>&1 &
  NODE_PID=$!
  for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$NODE_PORT$path" && break; sleep 0.1; done
  wrk -t1 -c16 -d5s "http://127.0.0.1:$NODE_PORT$path" >/dev/null           # JIT warm-up
  before=$(grep -c 'Pause Young' "$log" || true)
  requests=$(wrk -t1 -c16 "-d${DURATION}s" "http://127.0.0.1:$NODE_PORT$path" \
      | awk '/requests in/ {print $1}')
  kill "$NODE_PID"; wait "$NODE_PID" 2>/dev/null || true; NODE_PID=
  # "Pause Young (Normal) (G1 Evacuation Pause) 150M->12M(256M)": freed = 150 - 12 MiB per collection.
  freed_mib=$(grep 'Pause Young' "$log" | tail -n +"$((before + 1))" \
      | sed -E 's/.* ([0-9]+)M->([0-9]+)M.*/\1 \2/' | awk '{s += $1 - $2} END {print s + 0}')
  awk -v f="$freed_mib" -v r="$requests" -v p="$path" \
      'BEGIN {printf "%-5s requests %d  allocated %.0f MiB  %.0f bytes/request\n", p, r, f, f * 1048576 / r}'
done
