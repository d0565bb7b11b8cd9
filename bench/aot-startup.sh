#!/usr/bin/env bash
# Startup of a standalone node at 100,000 routes (SPEC §12: <= 5 s) with and without JDK 25's AOT
# cache (JEP 483/514/515: classes loaded and linked ahead, method profiles kept), and with other JVM
# start choices. A cache is made first by a training run (as `bin/stargate aot-cache` does, plus
# 200 requests through the proxy: a TRAIN_ROUTES start, SIGTERM), then the variants start on the same 100,000-route
# file in interleaved rounds. For each start: wall time from the java launch to /health/ready, and
# the CPU the node used until then (user + sys from /proc, every thread: JIT and GC included), which
# a shared machine stretches far less than wall time.
#
#   bash bench/aot-startup.sh                                  # 3 rounds of: none, aot
#   ROUNDS=2 VARIANTS="none aot c1 aot-c1" bash bench/aot-startup.sh
#   ROUTES=10000 TRAIN_ROUTES=1000 bash bench/aot-startup.sh
#   JAR=/tmp/old/stargate-node.jar SKIP_BUILD=1 bash bench/aot-startup.sh
#
# Variants: none (the launcher's options), aot (+ -XX:AOTCache), c1 (+ -XX:TieredStopAtLevel=1),
# aot-c1 (both).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
ROUTES=${ROUTES:-100000}
TRAIN_ROUTES=${TRAIN_ROUTES:-10000}
ROUNDS=${ROUNDS:-3}
VARIANTS=${VARIANTS:-"none aot"}
NODE_PORT=${NODE_PORT:-19121}
ADMIN_PORT=${ADMIN_PORT:-19122}
JAR=${JAR:-$ROOT/nima-node/target/stargate-node.jar}
BASE_OPTS=(-Xms256m -Xmx256m -XX:+UseG1GC --sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED)
WORK=$(mktemp -d)
NODE_PID=
cleanup() {
  [[ -z $NODE_PID ]] || kill "$NODE_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

[[ -n ${SKIP_BUILD:-} ]] || (cd "$ROOT" && mvn -B -q -o -DskipTests package -pl nima-node -am >&2)
python3 "$ROOT/bench/gen-routes.py" "$TRAIN_ROUTES" > "$WORK/train.yaml"
python3 "$ROOT/bench/gen-routes.py" "$ROUTES" > "$WORK/routes.yaml"

# start OPTS...: runs the node on $CONFIG, waits for ready; sets NODE_PID, startup_ms, cpu_s
start() {
  local started ready=
  started=$(date +%s%N)
  "$JAVA_HOME/bin/java" "${BASE_OPTS[@]}" "$@" -jar "$JAR" node --config "$CONFIG" --host 127.0.0.1 \
      --port "$NODE_PORT" --admin-port "$ADMIN_PORT" --access-log off >"$WORK/node.log" 2>&1 &
  NODE_PID=$!
  for _ in $(seq $(( ${READY_S:-300} * 20 ))); do
    if curl -sf -o /dev/null "http://127.0.0.1:$ADMIN_PORT/health/ready"; then ready=1; break; fi
    kill -0 "$NODE_PID" 2>/dev/null || break
    sleep 0.05
  done
  startup_ms=$(( ($(date +%s%N) - started) / 1000000 ))
  cpu_s=$(awk -v t="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / t}' "/proc/$NODE_PID/stat" 2>/dev/null || echo -)
  if [[ -z $ready ]]; then echo "node did not become ready:"; tail -5 "$WORK/node.log"; exit 1; fi
}

stop() {
  kill -TERM "$NODE_PID"; wait "$NODE_PID" 2>/dev/null || true; NODE_PID=
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
CONFIG=$WORK/train.yaml
started=$(date +%s%N)
start -XX:AOTCacheOutput="$WORK/node.aot"
for i in $(seq 0 199); do   # the request path, so its methods are trained too
  curl -s -o /dev/null "http://127.0.0.1:$NODE_PORT/api/v1/res$i" -H "Host: svc$i.example.com" || true
done
stop
echo "training: $TRAIN_ROUTES routes, $(( ($(date +%s%N) - started) / 1000000 )) ms including the cache's assembly;" \
     "cache $(( $(stat -c %s "$WORK/node.aot") / 1048576 )) MiB"

CONFIG=$WORK/routes.yaml
printf '%-6s %-8s %10s %10s %6s\n' round variant startup_ms cpu_s load
for r in $(seq 1 "$ROUNDS"); do
  for v in $VARIANTS; do
    case $v in
      none) opts=() ;;
      aot) opts=(-XX:AOTCache="$WORK/node.aot") ;;
      c1) opts=(-XX:TieredStopAtLevel=1) ;;
      aot-c1) opts=(-XX:AOTCache="$WORK/node.aot" -XX:TieredStopAtLevel=1) ;;
      *) echo "unknown variant $v"; exit 2 ;;
    esac
    start "${opts[@]}"
    status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$NODE_PORT/api/v1/res0" -H 'Host: svc0.example.com' || true)
    stop
    printf '%-6s %-8s %10s %10s %6s %s\n' "$r" "$v" "$startup_ms" "$cpu_s" "$(cut -d' ' -f1 /proc/loadavg)" \
        "$([[ $status == 502 || $status == 200 ]] || echo "first request: $status")"
  done
done
