#!/usr/bin/env bash
# What the access log costs (SPEC §12: with the log on, to a file, throughput within 10% of log-off).
# Two node processes side by side in front of one local nginx upstream (1 KiB body), same flags and
# config (bench/configs/plain.yaml) except --access-log: `off` and a file (rotated at 256 MiB, one kept,
# so the disk stays bounded); optionally a third with --access-log-sample 0.1. wrk runs them in
# interleaved rounds while the others idle; the figures are file/off rps and, robust on a shared
# machine, the node's CPU time per request (utime+stime from /proc, same run). Prints the load average
# before and after.
#
#   bash bench/access-log-cost.sh                        # off vs file, 3 rounds x 10 s each
#   ROUNDS=5 DURATION=15 SAMPLED=1 bash bench/access-log-cost.sh   # plus a node at --access-log-sample 0.1
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
ROUNDS=${ROUNDS:-3} DURATION=${DURATION:-10} CONNS=${CONNS:-64} WARMUP=${WARMUP:-15}
UPSTREAM_PORT=${UPSTREAM_PORT:-29201} BASE_PORT=${BASE_PORT:-29210}
for tool in wrk nginx; do command -v $tool >/dev/null || PATH=$PATH:/usr/sbin; command -v $tool >/dev/null \
  || { echo "missing $tool (apt-get install -y wrk nginx)" >&2; exit 1; }; done

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
            nginx -c "$work/nginx.conf" -s stop 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
source "$ROOT/bench/lib.sh"
start_index_upstream "$work" "$UPSTREAM_PORT"
sed "s/{{UPSTREAM_PORT}}/$UPSTREAM_PORT/g" "$ROOT/bench/configs/plain.yaml" > "$work/node.yaml"
(cd "$ROOT" && mvn -B -q -o -DskipTests package -pl nima-node -am >&2)

names=(off file) logs=(off "$work/access.log")
if [[ ${SAMPLED:-0} == 1 ]]; then names+=(sampled); logs+=("$work/sampled.log"); fi
declare -A port pid
i=0
for name in "${names[@]}"; do
  port[$name]=$((BASE_PORT + 2 * i)); admin=$((BASE_PORT + 2 * i + 1))
  extra=()
  [[ $name != off ]] && extra=(--access-log-max-size 256MiB --access-log-keep 1)
  [[ $name == sampled ]] && extra+=(--access-log-sample 0.1)
  "$JAVA_HOME/bin/java" -Xms512m -Xmx512m -XX:+UseG1GC -jar "$ROOT/nima-node/target/stargate-node.jar" node \
    --config "$work/node.yaml" --host 127.0.0.1 --port "${port[$name]}" --https-port 0 --admin-port "$admin" \
    --access-log "${logs[$i]}" "${extra[@]}" > "$work/node-$name.log" 2>&1 &
  pids+=($!); pid[$name]=$!
  for _ in $(seq 1 120); do curl -sf -o /dev/null "http://127.0.0.1:$admin/health/ready" && break; sleep 0.5; done
  [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${port[$name]}/index.html") == 200 ]] \
    || { echo "node $name does not answer 200" >&2; tail -5 "$work/node-$name.log" >&2; exit 1; }
  i=$((i + 1))
done
run() { wrk -t1 -c"$CONNS" -d"$1"s --latency "http://127.0.0.1:${port[$2]}/index.html"; }
declare -A all cpu
interleaved_rounds log
off=$(median ${all[off]}) offcpu=$(median ${cpu[off]}) offbest=$(least ${cpu[off]})
for name in "${names[@]}"; do
  m=$(median ${all[$name]}) c=$(median ${cpu[$name]})
  echo "median $name: $m rps ($(awk -v m="$m" -v o="$off" 'BEGIN {printf "%.3f", m/o}') of off)," \
       "$c us CPU/request (off/$name = $(awk -v c="$c" -v o="$offcpu" 'BEGIN {printf "%.3f", o/c}'): throughput per core)," \
       "least $(least ${cpu[$name]}) us (off/$name = $(awk -v c="$(least ${cpu[$name]})" -v o="$offbest" 'BEGIN {printf "%.3f", o/c}'))"
done
ls -la "$work" | grep -E 'access|sampled' || true
for name in "${names[@]}"; do grep -h "access_log" "$work/node-$name.log" | tail -3 || true; done
