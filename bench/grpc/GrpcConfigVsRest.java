import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import stargate.admin.v1.AdminGrpc;
import stargate.admin.v1.ApplyRequest;
import stargate.admin.v1.ApplyResponse;
import stargate.admin.v1.ConfigText;
import stargate.admin.v1.DiffResponse;
import stargate.admin.v1.GetConfigRequest;
import stargate.admin.v1.Kind;
import stargate.admin.v1.ValidateConfigRequest;

/**
 * The whole config over gRPC vs REST (issue 18): with {@code count} routes in etcd (created through
 * one {@code Apply} stream), {@code rounds} interleaved rounds of REST {@code GET /api/v1/config}
 * against gRPC {@code GetConfig} (the same text, checked), and REST {@code POST /config/validate}
 * against gRPC {@code ValidateConfig} of that text; medians and their ratios. Runs from source on the
 * controller's classpath: {@code bench/grpc-config-vs-rest.sh}. Flags: {@code --url}, {@code --grpc-port},
 * {@code --count 10000}, {@code --rounds 7} (plus one unmeasured warm-up round). Every call times out.
 */
public final class GrpcConfigVsRest {
    public static void main(String[] args) throws Exception {
        java.util.Map<String, String> flags = new java.util.TreeMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            flags.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        String url = flags.get("url");
        int count = Integer.parseInt(flags.getOrDefault("count", "10000"));
        int rounds = Integer.parseInt(flags.getOrDefault("rounds", "7"));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", Integer.parseInt(flags.get("grpc-port")))
                .usePlaintext().maxInboundMessageSize(1 << 20).build();
        try {
            AdminGrpc.AdminStub async = AdminGrpc.newStub(channel);
            load(async, count);
            double[][] ms = new double[4][rounds];
            for (int round = -1; round < rounds; round++) {
                long t0 = System.nanoTime();
                String rest = send(http, HttpRequest.newBuilder(URI.create(url + "/api/v1/config")).GET());
                long t1 = System.nanoTime();
                String grpc = export(channel);
                long t2 = System.nanoTime();
                if (!rest.equals(grpc)) {
                    throw new IllegalStateException("GetConfig and GET /config differ");
                }
                send(http, HttpRequest.newBuilder(URI.create(url + "/api/v1/config/validate"))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(rest)));
                long t3 = System.nanoTime();
                validate(async, rest);
                long t4 = System.nanoTime();
                if (round >= 0) {
                    ms[0][round] = (t1 - t0) / 1e6;
                    ms[1][round] = (t2 - t1) / 1e6;
                    ms[2][round] = (t3 - t2) / 1e6;
                    ms[3][round] = (t4 - t3) / 1e6;
                }
            }
            System.out.printf("config of %d routes: %d bytes of JSON; medians of %d rounds%n", count,
                    export(channel).length(), rounds);
            System.out.printf("export    REST GET /config %.0f ms, gRPC GetConfig %.0f ms, ratio gRPC/REST time %.2f%n",
                    median(ms[0]), median(ms[1]), median(ms[1]) / median(ms[0]));
            System.out.printf("validate  REST POST /config/validate %.0f ms, gRPC ValidateConfig %.0f ms, ratio gRPC/REST time %.2f%n",
                    median(ms[2]), median(ms[3]), median(ms[3]) / median(ms[2]));
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    static void load(AdminGrpc.AdminStub async, int count) throws Exception {
        CompletableFuture<ApplyResponse> answer = new CompletableFuture<>();
        StreamObserver<ApplyRequest> stream = async.apply(observer(answer));
        stream.onNext(ApplyRequest.newBuilder().setKind(Kind.UPSTREAM).setId("bench")
                .setJson("{\"targets\":[{\"url\":\"http://127.0.0.1:9\"}]}").build());
        for (int i = 0; i < count; i++) {
            stream.onNext(ApplyRequest.newBuilder().setKind(Kind.ROUTE).setId("r-" + i)
                    .setJson("{\"paths\":[\"/r-" + i + "\"],\"upstream\":\"bench\"}").build());
        }
        stream.onCompleted();
        ApplyResponse response = answer.get(10, TimeUnit.MINUTES);
        if (response.getRejected() > 0) {
            throw new IllegalStateException("Apply rejected objects: " + response.getRejections(0));
        }
    }

    static String export(ManagedChannel channel) {
        Iterator<ConfigText> chunks = AdminGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.MINUTES)
                .getConfig(GetConfigRequest.getDefaultInstance());
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        while (chunks.hasNext()) {
            text.writeBytes(chunks.next().getData().toByteArray());
        }
        return text.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    static void validate(AdminGrpc.AdminStub async, String text) throws Exception {
        CompletableFuture<DiffResponse> answer = new CompletableFuture<>();
        StreamObserver<ValidateConfigRequest> stream = async.withDeadlineAfter(5, TimeUnit.MINUTES).validateConfig(observer(answer));
        byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (int at = 0; at < bytes.length; at += 64 * 1024) {
            stream.onNext(ValidateConfigRequest.newBuilder()
                    .setData(com.google.protobuf.ByteString.copyFrom(bytes, at, Math.min(64 * 1024, bytes.length - at))).build());
        }
        stream.onCompleted();
        answer.get(5, TimeUnit.MINUTES);
    }

    static String send(HttpClient http, HttpRequest.Builder request) throws Exception {
        HttpResponse<String> response = http.send(request.timeout(Duration.ofMinutes(5)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(response.statusCode() + " " + response.body());
        }
        return response.body();
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    static <T> StreamObserver<T> observer(CompletableFuture<T> answer) {
        return new StreamObserver<>() {
            @Override
            public void onNext(T value) {
                answer.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                answer.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
            }
        };
    }
}
