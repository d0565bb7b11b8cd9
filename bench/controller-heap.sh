#!/usr/bin/env bash
# Controller memory at 100,000 objects (issue 12): live heap after a full GC (jcmd GC.class_histogram
# runs one) of a controller (-Xmx1g, no auth, loopback) on a fresh local etcd, at 0 objects, after a
# PUT /config of N objects (N/2 routes, each with its own upstream), after a second PUT /config
# changing every route, and while a client reads GET /config slowly (the export streams: the heap
# must not grow by the document's size). Prints one line per stage (with the StoredObject count:
# one per object is the controller's copy of the config; more is something kept too long) and the
# top classes after the first PUT.
#
#   bash bench/controller-heap.sh                   # N=100000
#   N=10000 bash bench/controller-heap.sh
#   JAR=/path/to/stargate-controller.jar SKIP_BUILD=1 bash bench/controller-heap.sh   # another build
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
N=${N:-100000}
HEAP=${HEAP:-1g}
JAR=${JAR:-$ROOT/mp-controller/target/stargate-controller.jar}
TOP=${TOP:-12}
WORK=$(mktemp -d)
ETCD_PID= CTL_PID= CURL_PID=
cleanup() {
  for pid in $CURL_PID $CTL_PID $ETCD_PID; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

[[ -n ${SKIP_BUILD:-} ]] || (cd "$ROOT" && mvn -B -q -o -DskipTests package -pl mp-controller -am >&2)
# run a copy: a build while the benchmark runs must not rewrite the jar under the JVM
mkdir -p "$WORK/jar" && cp "$JAR" "$WORK/jar/" && cp -r "$(dirname "$JAR")/libs" "$WORK/jar/"
JAR=$WORK/jar/$(basename "$JAR")
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
ETCD_PORT=$(free_port) PEER_PORT=$(free_port)
etcd --data-dir "$WORK/etcd" --listen-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" --listen-peer-urls "http://127.0.0.1:$PEER_PORT" \
    --initial-advertise-peer-urls "http://127.0.0.1:$PEER_PORT" \
    --initial-cluster "default=http://127.0.0.1:$PEER_PORT" >"$WORK/etcd.log" 2>&1 &
ETCD_PID=$!
"$JAVA_HOME/bin/java" "-Xmx$HEAP" -XX:+UseG1GC --sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED \
    -jar "$JAR" --etcd "http://127.0.0.1:$ETCD_PORT" --host 127.0.0.1 --port 0 >"$WORK/controller.log" 2>&1 &
CTL_PID=$!
PORT=
for _ in $(seq 1200); do   # at most 120 s: the box may be busy
  PORT=$(sed -n 's|.*serving the admin API on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$WORK/controller.log")
  [[ -n $PORT ]] && curl -sf -o /dev/null "http://127.0.0.1:$PORT/health/ready" && break
  kill -0 "$CTL_PID" 2>/dev/null || { tail -20 "$WORK/controller.log"; exit 1; }
  sleep 0.1
done
API=http://127.0.0.1:$PORT/api/v1

live() {  # STAGE: live heap after a full GC, and the class histogram in $WORK/histo-STAGE.txt
  "$JAVA_HOME/bin/jcmd" "$CTL_PID" GC.class_histogram > "$WORK/histo-$1.txt"
  local bytes; bytes=$(awk '/^Total/ {print $3}' "$WORK/histo-$1.txt")
  local objects; objects=$(awk '/stargate.controller.store.StoredObject$/ {print $2}' "$WORK/histo-$1.txt")
  printf 'stage=%-10s objects=%-7s live_heap_mib=%-7.1f stored_objects=%-7s rss_mib=%d\n' "$1" "$2" \
      "$(echo "$bytes / 1048576" | bc -l)" "${objects:-0}" $(( $(awk '/VmRSS/ {print $2}' "/proc/$CTL_PID/status") / 1024 ))
}

# one write and one read first, so the write path's classes count as fixed cost
curl -sf -o /dev/null -X PUT "$API/upstreams/warm" -H 'Content-Type: application/json' \
    -d '{"targets": [{"url": "http://127.0.0.1:1"}]}'
curl -sf -o /dev/null -X DELETE "$API/upstreams/warm"
curl -sf -o /dev/null "$API/config"
live empty 0

put_config() {  # VARIANT STAGE: PUT /config of N objects (routes' paths end in VARIANT), then the live heap
  python3 - "$N" "$1" > "$WORK/config.json" <<'PY'
import json, sys
n, variant = int(sys.argv[1]) // 2, sys.argv[2]
routes = [{"id": f"r{i}", "paths": [f"/api/r{i}/{variant}"], "upstream": f"u{i}"} for i in range(n)]
upstreams = [{"id": f"u{i}", "targets": [{"url": f"http://127.0.0.1:{1024 + i % 60000}"}]} for i in range(n)]
json.dump({"routes": routes, "upstreams": upstreams}, sys.stdout)
PY
  local applies; applies=$(grep -c 'event=staged_apply' "$WORK/controller.log" || true)
  local status; status=$(curl -s -o "$WORK/put.json" -w '%{http_code}' -X PUT "$API/config" \
      -H 'Content-Type: application/json' --data-binary "@$WORK/config.json" --max-time 900)
  if [[ $status == 503 ]] && grep -q 'not answered within' "$WORK/put.json"; then
    # a loaded box: the request gave up waiting (60 s), the apply goes on; wait for it in the log
    for _ in $(seq 600); do
      (( $(grep -c 'event=staged_apply' "$WORK/controller.log" || true) > applies )) && status=200 && break
      sleep 1
    done
  fi
  [[ $status == 200 ]] || { echo "PUT /config: $status $(head -c 300 "$WORK/put.json")"; tail -5 "$WORK/controller.log"; exit 1; }
  live "$2" "$N"
}
put_config v1 put
cp "$WORK/histo-put.txt" "$WORK/histo-top.txt"
put_config v2 change   # every route changed: N/2 objects rewritten

# a client that reads the first 64 KiB of the export and then stops reading: the controller is
# blocked mid-export, holding only what a streamed export holds
read -r code size < <(curl -s -o /dev/null -w '%{http_code} %{size_download}\n' "$API/config" --max-time 600)
curl -s -N --limit-rate 16k "$API/config" -o /dev/null &
CURL_PID=$!
sleep 5
live exporting "$N"
echo "export: status=$code bytes=$size"
kill "$CURL_PID" 2>/dev/null || true; wait "$CURL_PID" 2>/dev/null || true; CURL_PID=

echo "top classes after the first PUT (instances, bytes):"
head -n $((TOP + 3)) "$WORK/histo-top.txt" | tail -n "$TOP"
