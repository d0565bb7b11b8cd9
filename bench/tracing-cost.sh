#!/usr/bin/env bash
# What tracing costs (SPEC §12: tracing at 100% sampling costs <= 10% of throughput). Two node processes
# side by side in front of one local nginx upstream (1 KiB body), same flags and config
# (bench/configs/plain.yaml, access log off): `off` (no --otlp-endpoint) and `traced` (--otlp-endpoint to a
# local OTLP/HTTP collector, --trace-sample-rate 1: a SERVER and a CLIENT span per request, every one
# exported). The collector is a second local nginx answering 200 to every POST /v1/traces (it reads and
# discards the protobuf), so it never slows the export; stargate_trace_spans_dropped_total is printed to
# show the spans were exported, not dropped. wrk runs the nodes in interleaved rounds; the figures are
# traced/off rps and the node's CPU time per request (utime+stime from /proc, JIT compiler threads left out;
# steadier on a shared box), and the share of it on the traced node's export threads.
#
# With BEFORE=<git revision>, a third node built from that revision runs traced beside them (`before`), so a
# change to tracing is measured against the old tracing and against no tracing in one run.
#
#   bash bench/tracing-cost.sh                     # 3 rounds x 10 s each
#   ROUNDS=5 DURATION=15 bash bench/tracing-cost.sh
#   BEFORE=1632adb ROUNDS=4 DURATION=8 bash bench/tracing-cost.sh
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
ROUNDS=${ROUNDS:-3} DURATION=${DURATION:-10} CONNS=${CONNS:-64} WARMUP=${WARMUP:-15}
UPSTREAM_PORT=${UPSTREAM_PORT:-29301} COLLECTOR_PORT=${COLLECTOR_PORT:-29302} BASE_PORT=${BASE_PORT:-29310}
for tool in wrk nginx; do command -v $tool >/dev/null || PATH=$PATH:/usr/sbin; command -v $tool >/dev/null \
  || { echo "missing $tool (apt-get install -y wrk nginx)" >&2; exit 1; }; done

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
            nginx -c "$work/nginx.conf" -s stop 2>/dev/null || true
            nginx -c "$work/collector/nginx.conf" -s stop 2>/dev/null || true
            [[ -z ${BEFORE:-} ]] || git -C "$ROOT" worktree remove --force "$work/before-src" 2>/dev/null || true
            rm -rf "$work"; }
