#!/usr/bin/env bash
# TLS termination of a standalone Stargate node side by side with nginx (2 workers), both with the
# same certificate, both proxying to one local nginx upstream (GET / = 1 KiB), measured with the
# same wrk client in interleaved rounds (nginx, node, nginx, node, ...). Follows
# ../shared/bench/compare.sh's approach and uses its lib/ (process handling, CPU accounting, the wrk
# report script).
#
#   bash bench/tls-vs-nginx.sh                       # RSA-2048, TLS 1.2+1.3 on both; 3 rounds x 10 s
#   QUICK=1 bash bench/tls-vs-nginx.sh               # 1 round x 5 s
#   CERT=ecdsa bash bench/tls-vs-nginx.sh            # a P-256 certificate instead (CERT=rsa|ecdsa|dual)
#   CERT=dual bash bench/tls-vs-nginx.sh             # both: RSA-2048 + P-256 (node: ecdsa_cert_file; nginx: two
#                                                    # ssl_certificate); wrk (OpenSSL) prefers ECDSA
#   NGINX_PROTOCOLS="TLSv1.2" bash bench/tls-vs-nginx.sh   # nginx 1.22's default (TLS 1.2 only)
#   NODE_JAVA_OPTS="... -Djdk.tls.server.protocols=TLSv1.2" bash bench/tls-vs-nginx.sh
#   LOADS="new" bash bench/tls-vs-nginx.sh           # only the new-connection load
#   TLS_PROVIDER=conscrypt bash bench/tls-vs-nginx.sh  # the node on --tls-provider conscrypt (BoringSSL)
#   NODE_JAR=/tmp/old/stargate-node.jar SKIP_BUILD=1 bash bench/tls-vs-nginx.sh   # another build (before/after)
#
# Loads (LOADS, default "new keepalive"):
#   new        a new TLS connection per request: wrk -t1 -c32 -H 'Connection: close'. wrk (OpenSSL)
#              keeps the session of a connection for the next one, so a server that resumes
#              sessions (tickets / TLS 1.3 PSK) does abbreviated handshakes, as browsers get.
#   keepalive  encrypted throughput on kept-alive connections: wrk -t1 -c64.
#   full       full handshakes only, no resumption and no request: FULL_CLIENTS (4) parallel
#              `openssl s_time -new` (handshake, close); "rps" = handshakes/s, no p99. This is where
#              the certificate's signature (RSA vs ECDSA) shows; "new" mostly resumes.
# A third contender, "plain", is the same node over plain HTTP (its http port) under the same load
# (not for "full"): node/plain is what TLS costs the node itself (PLAIN=0 leaves it out).
# Per load it prints rps, p99 and the server's CPU per request (ms), medians over rounds, and
# node/nginx ratios: rps (>= 0.8 for new, >= 1.0 for keepalive is issue 23's budget), p99 (<= 1.5).
# The machine may be shared: the load average is printed; only the same-run ratios mean anything.
set -euo pipefail
export LC_ALL=C
export PATH=$PATH:/usr/sbin:/sbin
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED_BENCH=${SHARED_BENCH:-$ROOT/../shared/bench}
[[ -f $SHARED_BENCH/lib/procs.sh ]] || { echo "shared bench lib not found at $SHARED_BENCH (set SHARED_BENCH=...)" >&2; exit 1; }
source "$SHARED_BENCH/lib/procs.sh"
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}

if [[ ${QUICK:-0} == 1 ]]; then ROUNDS=${ROUNDS:-1} DURATION=${DURATION:-5} PRIME_S=${PRIME_S:-10}; fi
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
WARMUP_S=${WARMUP_S:-3}         # before every measured run, both contenders
PRIME_S=${PRIME_S:-20}          # once per load on the node before round 1 (JIT)
LOADS=${LOADS:-"new keepalive"}
CERT=${CERT:-rsa}
TLS_PROVIDER=${TLS_PROVIDER:-jsse}
NGINX_PROTOCOLS=${NGINX_PROTOCOLS:-"TLSv1.2 TLSv1.3"}
NODE_JAVA_OPTS=${NODE_JAVA_OPTS:-"-Xms256m -Xmx256m -XX:+UseG1GC --enable-native-access=ALL-UNNAMED"}
BASE_PORT=${BASE_PORT:-23100}
UP_PORT=$BASE_PORT NGINX_PORT=$((BASE_PORT + 1)) NODE_HTTPS=$((BASE_PORT + 2)) NODE_HTTP=$((BASE_PORT + 3)) NODE_ADMIN=$((BASE_PORT + 4))
declare -A PORT=([nginx]=$NGINX_PORT [node]=$NODE_HTTPS [plain]=$NODE_HTTP)
declare -A SCHEME=([nginx]=https [node]=https [plain]=http)
declare -A CPID=()
declare -A WRK_ARGS=([new]="-t1 -c32 -H Connection:close" [keepalive]="-t1 -c64" [full]="s_time")

