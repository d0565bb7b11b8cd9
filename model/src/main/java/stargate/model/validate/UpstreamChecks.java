package stargate.model.validate;

import static stargate.model.validate.Findings.at;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import stargate.model.BalancerKind;
import stargate.model.Upstream;

/** Checks one upstream: balancer, targets, health checks, circuit breaker, pool and TLS. */
final class UpstreamChecks {
    static final int MAX_WEIGHT = 1000;
    static final int MAX_CONNECTIONS = 100_000;
    /** Upper bound for counters (healthy/unhealthy probes, failures, half-open successes). */
    static final int MAX_COUNT = 1000;
    static final int MAX_VOLUME = 100_000;

    private final Findings f;

    UpstreamChecks(Findings f) {
        this.f = f;
    }

    void check(Upstream upstream, String path) {
        hashOn(upstream, at(path, "hash_on"));
        targets(upstream.targets(), at(path, "targets"));
        if (upstream.healthCheck() != null) {
            if (upstream.healthCheck().active() != null) {
                active(upstream.healthCheck().active(), upstream.grpc(), at(path, "health_check.active"));
            }
            if (upstream.healthCheck().passive() != null) {
                passive(upstream.healthCheck().passive(), at(path, "health_check.passive"));
            }
        }
        if (upstream.circuitBreaker() != null) {
            circuitBreaker(upstream.circuitBreaker(), at(path, "circuit_breaker"));
        }
        f.range(at(path, "pool.max_connections"), upstream.pool().maxConnections(), 1, MAX_CONNECTIONS);
        f.positive(at(path, "pool.idle_timeout"), upstream.pool().idleTimeout());
        if (upstream.tls() != null && (upstream.tls().clientCertFile() == null) != (upstream.tls().clientKeyFile() == null)) {
            f.add(at(path, "tls"), "client_cert_file and client_key_file must be set together");
        }
    }

    private void hashOn(Upstream upstream, String path) {
        boolean consistent = upstream.balancer() == BalancerKind.CONSISTENT_HASH;
        String hashOn = upstream.hashOn();
        if (consistent && hashOn == null) {
            f.add(path, "required by the consistent-hash balancer");
        } else if (!consistent && hashOn != null) {
            f.add(path, "only used by the consistent-hash balancer");
        } else if (hashOn != null && !isHashKey(hashOn)) {
            f.add(path, "expected header:NAME, cookie:NAME, ip or path, got \"" + hashOn + "\"");
        }
    }

    private static boolean isHashKey(String hashOn) {
        if (hashOn.equals("ip") || hashOn.equals("path")) {
            return true;
        }
        int colon = hashOn.indexOf(':');
        String source = colon < 0 ? "" : hashOn.substring(0, colon);
        return (source.equals("header") || source.equals("cookie")) && Syntax.isToken(hashOn.substring(colon + 1));
    }

    private void targets(List<Upstream.Target> targets, String path) {
        if (targets.isEmpty()) {
            f.add(path, "an upstream needs at least one target");
        }
        Set<String> seen = new HashSet<>();
        Boolean grpc = null;        // the first target's kind; the others must match it
        for (int i = 0; i < targets.size(); i++) {
            Upstream.Target target = targets.get(i);
            String url = target.url();
            if (f.required(at(at(path, i), "url"), url)) {
                String scheme = targetUrl(url, at(at(path, i), "url"));
                if (scheme != null) {
                    boolean isGrpc = scheme.startsWith("grpc");
                    if (grpc == null) {
                        grpc = isGrpc;
                    } else if (grpc != isGrpc) {
                        f.add(at(at(path, i), "url"), "all targets of an upstream speak the same protocol: "
                                + (grpc ? "grpc:// or grpcs://" : "http:// or https://") + " like the first, got \""
                                + url + "\"");
                    }
                }
                if (!seen.add(url)) {
                    f.add(at(at(path, i), "url"), "duplicate target \"" + url + "\"");
                }
            }
            f.range(at(at(path, i), "weight"), target.weight(), 0, MAX_WEIGHT);
        }
    }

