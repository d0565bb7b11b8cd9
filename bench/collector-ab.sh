#!/usr/bin/env bash
# Interleaved A/B of JVM option sets (collector, heap) on one node jar: one node per option set on the same
# config (bench/configs/plain.yaml, access log off) in front of one local nginx upstream (1 KiB), wrk -t1 -c64
# per node in turn each round; prints rps, the node's CPU us per request (utime+stime from /proc), p99, and
# each node's RSS after the rounds.
#   ROUNDS=3 DUR=8 bash bench/collector-ab.sh "-Xms256m -Xmx256m -XX:+UseG1GC" "-Xms32m -Xmx256m -XX:+UseSerialGC"
set -uo pipefail
export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 PATH=$PATH:/usr/sbin
JAR=${JAR:-$ROOT/nima-node/target/stargate-node.jar}; ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
W=$(mktemp -d)
source "$ROOT/../shared/bench/lib/configs.sh"; write_upstream_conf $W/up 29601; nginx -c $W/up/nginx.conf
sed "s/{{UPSTREAM_PORT}}/29601/g" $ROOT/bench/configs/plain.yaml > $W/node.yaml
pids=(); i=0
for opts in "$@"; do
  port=$((29610+i)); $JAVA_HOME/bin/java $opts -jar "$JAR" node --config $W/node.yaml --host 127.0.0.1 --port $port --https-port 0 --admin-port 0 --access-log off ${NODE_FLAGS:-} > $W/n$i.log 2>&1 &
  pids+=($!); i=$((i+1))
done
trap 'kill ${pids[*]} 2>/dev/null; kill $(cat $W/up/nginx.pid) 2>/dev/null' EXIT
for ((j=0;j<i;j++)); do for _ in $(seq 120); do curl -sf -o /dev/null http://127.0.0.1:$((29610+j))/ && break; sleep 0.5; done; wrk -t1 -c64 -d${PRIME:-10}s http://127.0.0.1:$((29610+j))${PATH_:-/} >/dev/null; done
for ((r=1;r<=${ROUNDS:-3};r++)); do for ((j=0;j<i;j++)); do
  p=${pids[$j]}; t0=$(awk '{print $14+$15}' /proc/$p/stat)
  wrk -t1 -c64 -d${DUR:-8}s --latency http://127.0.0.1:$((29610+j))${PATH_:-/} > $W/w.txt
  t1=$(awk '{print $14+$15}' /proc/$p/stat); req=$(awk '/requests in/ {print $1}' $W/w.txt)
  echo "round $r opts[$j] rps $(awk '/Requests\/sec/ {print $2}' $W/w.txt) cpu_us/req $(( (t1-t0)*10000/req )) p99 $(awk '/ 99%/ {print $2}' $W/w.txt) load $(cut -d' ' -f1 /proc/loadavg)"
done; done
sleep 10; for ((j=0;j<i;j++)); do echo "opts[$j]=${@:$((j+1)):1} rss_after $(awk '/VmRSS/ {print $2}' /proc/${pids[$j]}/status) kB"; done
