#!/usr/bin/env bash
# Unary gRPC through the node vs straight to the server (SPEC §12: calls/s through the node >= 0.5x
# direct), issue 14. One grpc-java echo server, one node (a grpc:// upstream to it), and a grpc-java load
# driver (bench/grpc/GrpcUnaryLoad.java) alternating timed rounds against each in the same run. The
# driver and the server run from the node's own classpath (jetcd brings grpc-java). Reports calls/s, p99 and
# the node's CPU time per call (utime+stime from /proc/<pid>/stat over each round). Needs the node jar:
#   mvn -B -q -o -pl nima-node -am package -DskipTests
# BEFORE_JAR=path/to/stargate-node.jar (its libs/ beside it) starts a second node from that build, measured
# in the same rounds: before/after figures of one run.
# Usage: CONCURRENCY=32 SECONDS=8 ROUNDS=3 WARMUP_CALLS=40000 [BEFORE_JAR=/tmp/before/stargate-node.jar] bash bench/grpc-unary.sh
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
CONCURRENCY=${CONCURRENCY:-32}
SECONDS_PER_ROUND=${SECONDS:-8}
ROUNDS=${ROUNDS:-3}
WARMUP_CALLS=${WARMUP_CALLS:-40000}
NODE_JAVA_OPTS=${NODE_JAVA_OPTS:-"-Xms256m -Xmx256m -XX:+UseG1GC"}
JAR=nima-node/target/stargate-node.jar
[ -f "$JAR" ] || { echo "$JAR missing: mvn -B -q -o -pl nima-node -am package -DskipTests" >&2; exit 2; }
CP="$JAR:nima-node/target/libs/*"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
WORK=$(mktemp -d /tmp/stargate-grpc-unary.XXXXXX)
SERVER_PORT=$(free_port)
cleanup() {
  [ -n "${NODE_PID:-}" ] && kill "$NODE_PID" 2>/dev/null
  [ -n "${BEFORE_PID:-}" ] && kill "$BEFORE_PID" 2>/dev/null
  [ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null
  wait 2>/dev/null; rm -rf "$WORK"
}
trap cleanup EXIT
"$JAVA_HOME/bin/java" -Xmx256m -cp "$CP" bench/grpc/GrpcUnaryLoad.java serve "$SERVER_PORT" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
cat > "$WORK/node.yaml" <<YAML
routes:
  - {id: echo, paths: ["/bench.Echo/*"], upstream: echo}
upstreams:
  - id: echo
    targets: [{url: "grpc://127.0.0.1:$SERVER_PORT"}]
YAML
read -r -a jopts <<<"$NODE_JAVA_OPTS"
# start_node NAME JAR: a node on free ports; sets STARTED_PID and STARTED_PORT, waits until it is ready
start_node() {
  local port admin https
  port=$(free_port); admin=$(free_port); https=$(free_port)
  "$JAVA_HOME/bin/java" "${jopts[@]}" -jar "$2" node --config "$WORK/node.yaml" --host 127.0.0.1 --port "$port" \
    --https-port "$https" --admin-port "$admin" --access-log off >"$WORK/$1.log" 2>&1 &
  STARTED_PID=$!; STARTED_PORT=$port
  for _ in $(seq 1 240); do
    curl -sf "http://127.0.0.1:$admin/health/ready" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  tail -30 "$WORK/$1.log"; exit 1
}
start_node node "$JAR"; NODE_PID=$STARTED_PID; SIDES=("node=$STARTED_PORT:$NODE_PID")
if [ -n "${BEFORE_JAR:-}" ]; then
  start_node before "$BEFORE_JAR"; BEFORE_PID=$STARTED_PID; SIDES=("before=$STARTED_PORT:$BEFORE_PID" "${SIDES[@]}")
fi
for _ in $(seq 1 60); do grep -q 'serving on' "$WORK/server.log" 2>/dev/null && break; sleep 0.5; done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
"$JAVA_HOME/bin/java" -Xmx512m -cp "$CP" bench/grpc/GrpcUnaryLoad.java drive "$SERVER_PORT" \
  "$CONCURRENCY" "$SECONDS_PER_ROUND" "$ROUNDS" "$WARMUP_CALLS" "${SIDES[@]}"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
