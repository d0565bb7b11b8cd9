#!/usr/bin/env bash
# Request stall while config changes apply (SPEC §12, issue 12): the p99 of a constant wrk load on a
# standalone node holding ROUTES routes, with the config file left alone ("quiet") against the same
# load while one route of the file changes every INTERVAL_MS ("changing"), in interleaved rounds.
# Budget: changing p99 <= 1.5x quiet p99. Each change moves one route to a new path (the node reads
# the file, finds the one changed route, validates and compiles it alone); the load goes to a route
# of its own that never changes, to a local nginx (1 KiB, bench/lib.sh).
#
#   bash bench/config-change-stall.sh                          # 100,000 routes, a change every 1000 ms
#   ROUTES=10000 INTERVAL_MS=500 ROUNDS=3 DURATION=10 bash bench/config-change-stall.sh
#   NODE_JAR=/path/to/other/stargate-node.jar SKIP_BUILD=1 ...  # another build (before/after)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
ROUTES=${ROUTES:-100000}
INTERVAL_MS=${INTERVAL_MS:-1000}
ROUNDS=${ROUNDS:-2}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-32}
HEAP=${HEAP:-1g}
NODE_PORT=${NODE_PORT:-19121}
ADMIN_PORT=${ADMIN_PORT:-19122}
UPSTREAM_PORT=${UPSTREAM_PORT:-19123}
NODE_JAR=${NODE_JAR:-$ROOT/nima-node/target/stargate-node.jar}
WORK=$(mktemp -d)
NODE_PID=
CHANGER_PID=
cleanup() {
  [[ -z $CHANGER_PID ]] || kill "$CHANGER_PID" 2>/dev/null || true
  [[ -z $NODE_PID ]] || kill "$NODE_PID" 2>/dev/null || true
  [[ ! -f $WORK/nginx.pid ]] || nginx -c "$WORK/nginx.conf" -s stop 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

[[ -n ${SKIP_BUILD:-} ]] || (cd "$ROOT" && mvn -B -q -o -DskipTests package -pl nima-node -am >&2)
start_index_upstream "$WORK" "$UPSTREAM_PORT"
# the generated routes, plus the route the load uses (index.html at the upstream)
python3 "$ROOT/bench/gen-routes.py" "$ROUTES" "$UPSTREAM_PORT" \
  | sed 's|^routes:$|routes:\n  - {id: load, paths: ["/index.html"], upstream: u0}|; s|^routes: \[\]$|routes:\n  - {id: load, paths: ["/index.html"], upstream: u0}|' \
  > "$WORK/config.yaml"
"$JAVA_HOME/bin/java" "-Xms$HEAP" "-Xmx$HEAP" -XX:+UseG1GC -jar "$NODE_JAR" node --config "$WORK/config.yaml" \
    --host 127.0.0.1 --port "$NODE_PORT" --admin-port "$ADMIN_PORT" --access-log off >"$WORK/node.log" 2>&1 &
NODE_PID=$!
for _ in $(seq 1200); do   # at most 120 s
  curl -sf -o /dev/null "http://127.0.0.1:$ADMIN_PORT/health/ready" && break
  kill -0 "$NODE_PID" 2>/dev/null || { tail -5 "$WORK/node.log"; exit 1; }
  sleep 0.1
done
curl -sf -o /dev/null "http://127.0.0.1:$NODE_PORT/index.html" || { echo "the load route does not answer"; exit 1; }
echo "routes=$ROUTES interval_ms=$INTERVAL_MS load average: $(cut -d' ' -f1-3 /proc/loadavg)"

# Moves route rN (a new N each time) to /stall/<i>/...: written beside the file, then renamed over it.
changer() {
  local i=0 n
  while true; do
    n=$(( (i * 7919) % ROUTES ))
    sed "s|^  - {id: r$n, paths: \[\"|  - {id: r$n, paths: [\"/stall/$i|" "$WORK/config.yaml" > "$WORK/next.yaml"
    mv "$WORK/next.yaml" "$WORK/config.yaml"
    i=$((i + 1))
    sleep "$(echo "$INTERVAL_MS / 1000" | bc -l)"
  done
}

p99_ms() {  # wrk --latency output on stdin -> the 99% figure in ms
  awk '$1 == "99%" { v = $2; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) } else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 } printf "%.2f", v }'
}

run() {  # label
  wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency "http://127.0.0.1:$NODE_PORT/index.html" > "$WORK/wrk.txt"
  local p99 rps errors
  p99=$(p99_ms < "$WORK/wrk.txt")
  rps=$(awk '/^Requests\/sec/ {print int($2)}' "$WORK/wrk.txt")
  errors=$(grep -E "Non-2xx|Socket errors" "$WORK/wrk.txt" | tr -s ' ' | paste -sd' ' || true)
  printf '%-9s p99 %8s ms  %7s rps  %s\n' "$1" "$p99" "$rps" "$errors"
  echo "$1 $p99" >> "$WORK/p99.txt"
}

wrk -t1 -c"$CONNECTIONS" -d5s "http://127.0.0.1:$NODE_PORT/index.html" > /dev/null   # warm-up
applied_before=$(grep -c "event=config_applied" "$WORK/node.log" || true)
for round in $(seq "$ROUNDS"); do
  run quiet
  changer & CHANGER_PID=$!
  run changing
  kill "$CHANGER_PID"; wait "$CHANGER_PID" 2>/dev/null || true; CHANGER_PID=
  sleep 2   # the last change applies before the next quiet round
done
applied=$(( $(grep -c "event=config_applied" "$WORK/node.log") - applied_before ))
echo "applies during the run: $applied; their apply times (compile_us, after reading the file):"
grep "event=config_applied" "$WORK/node.log" | tail -n "$applied" | grep -o 'mode=[a-z]* compile_ms=[0-9]* compile_us=[0-9]*' \
  | sort | uniq -c | sort -rn | head -5
grep "event=config_applied" "$WORK/node.log" | tail -n "$applied" | grep -o 'compile_us=[0-9]*' | cut -d= -f2 | sort -n \
  | awk '{ v[NR] = $1 } END { if (NR) printf "apply p50 %.2f ms, p99 %.2f ms, max %.2f ms (n=%d)\n", v[int(NR*0.5+0.5)]/1000, v[int(NR*0.99+0.5)]/1000, v[NR]/1000, NR }'
awk '{ s[$1] = s[$1] " " $2 } END { for (k in s) print k ":" s[k] }' "$WORK/p99.txt" | sort
median() {  # label -> median p99 of its rounds
  awk -v k="$1" '$1 == k { print $2 }' "$WORK/p99.txt" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
q=$(median quiet); c=$(median changing)
printf 'median p99: quiet %s ms, changing %s ms, ratio %.2f (budget <= 1.5)\n' "$q" "$c" "$(echo "$c / $q" | bc -l)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