[[ ${SKIP_BUILD:-0} == 1 ]] || (cd "$ROOT" && mvn -B -q -o -DskipTests package -pl nima-node -am >&2)

WORK=$(mktemp -d /tmp/stargate-tls-bench.XXXXXX)
cleanup() { local rc=$?; stop_all; if ((rc == 0)) && [[ ${KEEP_TMP:-0} != 1 ]]; then rm -rf "$WORK"; else log "logs kept in $WORK"; fi; exit "$rc"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for p in $UP_PORT $NGINX_PORT $NODE_HTTPS $NODE_HTTP $NODE_ADMIN; do ! port_in_use "$p" || die "port $p is in use (set BASE_PORT)"; done

# --- certificate (generated per run, never kept) ----------------------------
case $CERT in
  rsa|dual) keyopt=(-newkey rsa:2048) ;;
  ecdsa) keyopt=(-newkey ec -pkeyopt ec_paramgen_curve:P-256) ;;
  *) die "CERT must be rsa, ecdsa or dual" ;;
esac
openssl req -x509 "${keyopt[@]}" -nodes -days 2 -subj /CN=localhost -addext subjectAltName=DNS:localhost \
  -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
NGINX_EC_CERT="" NODE_EC_CERT=""
if [[ $CERT == dual ]]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost -keyout "$WORK/ec-key.pem" -out "$WORK/ec-cert.pem" 2>/dev/null
  NGINX_EC_CERT="ssl_certificate $WORK/ec-cert.pem; ssl_certificate_key $WORK/ec-key.pem;"
  NODE_EC_CERT=", ecdsa_cert_file: $WORK/ec-cert.pem, ecdsa_key_file: $WORK/ec-key.pem"
fi

# --- upstream and nginx ------------------------------------------------------
nginx_conf() {  # DIR WORKERS BODY
  mkdir -p "$1/tmp"
  ((EUID != 0)) || echo "user root;"
  cat <<EOF
worker_processes $2;
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $1/tmp/cb; proxy_temp_path $1/tmp/p; fastcgi_temp_path $1/tmp/f;
  uwsgi_temp_path $1/tmp/u; scgi_temp_path $1/tmp/s;
  keepalive_timeout 65s; keepalive_requests 1000000; tcp_nodelay on;
$3
}
EOF
}
mkdir -p "$WORK/upstream/www" "$WORK/nginx"
head -c 1024 /dev/zero | tr '\0' a >"$WORK/upstream/www/1k"
nginx_conf "$WORK/upstream" 1 "  server { listen 127.0.0.1:$UP_PORT; root $WORK/upstream/www; location = / { try_files /1k =404; } }" \
  >"$WORK/upstream/nginx.conf"
# nginx's TLS defaults otherwise: session tickets on (random key), no shared session cache.
nginx_conf "$WORK/nginx" 2 "  upstream origin { server 127.0.0.1:$UP_PORT; keepalive 128; }
  server {
    listen 127.0.0.1:$NGINX_PORT ssl reuseport;
    ssl_certificate $WORK/cert.pem; ssl_certificate_key $WORK/key.pem; $NGINX_EC_CERT
    ssl_protocols $NGINX_PROTOCOLS;
    location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection \"\"; }
  }" >"$WORK/nginx/nginx.conf"

cat >"$WORK/node.yaml" <<EOF
routes:
  - {id: all, paths: ["/*"], upstream: bench}
upstreams:
  - id: bench
    targets: [{url: "http://127.0.0.1:$UP_PORT"}]
certificates:
  - {id: bench, snis: [localhost], cert_file: $WORK/cert.pem, key_file: $WORK/key.pem$NODE_EC_CERT}
EOF

