#!/usr/bin/env bash
# The floor of the node's design (issue 11): BareProxy (bench/src/main/java/stargate/bench/BareProxy.java, JDK
# only: a virtual thread per client connection, blocking sockets, a keep-alive upstream connection per client,
# nothing else) as the candidate of ../shared/bench/compare.sh against nginx, same harness as
# bench/proxy-vs-nginx.sh, so the two runs' ratios to nginx say how much of the node's gap is the JDK's
# virtual-thread socket I/O and how much is the node's own per-request work.
#   bash bench/bare-floor.sh                  # compare.sh's defaults (full mode)
#   QUICK=1 bash bench/bare-floor.sh          # one short round
#   BARE_JAVA_OPTS="-XX:+UseSerialGC" bash bench/bare-floor.sh
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
COMPARE=${COMPARE:-$ROOT/../shared/bench/compare.sh}
[[ -f $COMPARE ]] || { echo "compare.sh not found at $COMPARE (set COMPARE=...)" >&2; exit 1; }
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
BARE_JAVA_OPTS=${BARE_JAVA_OPTS:-"-Xms512m -Xmx512m -XX:+UseG1GC"}
# compare.sh's upstream listens on 19001
export CANDIDATE_CMD="exec \"\$JAVA_HOME/bin/java\" $BARE_JAVA_OPTS '$ROOT/bench/src/main/java/stargate/bench/BareProxy.java' \$CANDIDATE_PORT ${UPSTREAM_PORT:-19001}"
export CONTENDERS=${CONTENDERS:-"nginx-w1 nginx-w2 candidate"}
bash "$COMPARE"
