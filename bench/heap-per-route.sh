#!/usr/bin/env bash
# Live heap per route (SPEC §12: <= 1 KiB per extra route at 100,000 routes) and startup time of a
# standalone node with the launcher's default heap (-Xms256m -Xmx256m, G1). For each route count a
# config is generated (bench/gen-routes.py), a node started on it, and once it answers /health/ready
# the live heap is read after a full GC (jcmd GC.class_histogram runs one). Per-route figure:
# (heap at N - heap at 0) / N. The top classes of the largest run are printed too. Startup is given as
# wall time and as the CPU time the node used until ready (user + sys from /proc, every thread: JIT and
# GC included), which a shared machine stretches far less than wall time.
#
#   bash bench/heap-per-route.sh                     # 0, 10000, 100000 routes
#   COUNTS="0 10000" bash bench/heap-per-route.sh
#   HEAP=512m bash bench/heap-per-route.sh           # another -Xmx (and -Xms)
#   JAR=/tmp/old/stargate-node.jar SKIP_BUILD=1 bash bench/heap-per-route.sh   # another build (its libs/ beside it)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
COUNTS=${COUNTS:-"0 10000 100000"}
HEAP=${HEAP:-256m}
NODE_PORT=${NODE_PORT:-19111}
ADMIN_PORT=${ADMIN_PORT:-19112}
TOP=${TOP:-15}
JAR=${JAR:-$ROOT/nima-node/target/stargate-node.jar}
WORK=$(mktemp -d)
NODE_PID=
cleanup() {
  [[ -z $NODE_PID ]] || kill "$NODE_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

[[ -n ${SKIP_BUILD:-} ]] || (cd "$ROOT" && mvn -B -q -o -DskipTests package -pl nima-node -am >&2)
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
base=
for n in $COUNTS; do
  python3 "$ROOT/bench/gen-routes.py" "$n" > "$WORK/routes.yaml"
  started=$(date +%s%N)
  "$JAVA_HOME/bin/java" "-Xms$HEAP" "-Xmx$HEAP" -XX:+UseG1GC \
      -jar "$JAR" node --config "$WORK/routes.yaml" --host 127.0.0.1 \
      --port "$NODE_PORT" --admin-port "$ADMIN_PORT" --access-log off >"$WORK/node.log" 2>&1 &
  NODE_PID=$!
  ready=
  for _ in $(seq $(( ${READY_S:-300} * 10 ))); do   # at most READY_S (300) s: a loaded machine stretches a start
    if curl -sf -o /dev/null "http://127.0.0.1:$ADMIN_PORT/health/ready"; then ready=1; break; fi
    kill -0 "$NODE_PID" 2>/dev/null || break
    sleep 0.1
  done
  startup_ms=$(( ($(date +%s%N) - started) / 1000000 ))
  cpu_ticks=$(awk '{print $14 + $15}' "/proc/$NODE_PID/stat" 2>/dev/null || echo 0)
  if [[ -z $ready ]]; then
    echo "routes=$n: node did not become ready"; tail -5 "$WORK/node.log"
    kill "$NODE_PID" 2>/dev/null || true; wait "$NODE_PID" 2>/dev/null || true; NODE_PID=; continue
  fi
  # one request through the node so the request path is loaded (its classes count as fixed cost)
  status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$NODE_PORT/api/v1/res0" -H 'Host: svc0.example.com' || true)
  "$JAVA_HOME/bin/jcmd" "$NODE_PID" GC.class_histogram > "$WORK/histo.txt"
  live=$(awk '/^Total/ {print $3}' "$WORK/histo.txt")
  rss_kib=$(awk '/VmRSS/ {print $2}' "/proc/$NODE_PID/status")
  if [[ -z $base ]]; then base=$live; base_n=$n; fi
  per_route="-"
  if (( n > base_n )); then per_route=$(( (live - base) / (n - base_n) )); fi
  printf 'routes=%-7s startup_ms=%-6s startup_cpu_s=%-5.2f load=%-5s live_heap_mib=%-6.1f rss_mib=%-5d bytes_per_route=%s first_request=%s\n' \
      "$n" "$startup_ms" "$(echo "$cpu_ticks / $(getconf CLK_TCK)" | bc -l)" "$(cut -d' ' -f1 /proc/loadavg)" "$(echo "$live / 1048576" | bc -l)" $((rss_kib / 1024)) "$per_route" "$status"
  cp "$WORK/histo.txt" "$WORK/histo-last.txt"
  kill "$NODE_PID"; wait "$NODE_PID" 2>/dev/null || true; NODE_PID=
done
echo "top classes of the last run (instances, bytes):"
head -n $((TOP + 3)) "$WORK/histo-last.txt" | tail -n "$TOP"