wait_https() {  # NAME PID PORT TIMEOUT
  local deadline=$((SECONDS + $4))
  until curl -fsk -o /dev/null --max-time 2 "https://localhost:$3/"; do
    is_running "$2" || die "$1 exited during startup (logs in $WORK)"
    ((SECONDS < deadline)) || die "$1 did not answer on https port $3 within $4s"
    sleep 0.25
  done
  local got
  got=$(curl -sk -o /dev/null -w '%{http_code} %{size_download}' "https://localhost:$3/")
  [[ $got == "200 1024" ]] || die "$1 answered '$got', expected '200 1024'"
}

start_bg upstream "$WORK/upstream/out.log" nginx -p "$WORK/upstream" -c "$WORK/upstream/nginx.conf" -g 'daemon off;'
start_bg nginx "$WORK/nginx/out.log" nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;'
CPID[nginx]=$LAST_PID
read -r -a jopts <<<"$NODE_JAVA_OPTS"
start_bg node "$WORK/node.log" "$JAVA_HOME/bin/java" "${jopts[@]}" -jar "${NODE_JAR:-$ROOT/nima-node/target/stargate-node.jar}" node \
  --config "$WORK/node.yaml" --host 127.0.0.1 --port "$NODE_HTTP" --https-port "$NODE_HTTPS" --admin-port "$NODE_ADMIN" --access-log off \
  --tls-provider "$TLS_PROVIDER"
CPID[node]=$LAST_PID
CPID[plain]=$LAST_PID
wait_https nginx "${CPID[nginx]}" "$NGINX_PORT" 10
wait_https node "${CPID[node]}" "$NODE_HTTPS" 120

describe() {  # PORT -> negotiated protocol/cipher and whether a second connection resumes
  local out
  # a request on each, so that a TLS 1.3 ticket (sent after the handshake, by Conscrypt with the first answer) arrives
  local request='GET / HTTP/1.1\r\nHost: localhost\r\n\r\n'
  out=$( (printf "$request"; sleep 0.3) | timeout 5 openssl s_client -connect "127.0.0.1:$1" -servername localhost -sess_out "$WORK/s.$1" 2>/dev/null | grep -E '^(New|Reused),' || true)
  out+=" | then: "$( (printf "$request"; sleep 0.3) | timeout 5 openssl s_client -connect "127.0.0.1:$1" -servername localhost -sess_in "$WORK/s.$1" 2>/dev/null | grep -oE '^(New|Reused)' || true)
  echo "$out"
}
log "nginx: $(describe "$NGINX_PORT")"
log "node:  $(describe "$NODE_HTTPS")"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

full_run() {  # PORT SECONDS -> a wrk-report-like STARGATE line (handshakes/s, no latency)
  local i total=0 n
  local -a pids=()
  for ((i = 0; i < ${FULL_CLIENTS:-4}; i++)); do
    timeout $(($2 + 20)) openssl s_time -connect "127.0.0.1:$1" -new -time "$2" >"$WORK/stime.$i" 2>&1 &
    pids+=($!)
  done
  wait "${pids[@]}" || true   # these only: the servers are background jobs too
  for ((i = 0; i < ${FULL_CLIENTS:-4}; i++)); do
    n=$(grep -oE '^[0-9]+ connections in [0-9]+ real' "$WORK/stime.$i" | awk '{print $1}' | tail -1)
    total=$((total + ${n:-0}))
  done
  echo "STARGATE rps=$(awk -v t="$total" -v s="$2" 'BEGIN { printf "%.1f", t / s }') p99_us=0 err_connect=0 err_read=0 err_write=0 err_status=0 err_timeout=0"
}

wrk_run() {  # LOAD PORT SECONDS [extra...] (SCHEME: https unless set)
  local load=$1 port=$2 secs=$3; shift 3
  if [[ $load == full ]]; then full_run "$port" "$secs"; return; fi
  local -a args
  read -r -a args <<<"${WRK_ARGS[$load]}"
  args=("${args[@]/Connection:close/Connection: close}")
  wrk "${args[@]}" -d"${secs}s" "$@" "${RUN_SCHEME:-https}://localhost:$port/"
}

for load in $LOADS; do
  [[ -n ${WRK_ARGS[$load]:-} ]] || die "unknown load '$load' (new, keepalive, full)"
  ((PRIME_S <= 0)) || { log "priming node for $load, ${PRIME_S}s (JIT, not measured)"; wrk_run "$load" "$NODE_HTTPS" "$PRIME_S" >/dev/null; }
done

