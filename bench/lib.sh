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