    /**
     * {@code http(s)://host:port} or {@code grpc(s)://host:port} exactly: the route decides the path, so a
     * target has none.
     *
     * @return the URL's scheme when it is one of those four, else null (and a finding)
     */
    private String targetUrl(String url, String path) {
        String expected = "expected http://host:port, https://host:port, grpc://host:port or grpcs://host:port, got \""
                + url + "\"";
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            f.add(path, expected);
            return null;
        }
        String scheme = uri.getScheme();
        boolean known = "http".equals(scheme) || "https".equals(scheme) || "grpc".equals(scheme)
                || "grpcs".equals(scheme);
        if (!known || uri.getHost() == null || uri.getPort() < 1 || uri.getPort() > 65535) {
            f.add(path, expected);
            return null;
        }
        if (uri.getRawUserInfo() != null || !uri.getRawPath().isEmpty() || uri.getRawQuery() != null
                || uri.getRawFragment() != null) {
            f.add(path, "a target URL has no path, query or user info, got \"" + url + "\"");
        }
        return scheme;
    }

    private void active(Upstream.ActiveCheck active, boolean grpcTargets, String path) {
        String type = active.type();
        if (!type.equals("http") && !type.equals("tcp") && !type.equals("grpc")) {
            f.add(at(path, "type"), "expected http, tcp or grpc, got \"" + type + "\"");
        } else if (type.equals("grpc") != grpcTargets && !type.equals("tcp")) {
            f.add(at(path, "type"), grpcTargets
                    ? "the targets speak gRPC: expected grpc or tcp, got \"" + type + "\""
                    : "type grpc needs grpc:// or grpcs:// targets");
        }
        if (type.equals("grpc")) {
            grpcCheck(active, path);
        } else {
            webCheck(active, path);
        }
        f.positive(at(path, "interval"), active.interval());
        f.positive(at(path, "timeout"), active.timeout());
        if (active.timeout().compareTo(active.interval()) >= 0 && !active.interval().isZero()) {
            f.add(at(path, "timeout"), "must be shorter than interval");
        }
        f.range(at(path, "healthy"), active.healthy(), 1, MAX_COUNT);
        f.range(at(path, "unhealthy"), active.unhealthy(), 1, MAX_COUNT);
    }

    /** A grpc.health.v1 check: a service name instead of a path and statuses (success is SERVING). */
    private void grpcCheck(Upstream.ActiveCheck active, String path) {
        if (active.path() != null) {
            f.add(at(path, "path"), "not used by type grpc (it asks about a service: set service)");
        }
        if (active.statuses() != null) {
            f.add(at(path, "statuses"), "not used by type grpc (success is SERVING)");
        }
        if (!active.service().matches("[A-Za-z0-9_.]{0,200}")) {
            f.add(at(path, "service"), "expected a gRPC service name like pkg.Service (letters, digits, '.', '_'), got \""
                    + active.service() + "\"");
        }
    }

    private void webCheck(Upstream.ActiveCheck active, String path) {
        if (active.service() != null) {
            f.add(at(path, "service"), "only used by type grpc");
        }
        if (!active.path().startsWith("/")) {
            f.add(at(path, "path"), "must start with \"/\", got \"" + active.path() + "\"");
        }
        statuses(active.statuses(), at(path, "statuses"));
    }

    private void passive(Upstream.PassiveCheck passive, String path) {
        statuses(passive.statuses(), at(path, "statuses"));
        f.range(at(path, "failures"), passive.failures(), 1, MAX_COUNT);
        f.positive(at(path, "ejection"), passive.ejection());
    }

    private void statuses(List<Integer> statuses, String path) {
        if (statuses.isEmpty()) {
            f.add(path, "needs at least one status");
        }
        for (int i = 0; i < statuses.size(); i++) {
            f.range(at(path, i), statuses.get(i), 100, 599);
        }
    }

    private void circuitBreaker(Upstream.CircuitBreaker breaker, String path) {
        double ratio = breaker.failureRatio();
        if (!(ratio > 0 && ratio <= 1)) {
            f.add(at(path, "failure_ratio"), "must be greater than 0 and at most 1, got " + ratio);
        }
        f.range(at(path, "volume"), breaker.volume(), 1, MAX_VOLUME);
        f.positive(at(path, "open_for"), breaker.openFor());
        f.range(at(path, "half_open_successes"), breaker.halfOpenSuccesses(), 1, MAX_COUNT);
    }
}
