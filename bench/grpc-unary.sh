#!/usr/bin/env bash
# Unary gRPC through the node vs straight to the server (SPEC §12: calls/s through the node >= 0.5x
# direct), issue 14. One grpc-java echo server, one node (a grpc:// upstream to it), and a grpc-java load
# driver (bench/grpc/GrpcUnaryLoad.java) alternating timed rounds against each in the same run. The
# driver and the server run from the node's own classpath (jetcd brings grpc-java). Needs the node jar:
#   mvn -B -q -o -pl nima-node -am package -DskipTests
# Usage: CONCURRENCY=32 SECONDS=8 ROUNDS=3 bash bench/grpc-unary.sh
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
CONCURRENCY=${CONCURRENCY:-32}
SECONDS_PER_ROUND=${SECONDS:-8}
ROUNDS=${ROUNDS:-3}
NODE_JAVA_OPTS=${NODE_JAVA_OPTS:-"-Xms256m -Xmx256m -XX:+UseG1GC"}
JAR=nima-node/target/stargate-node.jar
[ -f "$JAR" ] || { echo "$JAR missing: mvn -B -q -o -pl nima-node -am package -DskipTests" >&2; exit 2; }
CP="$JAR:nima-node/target/libs/*"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
WORK=$(mktemp -d /tmp/stargate-grpc-unary.XXXXXX)
SERVER_PORT=$(free_port); NODE_PORT=$(free_port); ADMIN_PORT=$(free_port); HTTPS_PORT=$(free_port)
cleanup() {
  [ -n "${NODE_PID:-}" ] && kill "$NODE_PID" 2>/dev/null
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
"$JAVA_HOME/bin/java" "${jopts[@]}" -jar "$JAR" node --config "$WORK/node.yaml" --host 127.0.0.1 --port "$NODE_PORT" \
  --https-port "$HTTPS_PORT" --admin-port "$ADMIN_PORT" --access-log off >"$WORK/node.log" 2>&1 &
NODE_PID=$!
for _ in $(seq 1 240); do
  grep -q 'serving on' "$WORK/server.log" 2>/dev/null && curl -sf "http://127.0.0.1:$ADMIN_PORT/health/ready" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -sf "http://127.0.0.1:$ADMIN_PORT/health/ready" >/dev/null || { tail -30 "$WORK/node.log" "$WORK/server.log"; exit 1; }
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
"$JAVA_HOME/bin/java" -Xmx512m -cp "$CP" bench/grpc/GrpcUnaryLoad.java drive "$SERVER_PORT" "$NODE_PORT" \
  "$CONCURRENCY" "$SECONDS_PER_ROUND" "$ROUNDS"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
