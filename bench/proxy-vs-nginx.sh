#!/usr/bin/env bash
# Proxy throughput and p99 of a standalone Stargate node side by side with nginx (and HAProxy,
# Spring Cloud Gateway when listed), through ../shared/bench/compare.sh (read its header).
#
#   bash bench/proxy-vs-nginx.sh                                   # nginx-w1, nginx-w2, candidate; 3 rounds x 10 s
#   QUICK=1 bash bench/proxy-vs-nginx.sh                           # 1 round x 5 s
#   CONTENDERS="upstream nginx-w1 nginx-w2 haproxy scg candidate" bash bench/proxy-vs-nginx.sh
#   NODE_CONFIG=bench/configs/key-auth-rate-limit.yaml bash bench/proxy-vs-nginx.sh   # another route setup
#   NODE_JAVA_OPTS="-Xms512m -Xmx512m -XX:+UseZGC" bash bench/proxy-vs-nginx.sh     # another JVM setup
#
# The figures to report are the ratios it prints last (candidate / best nginx, same run).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
COMPARE=${COMPARE:-$ROOT/../shared/bench/compare.sh}
[[ -f $COMPARE ]] || { echo "compare.sh not found at $COMPARE (set COMPARE=...)" >&2; exit 1; }
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}

(cd "$ROOT" && mvn -B -q -o -DskipTests package -pl nima-node -am >&2)

config=$(mktemp --suffix=.yaml)
trap 'rm -f "$config"' EXIT
# compare.sh's upstream listens on 19001 and serves GET / (1 KiB) and GET /64k.
sed "s/{{UPSTREAM_PORT}}/${UPSTREAM_PORT:-19001}/g" "${NODE_CONFIG:-$ROOT/bench/configs/plain.yaml}" > "$config"

# -Xms = -Xmx and G1 by default (proxy spike: best on this box; NODE_JAVA_OPTS to compare others);
# no access log (nginx runs without one too).
NODE_JAVA_OPTS=${NODE_JAVA_OPTS:-"-Xms512m -Xmx512m -XX:+UseG1GC"}
export CANDIDATE_CMD="exec \"\$JAVA_HOME/bin/java\" $NODE_JAVA_OPTS -jar '$ROOT/nima-node/target/stargate-node.jar' node --config '$config' --host 127.0.0.1 --port \$CANDIDATE_PORT --admin-port 0 --access-log off"
export CONTENDERS=${CONTENDERS:-"nginx-w1 nginx-w2 candidate"}
bash "$COMPARE"
