#!/usr/bin/env bash
# Where a standalone node's start at 100,000 routes goes (issue 12, SPEC §12: <= 5 s), and one build
# against another in interleaved rounds. Each start runs the launcher's JVM options on the same file
# (bench/gen-routes.py) until /health/ready and prints: wall time to ready, the CPU the node used until
# then (every thread, JIT and GC included), its CPU by thread group (the parsing thread has exited by
# then: it is the rest), and the phases from the node's log (read_ms and the reading thread's
# read_cpu_ms, validate_ms, compile_ms; builds before 32c5243 do not log them, before the file
# snapshot no read_cpu_ms). Wall times on a shared machine are the scheduler's; read the CPU.
# SNAPSHOT=1: restarts on an unchanged file with --cache-dir, each build with its own directory primed
# by one unmeasured start (the file's parse kept as file-snapshot.bin; builds before it parse anyway).
#
#   bash bench/startup-phases.sh                                   # 3 rounds of the working tree's build
#   BEFORE=3a446ef ROUNDS=2 bash bench/startup-phases.sh           # that revision, then this build, per round
#   BEFORE_JAR=/tmp/old/stargate-node.jar JAR=/tmp/new/stargate-node.jar SKIP_BUILD=1 bash bench/startup-phases.sh
#   ROUTES=10000 JAVA_OPTS="-Xms256m -Xmx256m -XX:+UseG1GC -XX:AOTCache=node.aot" bash bench/startup-phases.sh
#   SNAPSHOT=1 BEFORE=f6a32be JAVA_OPTS="-Xms32m -Xmx256m -XX:+UseSerialGC" bash bench/startup-phases.sh
# BEFORE_JAVA_OPTS: the before build's JVM options (default JAVA_OPTS); with BEFORE_JAR=<this jar> it
# compares two option sets on one build:
#   BEFORE_JAR=nima-node/target/stargate-node.jar BEFORE_JAVA_OPTS="-Xms32m ..." JAVA_OPTS="-Xms96m ..." bash bench/startup-phases.sh
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
ROUTES=${ROUTES:-100000}
ROUNDS=${ROUNDS:-3}
NODE_PORT=${NODE_PORT:-19141}
ADMIN_PORT=${ADMIN_PORT:-19142}
declare -A opts
opts[after]="${JAVA_OPTS:--Xms256m -Xmx256m -XX:+UseG1GC}"
opts[before]="${BEFORE_JAVA_OPTS:-${opts[after]}}"
WORK=$(mktemp -d)
NODE_PID=
cleanup() {
  [[ -z $NODE_PID ]] || kill "$NODE_PID" 2>/dev/null || true
  [[ -z ${BEFORE:-} ]] || git -C "$ROOT" worktree remove --force "$WORK/before-src" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

declare -A jar
builds=()
if [[ -n ${BEFORE_JAR:-} ]]; then
  jar[before]=$BEFORE_JAR
  builds+=(before)
elif [[ -n ${BEFORE:-} ]]; then
  git -C "$ROOT" worktree add -q --detach "$WORK/before-src" "$BEFORE"
  (cd "$WORK/before-src" && mvn -B -q -o -DskipTests package -pl nima-node -am >&2)
  jar[before]=$WORK/before-src/nima-node/target/stargate-node.jar
  builds+=(before)
fi
[[ -n ${SKIP_BUILD:-} ]] || (cd "$ROOT" && mvn -B -q -o -DskipTests package -pl nima-node -am >&2)
jar[after]=${JAR:-$ROOT/nima-node/target/stargate-node.jar}
builds+=(after)
python3 "$ROOT/bench/gen-routes.py" "$ROUTES" > "$WORK/routes.yaml"

# CPU seconds of the live threads of $1, by name without its number (C2 CompilerThread0 -> C2_CompilerThread)
threads() {
  local t name st tck
  tck=$(getconf CLK_TCK)
  for t in /proc/"$1"/task/*; do
    name=$(tr ' ' _ <"$t/comm"); st=$(sed 's/.*) //' "$t/stat")
    # shellcheck disable=SC2086
    set -- $st
    echo "$name ${12} ${13}"
  done | awk -v T="$tck" '{n = $1; sub(/#?[0-9]+$/, "", n); c[n] += ($2 + $3) / T}
                          END {for (k in c) if (c[k] >= 0.1) printf "%s=%.1f ", k, c[k]}'
}

field() { grep -o "$1=[0-9]*" "$WORK/node.log" | head -1 | cut -d= -f2; }

# start BUILD: a node of that build on the file, until /health/ready; sets NODE_PID, or exits when it does not get there
start() {
  local flags=()
  [[ -z ${SNAPSHOT:-} ]] || flags=(--cache-dir "$WORK/cache-$1")
  local jvm
  read -ra jvm <<<"${opts[$1]} --sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED"
  "$JAVA_HOME/bin/java" "${jvm[@]}" -jar "${jar[$1]}" node --config "$WORK/routes.yaml" --host 127.0.0.1 \
      --port "$NODE_PORT" --admin-port "$ADMIN_PORT" --access-log off "${flags[@]}" >"$WORK/node.log" 2>&1 &
  NODE_PID=$!
  for _ in $(seq $(( ${READY_S:-600} * 20 ))); do
    curl -sf -o /dev/null "http://127.0.0.1:$ADMIN_PORT/health/ready" && return
    kill -0 "$NODE_PID" 2>/dev/null || break
    sleep 0.05
  done
  echo "node did not become ready:"; tail -5 "$WORK/node.log"; exit 1
}

stop() { kill -TERM "$NODE_PID"; wait "$NODE_PID" 2>/dev/null || true; NODE_PID=; }

if [[ -n ${SNAPSHOT:-} ]]; then
  for b in "${builds[@]}"; do
    start "$b"
    # the snapshot is saved in the background after ready; a build that keeps none gets 60 s
    for _ in $(seq 600); do grep -q "event=config_snapshot result=saved" "$WORK/node.log" && break; sleep 0.1; done
    stop
  done
fi

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); $ROUTES routes, $(($(stat -c %s "$WORK/routes.yaml") / 1048576)) MiB"
printf '%-5s %-6s %8s %6s %7s %8s %8s %8s  %s\n' round build wall_ms cpu_s read_ms rcpu_ms valid_ms compl_ms "cpu by thread (s)"
for r in $(seq 1 "$ROUNDS"); do
  for b in "${builds[@]}"; do
    started=$(date +%s%N)
    start "$b"
    wall_ms=$(( ($(date +%s%N) - started) / 1000000 ))
    cpu_s=$(awk -v t="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / t}' "/proc/$NODE_PID/stat")
    by_thread=$(threads "$NODE_PID")
    stop
    printf '%-5s %-6s %8s %6s %7s %8s %8s %8s  %s(load %s)\n' "$r" "$b" "$wall_ms" "$cpu_s" "$(field read_ms)" \
        "$(field read_cpu_ms)" "$(field validate_ms)" "$(field compile_ms)" "$by_thread" "$(cut -d' ' -f1 /proc/loadavg)"
  done
done