trap cleanup EXIT
source "$ROOT/bench/lib.sh"
# Threads' CPU ticks (utime + stime) of a node, summed over its live threads whose name matches $2 and not $3
# (extended regexps). The CPU per request below leaves the JIT compiler threads out: on a loaded box they
# go on compiling for minutes, more in the node with more code to compile (the traced one), and that is not
# what a request costs once compiled. A thread that ends meanwhile loses its ticks (rare: none of a node's
# serving threads ends under load).
thread_ticks() {
  local t sum=0 name
  for t in /proc/"$1"/task/*; do
    name=$(cat "$t/comm" 2>/dev/null) || continue
    [[ $name =~ $2 && ! $name =~ $3 ]] || continue
    sum=$((sum + $(awk '{print $14 + $15}' "$t/stat" 2>/dev/null || echo 0)))
  done
  echo "$sum"
}
ticks() { thread_ticks "$1" '.' '^C[12] Compi'; }
# the export: our batching thread and the OTLP sender's (OkHttp) threads
export_ticks() { thread_ticks "$1" '^(trace-export|OkHttp|okhttp)' '^$'; }
start_index_upstream "$work" "$UPSTREAM_PORT"
mkdir -p "$work/collector" && chmod 755 "$work/collector"
cat > "$work/collector/nginx.conf" <<NGINX
worker_processes 1; pid $work/collector/nginx.pid; error_log $work/collector/error.log;
events { worker_connections 1024; }
http { access_log off; client_body_temp_path $work/collector/b; client_max_body_size 64m;
       proxy_temp_path $work/collector/p; fastcgi_temp_path $work/collector/f; uwsgi_temp_path $work/collector/u;
       scgi_temp_path $work/collector/s;
       server { listen 127.0.0.1:$COLLECTOR_PORT; location = /v1/traces { return 200; } } }
NGINX
nginx -c "$work/collector/nginx.conf"
sed "s/{{UPSTREAM_PORT}}/$UPSTREAM_PORT/g" "$ROOT/bench/configs/plain.yaml" > "$work/node.yaml"
[[ ${SKIP_BUILD:-0} == 1 ]] || (cd "$ROOT" && mvn -B -q -o -DskipTests package -pl nima-node -am >&2)

names=(off traced)
declare -A port admin pid jar=([off]="$ROOT/nima-node/target/stargate-node.jar" [traced]="$ROOT/nima-node/target/stargate-node.jar")
if [[ -n ${BEFORE:-} ]]; then
  echo "building $BEFORE ..." >&2
  git -C "$ROOT" worktree add -q --detach "$work/before-src" "$BEFORE"
  (cd "$work/before-src" && mvn -B -q -o -DskipTests package -pl nima-node -am >&2)
  names+=(before); jar[before]="$work/before-src/nima-node/target/stargate-node.jar"
fi
i=0
for name in "${names[@]}"; do
  port[$name]=$((BASE_PORT + 2 * i)); admin[$name]=$((BASE_PORT + 2 * i + 1))
  extra=()
  [[ $name != off ]] && extra=(--otlp-endpoint "http://127.0.0.1:$COLLECTOR_PORT" --otlp-protocol http/protobuf
                                  --trace-sample-rate 1)
  "$JAVA_HOME/bin/java" -Xms512m -Xmx512m -XX:+UseG1GC -jar "${jar[$name]}" node \
    --config "$work/node.yaml" --host 127.0.0.1 --port "${port[$name]}" --https-port 0 \
    --admin-port "${admin[$name]}" --access-log off "${extra[@]}" > "$work/node-$name.log" 2>&1 &
  pids+=($!); pid[$name]=$!
  for _ in $(seq 1 120); do curl -sf -o /dev/null "http://127.0.0.1:${admin[$name]}/health/ready" && break; sleep 0.5; done
  [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${port[$name]}/index.html") == 200 ]] \
    || { echo "node $name does not answer 200" >&2; tail -5 "$work/node-$name.log" >&2; exit 1; }
  i=$((i + 1))
done
run() { wrk -t1 -c"$CONNS" -d"$1"s --latency "http://127.0.0.1:${port[$2]}/index.html"; }
served() { curl -s "http://127.0.0.1:${admin[$1]}/metrics" | awk '/^stargate_requests_total[{ ]/ {n += $NF} END {printf "%d", n}'; }
dropped() { curl -s "http://127.0.0.1:${admin[$1]}/metrics" | awk '/^stargate_trace_spans_dropped_total / {print $2}'; }
declare -A all cpu
declare -A export0 served0
for name in "${names[@]:1}"; do export0[$name]=$(export_ticks "${pid[$name]}"); served0[$name]=$(served "$name"); done
interleaved_rounds node
off=$(median ${all[off]}) offcpu=$(median ${cpu[off]})
for name in "${names[@]}"; do
  m=$(median ${all[$name]}) c=$(median ${cpu[$name]})
  echo "median $name: $m rps ($(awk -v m="$m" -v o="$off" 'BEGIN {printf "%.3f", m/o}') of off)," \
       "$c us CPU/request (off/$name = $(awk -v c="$c" -v o="$offcpu" 'BEGIN {printf "%.3f", o/c}'): throughput per core)"
done
for name in "${names[@]:1}"; do
  n=$(( $(served "$name") - served0[$name] ))
  echo "$name node's export threads: $(awk -v t=$(( $(export_ticks "${pid[$name]}") - export0[$name] )) \
    -v u=$((1000000 / $(getconf CLK_TCK))) -v n="$n" 'BEGIN {printf "%.1f", t * u / n}') us CPU per request over warm-up and rounds ($n requests)"
done
sleep 2   # the last batch
for name in "${names[@]:1}"; do
  echo "$name node: stargate_trace_spans_dropped_total $(dropped "$name")"
  grep -h "trace_export" "$work/node-$name.log" | tail -3 || true
done
