#!/usr/bin/env bash
# WebSocket echo round trips per second through the node vs straight to the upstream, in one run
# (issue 13). The upstream is a JDK-only echo server (bench/src/main/java/stargate/bench/WebSocketEcho.java),
# the client the JDK's java.net.http.WebSocket with one message in flight per socket; the node has one
# `websocket: true` route to it. Rounds alternate direct / node; the figure is node/direct.
#
#   bash bench/websocket-echo.sh                            # 3 rounds x 10 s, 32 sockets, 128-byte messages
#   ROUNDS=5 DURATION=15 SOCKETS=64 BYTES=1024 bash bench/websocket-echo.sh
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
ROUNDS=${ROUNDS:-3} DURATION=${DURATION:-10} SOCKETS=${SOCKETS:-32} BYTES=${BYTES:-128}
UPSTREAM_PORT=${UPSTREAM_PORT:-29201} NODE_PORT=${NODE_PORT:-29205} ADMIN_PORT=${ADMIN_PORT:-29902}
ECHO=$ROOT/bench/src/main/java/stargate/bench/WebSocketEcho.java

work=$(mktemp -d)
cleanup() { for pid in ${node_pid:-} ${echo_pid:-}; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
(cd "$ROOT" && mvn -B -q -o -DskipTests package -pl nima-node -am >&2)
"$JAVA_HOME/bin/java" -Xmx256m "$ECHO" server "$UPSTREAM_PORT" > "$work/echo.log" 2>&1 &
echo_pid=$!
cat > "$work/node.yaml" <<YAML
routes:
  - {id: ws, paths: ["/*"], upstream: echo, websocket: true}
upstreams:
  - {id: echo, targets: [{url: "http://127.0.0.1:$UPSTREAM_PORT"}]}
YAML
"$JAVA_HOME/bin/java" -Xms512m -Xmx512m -XX:+UseG1GC -jar "$ROOT/nima-node/target/stargate-node.jar" node \
  --config "$work/node.yaml" --host 127.0.0.1 --port "$NODE_PORT" --admin-port "$ADMIN_PORT" --access-log off \
  > "$work/node.log" 2>&1 &
node_pid=$!
for _ in $(seq 1 120); do curl -sf -o /dev/null "http://127.0.0.1:$ADMIN_PORT/health/ready" && break; sleep 0.5; done
curl -sf -o /dev/null "http://127.0.0.1:$ADMIN_PORT/health/ready" || { tail -20 "$work/node.log" >&2; exit 1; }
run() {  # URL SECONDS -> round trips per second
  "$JAVA_HOME/bin/java" "$ECHO" client "$1" "$SOCKETS" "$2" "$BYTES" | sed -n 's/^round_trips_per_second=//p'
}
direct="ws://127.0.0.1:$UPSTREAM_PORT/echo" via="ws://127.0.0.1:$NODE_PORT/echo"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores; $SOCKETS sockets, $BYTES-byte messages" >&2
echo "warming up (JIT) ..." >&2
run "$direct" 5 >/dev/null; run "$via" 10 >/dev/null
printf '%-6s %-7s %12s\n' round path 'round trips/s'
direct_all=() node_all=()
for r in $(seq 1 "$ROUNDS"); do
  d=$(run "$direct" "$DURATION"); printf '%-6s %-7s %12s\n' "$r" direct "$d"; direct_all+=("$d")
  n=$(run "$via" "$DURATION"); printf '%-6s %-7s %12s\n' "$r" node "$n"; node_all+=("$n")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
dm=$(median "${direct_all[@]}"); nm=$(median "${node_all[@]}")
echo "median round trips/s: direct $dm, through the node $nm; node/direct = $(awk -v n="$nm" -v d="$dm" 'BEGIN {printf "%.3f", n/d}')"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
