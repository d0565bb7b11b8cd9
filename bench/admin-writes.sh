#!/usr/bin/env bash
# Admin write load (issue 21): one local etcd, one controller, WRITERS concurrent clients creating
# COUNT distinct routes (after SEED existing ones). Needs the controller jar:
#   mvn -B -q -o -pl mp-controller -am package -DskipTests
# Usage: WRITERS=16 COUNT=960 SEED=0 bash bench/admin-writes.sh
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
WRITERS=${WRITERS:-16}
COUNT=${COUNT:-960}
SEED=${SEED:-0}
JAR=mp-controller/target/stargate-controller.jar
[ -f "$JAR" ] || { echo "$JAR missing: mvn -B -q -o -pl mp-controller -am package -DskipTests" >&2; exit 2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
DIR=$(mktemp -d /tmp/stargate-admin-writes.XXXXXX)
CLIENT=$(free_port); PEER=$(free_port); API=$(free_port)
cleanup() { [ -n "${KEEP_LOG:-}" ] && cp "$DIR/controller.log" "$KEEP_LOG"; [ -n "${CTL:-}" ] && kill "$CTL" 2>/dev/null; [ -n "${ETCD:-}" ] && kill "$ETCD" 2>/dev/null; wait 2>/dev/null; rm -rf "$DIR"; }
trap cleanup EXIT
etcd --name bench --data-dir "$DIR/etcd" --listen-client-urls "http://127.0.0.1:$CLIENT" \
  --advertise-client-urls "http://127.0.0.1:$CLIENT" --listen-peer-urls "http://127.0.0.1:$PEER" \
  --initial-advertise-peer-urls "http://127.0.0.1:$PEER" --initial-cluster "bench=http://127.0.0.1:$PEER" \
  >"$DIR/etcd.log" 2>&1 &
ETCD=$!
"$JAVA_HOME/bin/java" -Xmx512m ${CTL_JAVA_OPTS:-} -jar "$JAR" --etcd "http://127.0.0.1:$CLIENT" --host 127.0.0.1 --port "$API" --grpc-port 0 \
  >"$DIR/controller.log" 2>&1 &
CTL=$!
for _ in $(seq 1 300); do
  curl -sf "http://127.0.0.1:$API/health/ready" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -sf "http://127.0.0.1:$API/health/ready" >/dev/null || { tail -30 "$DIR/controller.log"; exit 1; }
cpu() { awk '{printf "%.1f", ($14+$15)/100}' "/proc/$1/stat"; }
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
C0=$(cpu "$CTL"); E0=$(cpu "$ETCD")
"$JAVA_HOME/bin/java" bench/src/main/java/stargate/bench/AdminWrites.java --url "http://127.0.0.1:$API" \
  --writers "$WRITERS" --count "$COUNT" --seed "$SEED"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg); CPU seconds during the run: controller $(python3 -c "print(round($(cpu "$CTL")-$C0,1))"), etcd $(python3 -c "print(round($(cpu "$ETCD")-$E0,1))")"
