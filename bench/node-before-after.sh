#!/usr/bin/env bash
# One node build against another, same machine, same moment: a node built from BEFORE (a git revision)
# and one from the working tree, each in front of the same local nginx upstream (1 KiB at /, 64 KiB at
# /64k), plain route, access log off, wrk in interleaved rounds. Prints rps, p99 and, robust on a
# shared machine, each node's CPU time per request (utime+stime from /proc); the figures to quote are
# the after/before ratios.
#
#   BEFORE=2e05684 bash bench/node-before-after.sh                 # 3 rounds x 10 s per path and build
#   BEFORE=2e05684 ROUNDS=5 PATHS=/64k bash bench/node-before-after.sh
#   BEFORE=2e05684 NODE_FLAGS="--otlp-endpoint http://127.0.0.1:4318 --otlp-protocol http/protobuf --trace-sample-rate 1" \
#     bash bench/node-before-after.sh                               # both nodes with extra flags (here: traced)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64} PATH=$PATH:/usr/sbin
: "${BEFORE:?set BEFORE to a git revision to compare with}"
ROUNDS=${ROUNDS:-3} DURATION=${DURATION:-10} CONNS=${CONNS:-64} WARMUP=${WARMUP:-15} PATHS=${PATHS:-"/ /64k"}
UPSTREAM_PORT=${UPSTREAM_PORT:-29301}
source "$ROOT/../shared/bench/lib/configs.sh"
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
            [[ ! -f $work/up/nginx.pid ]] || kill "$(cat "$work/up/nginx.pid")" 2>/dev/null || true
            git -C "$ROOT" worktree remove --force "$work/before-src" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

echo "building $BEFORE and the working tree ..." >&2
git -C "$ROOT" worktree add -q --detach "$work/before-src" "$BEFORE"
(cd "$work/before-src" && mvn -B -q -o -DskipTests package -pl nima-node -am >&2)
(cd "$ROOT" && mvn -B -q -o -DskipTests package -pl nima-node -am >&2)
write_upstream_conf "$work/up" "$UPSTREAM_PORT"
nginx -c "$work/up/nginx.conf"
sed "s/{{UPSTREAM_PORT}}/$UPSTREAM_PORT/g" "$ROOT/bench/configs/plain.yaml" > "$work/node.yaml"

declare -A jar=([before]="$work/before-src/nima-node/target/stargate-node.jar" [after]="$ROOT/nima-node/target/stargate-node.jar")
declare -A port=([before]=29310 [after]=29312) pid
for name in before after; do
  "$JAVA_HOME/bin/java" -Xms512m -Xmx512m -XX:+UseG1GC -jar "${jar[$name]}" node --config "$work/node.yaml" \
    --host 127.0.0.1 --port "${port[$name]}" --https-port 0 --admin-port 0 --access-log off ${NODE_FLAGS:-} \
    > "$work/node-$name.log" 2>&1 &
  pids+=($!); pid[$name]=$!
  for _ in $(seq 1 120); do curl -sf -o /dev/null "http://127.0.0.1:${port[$name]}/" && break; sleep 0.5; done
done
run() { wrk -t1 -c"$CONNS" -d"$1"s --latency "http://127.0.0.1:${port[$2]}$3"; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
TICK_US=$((1000000 / $(getconf CLK_TCK)))
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for path in $PATHS; do
  for name in before after; do run "$WARMUP" "$name" "$path" >/dev/null; done
  declare -A rps=() cpu=() p99=()
  for r in $(seq 1 "$ROUNDS"); do
    for name in before after; do
      t0=$(ticks "${pid[$name]}")
      out=$(run "$DURATION" "$name" "$path")
      used=$(( ($(ticks "${pid[$name]}") - t0) * TICK_US ))
      n=$(awk '/requests in/ {print $1}' <<<"$out")
      rps[$name]="${rps[$name]:-} $(awk '/Requests\/sec/ {print $2}' <<<"$out")"
      p99[$name]="${p99[$name]:-} $(awk '$1 == "99%" {v=$2; if (v ~ /us$/) v=v/1000; else if (v ~ /ms$/) v=v+0; else if (v ~ /s$/) v=v*1000; print v}' <<<"$out")"
      cpu[$name]="${cpu[$name]:-} $(awk -v u="$used" -v n="$n" 'BEGIN {printf "%.1f", u / n}')"
    done
  done
  b=$(median ${rps[before]}) a=$(median ${rps[after]}) bc=$(median ${cpu[before]}) ac=$(median ${cpu[after]})
  bp=$(median ${p99[before]}) ap=$(median ${p99[after]})
  printf '%-5s before %8.0f rps p99 %6.2f ms %6.1f us CPU/req | after %8.0f rps p99 %6.2f ms %6.1f us CPU/req | after/before rps %.2f, CPU/req %.2f, p99 %.2f\n' \
    "$path" "$b" "$bp" "$bc" "$a" "$ap" "$ac" "$(awk -v a="$a" -v b="$b" 'BEGIN {print a/b}')" \
    "$(awk -v a="$ac" -v b="$bc" 'BEGIN {print a/b}')" "$(awk -v a="$ap" -v b="$bp" 'BEGIN {print a/b}')"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
