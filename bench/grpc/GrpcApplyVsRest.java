import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import stargate.admin.v1.AdminGrpc;
import stargate.admin.v1.ApplyRequest;
import stargate.admin.v1.ApplyResponse;
import stargate.admin.v1.Kind;

/**
 * Bulk route creation (issue 18): {@code count} routes through one gRPC {@code Apply} stream
 * against {@code count} REST {@code POST /api/v1/routes} from {@code writers} concurrent clients,
 * on one controller and etcd, in the same run. Runs from source on the controller's classpath
 * (its jar holds the generated stubs): see {@code bench/grpc-apply-vs-rest.sh}. Flags: {@code --url},
 * {@code --grpc-port}, {@code --count 10000}, {@code --writers 16}, {@code --warmup 1000} (each way,
 * unmeasured), {@code --round N} (id prefix). Every loop is bounded by count; requests time out after 60 s.
 */
public final class GrpcApplyVsRest {
    public static void main(String[] args) throws Exception {
        java.util.Map<String, String> flags = new java.util.TreeMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            flags.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        String url = flags.get("url");
        int grpcPort = Integer.parseInt(flags.get("grpc-port"));
        int count = Integer.parseInt(flags.getOrDefault("count", "10000"));
        int writers = Integer.parseInt(flags.getOrDefault("writers", "16"));
        int warmup = Integer.parseInt(flags.getOrDefault("warmup", "1000"));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
        try {
            int status = post(http, url + "/api/v1/upstreams", "{\"id\":\"bench\",\"targets\":[{\"url\":\"http://127.0.0.1:9\"}]}");
            if (status != 201 && status != 409) {
                throw new IllegalStateException("cannot create the upstream: " + status);
            }
            rest(http, url, "warm-rest", warmup, writers);
            apply(channel, "warm-grpc", warmup);
            double restSeconds = rest(http, url, "rest", count, writers);
            double applySeconds = apply(channel, "grpc", count);
            System.out.printf("REST  %d POSTs, %d writers: %.1f s, %.0f routes/s%n", count, writers, restSeconds, count / restSeconds);
            System.out.printf("gRPC  Apply of %d routes, one stream: %.1f s, %.0f routes/s%n", count, applySeconds, count / applySeconds);
            System.out.printf("ratio Apply/REST routes/s: %.2f%n", restSeconds / applySeconds);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    static double rest(HttpClient http, String url, String prefix, int count, int writers) throws Exception {
        AtomicInteger next = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        long start = System.nanoTime();
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            threads.add(Thread.ofVirtual().start(() -> {
                for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                    try {
                        if (post(http, url + "/api/v1/routes", route(prefix + "-" + i)) != 201) {
                            failed.incrementAndGet();
                        }
                    } catch (Exception e) {
                        failed.incrementAndGet();
                    }
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (failed.get() > 0) {
            throw new IllegalStateException(failed.get() + " REST creates failed");
        }
        return seconds;
    }

    static double apply(ManagedChannel channel, String prefix, int count) throws Exception {
        CompletableFuture<ApplyResponse> answer = new CompletableFuture<>();
        long start = System.nanoTime();
        StreamObserver<ApplyRequest> stream = AdminGrpc.newStub(channel).apply(new StreamObserver<>() {
            @Override
            public void onNext(ApplyResponse value) {
                answer.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                answer.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
            }
        });
        for (int i = 0; i < count; i++) {
            stream.onNext(ApplyRequest.newBuilder().setKind(Kind.ROUTE).setId(prefix + "-" + i).setJson(route(prefix + "-" + i)).build());
        }
        stream.onCompleted();
        ApplyResponse response = answer.get(10, TimeUnit.MINUTES);
        double seconds = (System.nanoTime() - start) / 1e9;
        if (response.getCreated() != count) {
            throw new IllegalStateException("Apply created " + response.getCreated() + " of " + count + ": " + response);
        }
        return seconds;
    }

    static String route(String id) {
        return "{\"id\":\"" + id + "\",\"paths\":[\"/" + id + "\"],\"upstream\":\"bench\"}";
    }

    static int post(HttpClient http, String url, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
