package stargate.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Admin-API write load (issue 21): {@code writers} concurrent clients each create distinct routes
 * ({@code POST /api/v1/routes}) against one controller, as a CI pipeline or a Terraform-style tool
 * would. Prints the answers by status, writes/s, and latency p50/p99/max. JDK only, so it runs
 * from source: {@code java bench/src/main/java/stargate/bench/AdminWrites.java --url URL ...}
 * (see {@code bench/admin-writes.sh}, which starts etcd and the controller around it).
 *
 * <p>Flags: {@code --url} (controller base URL), {@code --writers 16}, {@code --count 960} routes
 * to create, {@code --seed 0} routes to create first, unmeasured (the "existing routes"),
 * {@code --id-prefix w} (route ids {@code <prefix>-<n>}; change it between runs on one etcd),
 * {@code --warmup 3000} unmeasured PUTs rewriting 64 routes first (a fresh JVM spends its first
 * seconds compiling; those 64 routes count among the existing ones).
 * Every loop is bounded by {@code count}; each request times out after 30 s.
 */
public final class AdminWrites {
    private AdminWrites() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> flags = new TreeMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            flags.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        String url = flags.getOrDefault("url", "http://127.0.0.1:8080");
        int writers = Integer.parseInt(flags.getOrDefault("writers", "16"));
        int count = Integer.parseInt(flags.getOrDefault("count", "960"));
        int seed = Integer.parseInt(flags.getOrDefault("seed", "0"));
        String prefix = flags.getOrDefault("id-prefix", "w");
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        int up = send(client, "PUT", url + "/api/v1/upstreams/bench-up",
                "{\"targets\":[{\"url\":\"http://127.0.0.1:9\"}]}").status;
        if (up != 200 && up != 201) {
            throw new IllegalStateException("cannot create the upstream: " + up);
        }
        int warmup = Integer.parseInt(flags.getOrDefault("warmup", "3000"));
        if (warmup > 0) { // JIT: a fresh controller spends its first seconds compiling; 64 routes rewritten
            long t0 = System.nanoTime();
            AtomicInteger next = new AtomicInteger();
            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                threads.add(Thread.ofPlatform().start(() -> {
                    for (int i = next.getAndIncrement(); i < warmup; i = next.getAndIncrement()) {
                        send(client, "PUT", url + "/api/v1/routes/" + prefix + "-warm-" + (i % 64), "{\"paths\":[\"/"
                                + prefix + "-warm/" + (i % 64) + "\"],\"upstream\":\"bench-up\",\"priority\":" + (i % 100) + "}");
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            System.out.printf("warm-up: %d PUTs of 64 routes in %.1f s%n", warmup, (System.nanoTime() - t0) / 1e9);
        }
        if (seed > 0) {
            Result s = run(client, url, writers, seed, prefix + "-seed");
            System.out.printf("seeded %d routes in %.1f s (%s)%n", seed, s.seconds, s.statuses);
        }
        Result r = run(client, url, writers, count, prefix);
        long[] sorted = r.latencies.clone();
        Arrays.sort(sorted);
        System.out.printf("writers=%d routes=%d existing=%d: %s, %.0f writes/s, p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                writers, count, seed, r.statuses, count / r.seconds, ms(sorted, 0.50), ms(sorted, 0.99),
                sorted[sorted.length - 1] / 1e6);
    }

    private record Result(Map<Integer, Integer> statuses, long[] latencies, double seconds) {
    }

    private record Answer(int status, String body) {
    }

    private static Result run(HttpClient client, String url, int writers, int count, String prefix) throws Exception {
        long[] latencies = new long[count];
        AtomicInteger next = new AtomicInteger();
        Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
        Map<Integer, String> firstBody = new ConcurrentHashMap<>();
        List<Thread> threads = new ArrayList<>();
        long start = System.nanoTime();
        for (int w = 0; w < writers; w++) {
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                    String id = prefix + "-" + i;
                    String body = "{\"id\":\"" + id + "\",\"paths\":[\"/" + prefix + "/" + i + "\"],\"upstream\":\"bench-up\"}";
                    long t0 = System.nanoTime();
                    Answer a = send(client, "POST", url + "/api/v1/routes", body);
                    latencies[i] = System.nanoTime() - t0;
                    statuses.computeIfAbsent(a.status, k -> new LongAdder()).increment();
                    if (a.status != 201) {
                        firstBody.putIfAbsent(a.status, a.body);
                    }
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Map<Integer, Integer> out = new TreeMap<>();
        statuses.forEach((k, v) -> out.put(k, v.intValue()));
        firstBody.forEach((status, body) -> System.out.println("first " + status + ": " + body));
        return new Result(out, latencies, seconds);
    }

    private static Answer send(HttpClient client, String method, String url, String body) {
        try {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(url))
                    .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body());
        } catch (Exception e) {
            return new Answer(-1, e.toString());
        }
    }

    private static double ms(long[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] / 1e6;
    }
}
