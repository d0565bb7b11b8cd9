package stargate.model;

import java.time.Duration;
import java.util.List;

/**
 * An upstream service: a set of targets, how to balance across them, and how to protect them.
 *
 * @param id             unique among upstreams
 * @param balancer       balancing algorithm; default round-robin
 * @param hashOn         for consistent-hash: {@code header:NAME}, {@code cookie:NAME}, {@code ip} or {@code path}; else null
 * @param targets        at least one target
 * @param healthCheck    null = no health checks (every target is considered healthy)
 * @param circuitBreaker null = no circuit breaker
 * @param pool           connection pool limits; defaults when absent
 * @param tls            TLS settings for https targets; null = defaults (verify on, system trust)
 */
public record Upstream(String id,
                       BalancerKind balancer,
                       String hashOn,
                       List<Target> targets,
                       HealthCheck healthCheck,
                       CircuitBreaker circuitBreaker,
                       Pool pool,
                       Tls tls) {

    public Upstream {
        balancer = balancer == null ? BalancerKind.ROUND_ROBIN : balancer;
        targets = Lists.copy(targets);
        pool = pool == null ? Pool.DEFAULT : pool;
    }

    /** A minimal upstream for tests and tools. */
    public static Upstream of(String id, String... targetUrls) {
        return new Upstream(id, null, null,
                java.util.Arrays.stream(targetUrls).map(u -> new Target(u, null)).toList(), null, null, null, null);
    }

    /**
     * @param url    {@code http://host:port} or {@code https://host:port}; for gRPC (SPEC §16) {@code grpc://host:port}
     *               (HTTP/2 cleartext) or {@code grpcs://host:port} (HTTP/2 over TLS); no path, query or user info
     * @param weight relative weight 0..1000 (0 = drained); default 1
     */
    public record Target(String url, Integer weight) {
        public Target {
            weight = weight == null ? 1 : weight;
        }
    }

    /** @param active null = no active probes; @param passive null = no passive ejection */
    public record HealthCheck(ActiveCheck active, PassiveCheck passive) {
    }

    /**
     * Periodic probes of every target.
     *
     * @param type      {@code http} (GET path, expect one of statuses), {@code tcp} (connect only) or {@code grpc}
     *                  (grpc.health.v1 {@code Check} of {@code service}, expect SERVING); default http
     * @param path      probe path for http; default {@code /}; stays null for grpc, which has none
     * @param interval  time between probes of one target; default 5s
     * @param timeout   probe timeout; default 1s, must be below interval
     * @param healthy   consecutive successes to mark a target healthy; default 2
     * @param unhealthy consecutive failures to mark it unhealthy; default 3
     * @param statuses  statuses that count as success; default [200]; stays null for grpc
     * @param service   for grpc: the service name asked about; default {@code ""} (the server as a whole);
     *                  null for the other types, which have none
     */
    public record ActiveCheck(String type, String path, Duration interval, Duration timeout,
                              Integer healthy, Integer unhealthy, List<Integer> statuses, String service) {
        public ActiveCheck {
            type = type == null ? "http" : type;
            boolean grpc = type.equals("grpc");
            // gRPC has no path or status to probe: left null so that validation can refuse them when set
            path = path == null && !grpc ? "/" : path;
            service = service == null && grpc ? "" : service;
            interval = interval == null ? Duration.ofSeconds(5) : interval;
            timeout = timeout == null ? Duration.ofSeconds(1) : timeout;
            healthy = healthy == null ? 2 : healthy;
            unhealthy = unhealthy == null ? 3 : unhealthy;
            statuses = statuses == null ? (grpc ? null : List.of(200)) : List.copyOf(statuses);
        }

        /** An http or tcp check, as before {@code service} existed. */
        public ActiveCheck(String type, String path, Duration interval, Duration timeout,
                           Integer healthy, Integer unhealthy, List<Integer> statuses) {
            this(type, path, interval, timeout, healthy, unhealthy, statuses, null);
        }
    }

    /**
     * Learns from proxied traffic: {@code failures} results in a row (listed statuses or connect
     * failures) eject a target for {@code ejection}.
     */
    public record PassiveCheck(List<Integer> statuses, Integer failures, Duration ejection) {
        public PassiveCheck {
            statuses = statuses == null ? List.of(502, 503, 504) : List.copyOf(statuses);
            failures = failures == null ? 5 : failures;
            ejection = ejection == null ? Duration.ofSeconds(30) : ejection;
        }
    }

    /**
     * @param failureRatio      0 < ratio <= 1: failures over the rolling window that open the breaker; default 0.5
     * @param volume            the rolling window, in calls; default 20
     * @param openFor           how long it stays open before half-open; default 10s
     * @param halfOpenSuccesses successes in half-open needed to close; default 3
     */
    public record CircuitBreaker(Double failureRatio, Integer volume, Duration openFor, Integer halfOpenSuccesses) {
        public CircuitBreaker {
            failureRatio = failureRatio == null ? 0.5 : failureRatio;
            volume = volume == null ? 20 : volume;
            openFor = openFor == null ? Duration.ofSeconds(10) : openFor;
            halfOpenSuccesses = halfOpenSuccesses == null ? 3 : halfOpenSuccesses;
        }
    }

    /**
     * @param maxConnections cap of open connections per target; default 512
     * @param idleTimeout    an idle pooled connection is closed after this; default 60s
     */
    public record Pool(Integer maxConnections, Duration idleTimeout) {
        public static final Pool DEFAULT = new Pool(null, null);

        public Pool {
            maxConnections = maxConnections == null ? 512 : maxConnections;
            idleTimeout = idleTimeout == null ? Duration.ofSeconds(60) : idleTimeout;
        }
    }

    /** Whether the targets speak gRPC ({@code grpc://}, {@code grpcs://}); validation keeps an upstream to one kind. */
    public boolean grpc() {
        return !targets.isEmpty() && targets.get(0).url() != null && targets.get(0).url().startsWith("grpc");
    }

    /** TLS towards https and grpcs targets; files are PEM. */
    public record Tls(Boolean verify, String caFile, String clientCertFile, String clientKeyFile) {
        public Tls {
            verify = verify == null ? Boolean.TRUE : verify;
        }
    }
}
