#!/usr/bin/env python3
"""Writes a standalone config with N routes to stdout (fixed seed): the route mix of
RouteMatchBenchmark (a fifth on exact hosts, a tenth on wildcard hosts; paths 40% exact, 30%
templates, 30% prefixes; half with a method list; 1 in 20 with a header match), 100 upstreams,
1 in 10 routes with its own rate-limit plugin, and a global request-id plugin.

    python3 bench/gen-routes.py 100000 [UPSTREAM_PORT] > routes.yaml
"""
import random
import sys

n = int(sys.argv[1])
port = int(sys.argv[2]) if len(sys.argv) > 2 else 19101
rnd = random.Random(42)
out = sys.stdout
w = out.write
w("global_plugins:\n  request-id: {}\nroutes:" + ("\n" if n else " []\n"))
for i in range(n):
    host_kind = rnd.randrange(10)
    hosts = (f'["svc{i % 500}.example.com"]' if host_kind < 2
             else f'["*.tenant{i % 200}.example.org"]' if host_kind < 3 else None)
    path_kind = rnd.randrange(10)
    path = (f"/api/v{1 + i % 3}/res{i}" if path_kind < 4
            else f"/api/res{i}/{{id}}" if path_kind < 6
            else f"/api/res{i}/{{id}}/items/{{item}}" if path_kind < 7
            else f"/static/app{i}/*")
    method_kind = rnd.randrange(10)
    methods = '["GET"]' if method_kind < 3 else '["GET", "POST"]' if method_kind < 5 else None
    line = f'  - {{id: r{i}, paths: ["{path}"], upstream: u{i % 100}'
    if hosts:
        line += f", hosts: {hosts}"
    if methods:
        line += f", methods: {methods}"
    if rnd.randrange(20) == 0:
        line += ', headers: {x-canary: "true"}'
    line += f", priority: {rnd.randrange(3)}"
    if i % 10 == 0:
        line += ", plugins: {rate-limit: {rate: 100}}"
    w(line + "}\n")
w("upstreams:\n")
for u in range(100):
    w(f'  - {{id: u{u}, targets: [{{url: "http://127.0.0.1:{port}"}}]}}\n')
