# shellcheck shell=bash
# Shared by the bench scripts that run their own local upstream (sourced, not run).

# A local nginx serving a 1 KiB file at every path (/index.html, /plain/index.html ...), no access log,
# keep-alive without limit; everything it writes stays in DIR. Stop it with `nginx -c DIR/nginx.conf -s stop`.
start_index_upstream() {  # DIR PORT
  local dir=$1 port=$2
  chmod 755 "$dir"   # nginx workers run as another user
  head -c 1024 /dev/zero | tr '\0' 'x' > "$dir/index.html"; chmod 644 "$dir/index.html"
  cat > "$dir/nginx.conf" <<NGINX
worker_processes 1; pid $dir/nginx.pid; error_log $dir/error.log;
events { worker_connections 4096; }
http { access_log off; client_body_temp_path $dir/b; proxy_temp_path $dir/p; fastcgi_temp_path $dir/f;
       uwsgi_temp_path $dir/u; scgi_temp_path $dir/s;
       server { listen 127.0.0.1:$port; root $dir; keepalive_requests 1000000; location / { } } }
NGINX
  nginx -c "$dir/nginx.conf"
}

# wrk output and /proc readings used by the interleaved rounds below.
rps() { awk '/Requests\/sec/ {print $2}'; }
requests() { awk '/requests in/ {print $1}'; }
p99() { awk '$1 == "99%" {print $2}'; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }   # utime + stime, in clock ticks
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
least() { printf '%s\n' "$@" | sort -g | head -1; }   # the least-disturbed round, on a shared machine

# Runs the caller's `run SECONDS NAME` (a wrk command) for every name in `names`: a warm-up each, then
# ROUNDS interleaved rounds of DURATION seconds, printing rps, p99 and the CPU per request of the
# process `pid[NAME]`. Fills the caller's associative arrays `all` (rps per round) and `cpu` (us/request
# per round), declared with `declare -A all cpu` before the call. LABEL heads the name column.
interleaved_rounds() {  # LABEL
  local tick_us=$((1000000 / $(getconf CLK_TCK))) r name before out used per
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "warming up (JIT) ..." >&2
  for name in "${names[@]}"; do run "$WARMUP" "$name" >/dev/null; done
  printf '%-6s %-8s %10s %10s %12s\n' round "$1" rps p99 cpu-us/req
  for r in $(seq 1 "$ROUNDS"); do
    for name in "${names[@]}"; do
      before=$(ticks "${pid[$name]}")
      out=$(run "$DURATION" "$name")
      used=$(( ($(ticks "${pid[$name]}") - before) * tick_us ))
      per=$(awk -v u="$used" -v n="$(requests <<<"$out")" 'BEGIN {printf "%.1f", u / n}')
      printf '%-6s %-8s %10s %10s %12s\n' "$r" "$name" "$(rps <<<"$out")" "$(p99 <<<"$out")" "$per"
      all[$name]="${all[$name]:-} $(rps <<<"$out")"
      cpu[$name]="${cpu[$name]:-} $per"
    done
  done
  echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
}