RUNS=$WORK/runs.tsv
: >"$RUNS"
for ((round = 1; round <= ROUNDS; round++)); do
  for load in $LOADS; do
    for name in nginx node plain; do
      [[ $name != plain || ( ${PLAIN:-1} == 1 && $load != full ) ]] || continue
      RUN_SCHEME=${SCHEME[$name]}
      ((WARMUP_S <= 0)) || wrk_run "$load" "${PORT[$name]}" "$WARMUP_S" >/dev/null
      c0=$(session_ticks "${CPID[$name]}"); t0=${EPOCHREALTIME/./}
      out=$(wrk_run "$load" "${PORT[$name]}" "$DURATION" --latency -s "$SHARED_BENCH/lib/wrk-report.lua")
      t1=${EPOCHREALTIME/./}; c1=$(session_ticks "${CPID[$name]}")
      is_running "${CPID[$name]}" || die "$name exited during its run (logs in $WORK)"
      line=$(grep '^STARGATE ' <<<"$out") || die "no wrk result for $name $load"
      declare -A m=()
      for kv in ${line#STARGATE }; do m[${kv%%=*}]=${kv#*=}; done
      row=$(awk -v r="$round" -v l="$load" -v n="$name" -v rps="${m[rps]}" -v p99="${m[p99_us]}" \
        -v errs="$((m[err_connect] + m[err_read] + m[err_write] + m[err_status] + m[err_timeout]))" \
        -v ticks="$((c1 - c0))" -v hz="$CLK_TCK" -v us="$((t1 - t0))" 'BEGIN {
          cores = ticks / hz / (us / 1e6)
          printf "%d\t%s\t%s\t%.1f\t%.2f\t%.2f\t%.3f\t%d\n", r, l, n, rps, p99 / 1000, cores, (rps > 0 ? cores * 1000 / rps : 0), errs }')
      echo "$row" >>"$RUNS"
      IFS=$'\t' read -r -a f <<<"$row"
      log "$(printf 'r%s %-9s %-5s %9s rps  p99 %7s ms  cpu %s cores = %s ms/request  errors %s' "${f[@]}")"
      unset m
    done
  done
done

echo
echo "TLS, cert $CERT, node --tls-provider $TLS_PROVIDER, nginx ssl_protocols '$NGINX_PROTOCOLS'; $ROUNDS round(s) x ${DURATION}s, medians; load average at start $LOAD_START, at end $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cpus)"
echo "nginx: $(describe "$NGINX_PORT")"
echo "node:  $(describe "$NODE_HTTPS")"
awk -F'\t' '
  function median(key,   n, i, j, t, a) {
    n = split(vals[key], a, " ")
    for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  { for (c = 4; c <= 8; c++) vals[$2 SUBSEP $3 SUBSEP c] = vals[$2 SUBSEP $3 SUBSEP c] " " $c; loads[$2] = 1 }
  END {
    printf "%-10s %-6s %9s %9s %7s %12s %6s\n", "load", "server", "rps", "p99_ms", "cores", "cpu_ms/req", "errors"
    split("nginx node plain", names, " ")
    for (l in loads) for (s = 1; s <= 3; s++) {
      n = names[s]
      if (vals[l SUBSEP n SUBSEP 4] == "") continue
      rps[l, n] = median(l SUBSEP n SUBSEP 4); p99[l, n] = median(l SUBSEP n SUBSEP 5); cpu[l, n] = median(l SUBSEP n SUBSEP 7)
      printf "%-10s %-6s %9.0f %9.2f %7.2f %12.3f %6d\n", l, n, rps[l, n], p99[l, n], median(l SUBSEP n SUBSEP 6), cpu[l, n], median(l SUBSEP n SUBSEP 8)
    }
    print ""
    printf "%-10s %12s %12s %18s\n", "node/nginx", "rps ratio", "p99 ratio", "cpu/request ratio"
    for (l in loads) printf "%-10s %12.2f %12.2f %18.2f\n", l, rps[l, "node"] / rps[l, "nginx"], p99[l, "node"] / p99[l, "nginx"], cpu[l, "node"] / cpu[l, "nginx"]
    print ""
    printf "%-10s %12s %12s %18s   (what TLS costs the node)\n", "node/plain", "rps ratio", "p99 ratio", "cpu/request ratio"
    for (l in loads) if (rps[l, "plain"] > 0) printf "%-10s %12.2f %12.2f %18.2f\n", l, rps[l, "node"] / rps[l, "plain"], p99[l, "node"] / p99[l, "plain"], cpu[l, "node"] / cpu[l, "plain"]
  }' "$RUNS"
