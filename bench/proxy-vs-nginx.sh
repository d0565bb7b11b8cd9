#!/usr/bin/env bash
# Proxy throughput and p99 of a standalone Stargate node side by side with nginx (and HAProxy,
# Spring Cloud Gateway when listed), through ../shared/bench/compare.sh (read its header).
#
#   bash bench/proxy-vs-nginx.sh                                   # nginx-w1, nginx-w2, candidate; 3 rounds x 10 s
#   QUICK=1 bash bench/proxy-vs-nginx.sh                           # 1 round x 5 s
#   CONTENDERS="upstream nginx-w1 nginx-w2 haproxy scg candidate" bash bench/proxy-vs-nginx.sh
#   NODE_CONFIG=bench/configs/key-auth-rate-limit.yaml bash bench/proxy-vs-nginx.sh   # another route setup
#   NODE_JAVA_OPTS="-Xms512m -Xmx512m -XX:+UseZGC" bash bench/proxy-vs-nginx.sh     # another JVM setup
#   AS_RUN=1 bash bench/proxy-vs-nginx.sh       # as users run it: access log on (to a file), plugin route
#                                               # (bench/configs/key-auth-rate-limit.yaml)
#
# The figures to report are the ratios it prints last (candidate / best nginx, same run).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
COMPARE=${COMPARE:-$ROOT/../shared/bench/compare.sh}
[[ -f $COMPARE ]] || { echo "compare.sh not found at $COMPARE (set COMPARE=...)" >&2; exit 1; }
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}

(cd "$ROOT" && mvn -B -q -o -DskipTests package -pl nima-node -am >&2)

if [[ ${AS_RUN:-0} == 1 ]]; then
  NODE_CONFIG=${NODE_CONFIG:-$ROOT/bench/configs/key-auth-rate-limit.yaml}
  ACCESS_LOG=${ACCESS_LOG:-$(mktemp --suffix=.access.log)}
fi
ACCESS_LOG=${ACCESS_LOG:-off}      # a file path turns the node's access log on (nginx's stays off)
config=$(mktemp --suffix=.yaml)
trap 'rm -f "$config"; [[ $ACCESS_LOG == off ]] || rm -f "$ACCESS_LOG"*' EXIT
log_flags="--access-log '$ACCESS_LOG'"
# rotated by size so a long run does not fill the disk; rotation and compression run off the request path
[[ $ACCESS_LOG == off ]] || log_flags+=" --access-log-max-size 256MiB --access-log-keep 1"

# compare.sh's upstream listens on 19001 and serves GET / (1 KiB) and GET /64k.
sed "s/{{UPSTREAM_PORT}}/${UPSTREAM_PORT:-19001}/g" "${NODE_CONFIG:-$ROOT/bench/configs/plain.yaml}" > "$config"

# -Xms = -Xmx and G1 by default (proxy spike: best on this box; NODE_JAVA_OPTS to compare others);
# no access log by default (nginx runs without one too).
NODE_JAVA_OPTS=${NODE_JAVA_OPTS:-"-Xms512m -Xmx512m -XX:+UseG1GC"}
export CANDIDATE_CMD="exec \"\$JAVA_HOME/bin/java\" $NODE_JAVA_OPTS -jar '$ROOT/nima-node/target/stargate-node.jar' node --config '$config' --host 127.0.0.1 --port \$CANDIDATE_PORT --admin-port 0 $log_flags"
export CONTENDERS=${CONTENDERS:-"nginx-w1 nginx-w2 candidate"}
bash "$COMPARE"
