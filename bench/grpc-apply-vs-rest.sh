#!/usr/bin/env bash
# Bulk creates (issue 18): COUNT routes through one gRPC Apply stream vs COUNT REST POSTs from
# WRITERS concurrent clients, one local etcd and one controller, same run (REST first, then Apply:
# Apply runs against the bigger config, so the ratio is on the safe side). Needs the controller jar:
#   mvn -B -q -o -pl mp-controller -am package -DskipTests
# Usage: COUNT=10000 WRITERS=16 bash bench/grpc-apply-vs-rest.sh
# (CLASS=bench/grpc/X.java runs another comparison on the same set-up: bench/grpc-config-vs-rest.sh.)
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
COUNT=${COUNT:-10000}
WRITERS=${WRITERS:-16}
CLASS=${CLASS:-bench/grpc/GrpcApplyVsRest.java}
JAR=${JAR:-mp-controller/target/stargate-controller.jar}  # its libs/ beside it
[ -f "$JAR" ] || { echo "$JAR missing: mvn -B -q -o -pl mp-controller -am package -DskipTests" >&2; exit 2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
DIR=$(mktemp -d /tmp/stargate-grpc-bench.XXXXXX)
CLIENT=$(free_port); PEER=$(free_port); API=$(free_port); GRPC=$(free_port)
cleanup() { [ -n "${CTL:-}" ] && kill "$CTL" 2>/dev/null; [ -n "${ETCD:-}" ] && kill "$ETCD" 2>/dev/null; wait 2>/dev/null; rm -rf "$DIR"; }
trap cleanup EXIT
etcd --name bench --data-dir "$DIR/etcd" --listen-client-urls "http://127.0.0.1:$CLIENT" \
  --advertise-client-urls "http://127.0.0.1:$CLIENT" --listen-peer-urls "http://127.0.0.1:$PEER" \
  --initial-advertise-peer-urls "http://127.0.0.1:$PEER" --initial-cluster "bench=http://127.0.0.1:$PEER" \
  >"$DIR/etcd.log" 2>&1 &
ETCD=$!
"$JAVA_HOME/bin/java" -Xmx1g -jar "$JAR" --etcd "http://127.0.0.1:$CLIENT" --host 127.0.0.1 --port "$API" \
  --grpc-port "$GRPC" >"$DIR/controller.log" 2>&1 &
CTL=$!
for _ in $(seq 1 600); do
  curl -sf "http://127.0.0.1:$API/health/ready" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -sf "http://127.0.0.1:$API/health/ready" >/dev/null || { tail -30 "$DIR/controller.log"; exit 1; }
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
"$JAVA_HOME/bin/java" -cp "$JAR:$(dirname "$JAR")/libs/*" "$CLASS" \
  --url "http://127.0.0.1:$API" --grpc-port "$GRPC" --count "$COUNT" --writers "$WRITERS"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
