#!/usr/bin/env bash
# etcd write -> both nodes serving (bench ConfigConvergence), a node built from BEFORE (a git revision)
# against one from the working tree, in interleaved rounds on the same machine and moment. Each round
# starts its own etcd and two nodes; the figures to quote are after/before ratios of the same round.
#
#   BEFORE=d5e102f bash bench/convergence-before-after.sh              # 2 rounds x 150 writes
#   BEFORE=d5e102f ROUNDS=3 WRITES=300 bash bench/convergence-before-after.sh
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
: "${BEFORE:?set BEFORE to a git revision to compare with}"
ROUNDS=${ROUNDS:-2} WRITES=${WRITES:-150} WARMUP=${WARMUP:-10}
work=$(mktemp -d)
cleanup() { git -C "$ROOT" worktree remove --force "$work/before-src" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

echo "building $BEFORE and the working tree ..." >&2
git -C "$ROOT" worktree add -q --detach "$work/before-src" "$BEFORE"
(cd "$work/before-src" && mvn -B -q -o -DskipTests package -pl nima-node -am >&2)
(cd "$ROOT" && mvn -B -q -o -DskipTests package -pl nima-node,bench -am >&2)
declare -A jar=([before]="$work/before-src/nima-node/target/stargate-node.jar" [after]="$ROOT/nima-node/target/stargate-node.jar")
for round in $(seq 1 "$ROUNDS"); do
  for name in before after; do
    echo "== round $round $name"
    "$JAVA_HOME/bin/java" -cp "$ROOT/bench/target/stargate-bench.jar" stargate.bench.ConfigConvergence \
      --writes "$WRITES" --warmup "$WARMUP" --node-jar "${jar[$name]}" 2>&1 | grep -E 'write -> both|put latency'
  done
done
