package stargate.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * gRPC through the node (SPEC §16), with a real grpc-java server behind it and a real grpc-java client in
 * front (h2c prior knowledge): every kind of call, big messages, long bidirectional streams, metadata and
 * trailers both ways, deadlines, cancellation, a target killed mid-stream, and the gateway's own answers as
 * gRPC statuses (no route, key-auth, rate-limit, unreachable upstream).
 */
class GrpcProxyTest {
    private static final byte[] HELLO = "hello".getBytes(StandardCharsets.US_ASCII);
    @TempDir
    static Path dir;
    static GrpcTestServer echo;
    static RunningNode node;
    static ManagedChannel channel;
    static int closedPort;

    @BeforeAll
    static void start() throws Exception {
        echo = GrpcTestServer.start();
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = probe.getLocalPort();
        }
        node = RunningNode.start(dir, """
                routes:
                  - {id: echo, paths: ["/test.Echo/*"], upstream: echo}
                  - {id: secured, paths: ["/test.Echo/*"], headers: {x-route: secured}, upstream: echo,
                     plugins: {key-auth: {}}}
                  - {id: limited, paths: ["/test.Echo/*"], headers: {x-route: limited}, upstream: echo,
                     plugins: {rate-limit: {rate: 1, per: 1m}}}
                  - {id: nowhere, paths: ["/test.Nowhere/*"], upstream: nowhere}
                  - {id: quick, paths: ["/test.Echo/*"], headers: {x-route: quick}, upstream: echo,
                     timeouts: {total: 300ms}}
                  - {id: retried, paths: ["/test.Echo/*"], headers: {x-route: retried}, upstream: halfdead,
                     retries: {attempts: 1, on: [connect-failure, "503"], methods: [POST]}}
                upstreams:
                  - id: echo
                    targets: [{url: "grpc://127.0.0.1:%d"}]
                  - id: nowhere
                    targets: [{url: "grpc://127.0.0.1:%d"}]
                    circuit_breaker: {failure_ratio: 0.5, volume: 2, open_for: 60s, half_open_successes: 1}
                  - id: halfdead
                    targets: [{url: "grpc://127.0.0.1:%d"}, {url: "grpc://127.0.0.1:%d"}]
                consumers:
                  - {id: alice, key_auth: {key: "alice-key-0123"}}
                """.formatted(echo.port(), closedPort, closedPort, echo.port()));
        channel = NettyChannelBuilder.forAddress("127.0.0.1", node.node.port()).usePlaintext()
                .maxInboundMessageSize(GrpcTestServer.MAX_MESSAGE).build();
    }

    @AfterAll
    static void stop() throws Exception {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (node != null) {
            node.close();
        }
        if (echo != null) {
            echo.close();
        }
    }

    private static CallOptions options() {
        return CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    private static <Q, R> ClientCall<Q, R> call(MethodDescriptor<Q, R> method, Metadata headers) {
        return io.grpc.ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers))
                .newCall(method, options());
    }

    private static Metadata metadata(String... pairs) {
        Metadata m = new Metadata();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put(Metadata.Key.of(pairs[i], Metadata.ASCII_STRING_MARSHALLER), pairs[i + 1]);
        }
        return m;
    }

    @Test
    void unaryRelaysTheMessageMetadataAndTrailers() {
        AtomicReference<Metadata> headers = new AtomicReference<>();
        AtomicReference<Metadata> trailers = new AtomicReference<>();
        io.grpc.Channel capturing = io.grpc.ClientInterceptors.intercept(channel,
                MetadataUtils.newAttachHeadersInterceptor(metadata("x-echo", "abc")),
                MetadataUtils.newCaptureMetadataInterceptor(headers, trailers));
        byte[] reply = ClientCalls.blockingUnaryCall(capturing, GrpcTestServer.UNARY, options(), HELLO);
        assertArrayEquals(HELLO, reply);
        assertEquals("trailer-abc", trailers.get().get(GrpcTestServer.TRAILER), "a custom trailer is relayed");
        String requestId = headers.get().get(GrpcTestServer.SEEN_REQUEST_ID);
        assertTrue(requestId != null && !requestId.isEmpty(), "the target got an X-Request-Id: " + requestId);
    }

    @Test
    void anUpstreamErrorStatusAndMessageReachTheClient() {
        // the target answers Trailers-Only (one header block, no message): its status, message and custom
        // metadata all reach the client
        AtomicReference<Metadata> headers = new AtomicReference<>();
        AtomicReference<Metadata> trailers = new AtomicReference<>();
        io.grpc.Channel capturing = io.grpc.ClientInterceptors.intercept(channel,
                MetadataUtils.newAttachHeadersInterceptor(metadata("x-echo", "failed")),
                MetadataUtils.newCaptureMetadataInterceptor(headers, trailers));
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> ClientCalls.blockingUnaryCall(capturing, GrpcTestServer.FAIL, options(),
                        "wid/get é".getBytes(StandardCharsets.UTF_8)));
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
        assertEquals("no such thing: wid/get é", e.getStatus().getDescription());
        assertEquals("trailer-failed", e.getTrailers().get(GrpcTestServer.TRAILER), "the target's custom metadata");
    }

    @Test
    void aCallThatReachedNoTargetIsRetriedOnAnother() {
        // halfdead: a closed port and the echo server, round robin; retries on connect-failure for POST
        for (int i = 0; i < 4; i++) {
            byte[] reply = ClientCalls.blockingUnaryCall(call(GrpcTestServer.UNARY, metadata("x-route", "retried")), HELLO);
            assertArrayEquals(HELLO, reply, "call " + i);
        }
    }

    @Test
    void aTargetsOwnUnavailableAnswerIsNotRetried() {
        // the route retries on connect-failure and 503, but a call that reached a target may have been
        // processed: the target's UNAVAILABLE goes to the client as it is, after exactly one call there
        int before = echo.unavailableCalls.get();
        for (int i = 0; i < 4; i++) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> ClientCalls.blockingUnaryCall(call(GrpcTestServer.UNAVAILABLE, metadata("x-route", "retried")),
                            HELLO));
            assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
            assertEquals("target overloaded", e.getStatus().getDescription(), "the target's answer, not the gateway's");
        }
        assertEquals(4, echo.unavailableCalls.get() - before, "one call on the target per client call");
    }

    @Test
    void serverStreamingDeliversEveryMessageInOrder() {
        Iterator<byte[]> replies = ClientCalls.blockingServerStreamingCall(channel, GrpcTestServer.COUNT, options(),
                "1000".getBytes(StandardCharsets.US_ASCII));
        int i = 0;
        while (replies.hasNext()) {
            assertEquals(Integer.toString(i++), new String(replies.next(), StandardCharsets.US_ASCII));
        }
        assertEquals(1000, i);
    }

    @Test
    void clientStreamingSendsEveryMessage() throws Exception {
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        StreamObserver<byte[]> up = ClientCalls.asyncClientStreamingCall(channel.newCall(GrpcTestServer.SUM, options()),
                observer(result));
        for (int i = 0; i < 500; i++) {
            up.onNext(new byte[i]);
        }
        up.onCompleted();
        assertEquals("500 " + (499 * 500 / 2), new String(result.get(20, TimeUnit.SECONDS), StandardCharsets.US_ASCII));
    }

    @Test
    void aBidirectionalStreamCarriesAThousandMessagesEachWayInterleaved() throws Exception {
        LinkedBlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        StreamObserver<byte[]> up = ClientCalls.asyncBidiStreamingCall(channel.newCall(GrpcTestServer.CHAT, options()),
                new StreamObserver<>() {
                    @Override
                    public void onNext(byte[] value) {
                        received.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        done.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        done.complete(null);
                    }
                });
        // each message's echo arrives before the next is sent: the stream really is full duplex through the node
        for (int i = 0; i < 1000; i++) {
            byte[] message = ("m" + i).getBytes(StandardCharsets.US_ASCII);
            up.onNext(message);
            byte[] back = received.poll(10, TimeUnit.SECONDS);
            assertArrayEquals(message, back, "echo of message " + i);
        }
        up.onCompleted();
        done.get(20, TimeUnit.SECONDS);
    }

    @Test
    void sixteenMebibyteMessagesGoBothWays() {
        byte[] big = new byte[16 << 20];
        new Random(14).nextBytes(big);
        byte[] reply = ClientCalls.blockingUnaryCall(channel, GrpcTestServer.UNARY, options(), big);
        assertArrayEquals(big, reply);
    }

    @Test
    void theClientsDeadlineIsHonouredAndTheUpstreamCallCancelled() throws Exception {
        long start = System.nanoTime();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> ClientCalls.blockingUnaryCall(channel, GrpcTestServer.SLOW,
                        CallOptions.DEFAULT.withDeadlineAfter(300, TimeUnit.MILLISECONDS),
                        "5000".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(4), "well before the 5 s the server takes");
        RunningNode.eventually(Duration.ofSeconds(10), () -> assertTrue(echo.slowCancelled.get(),
                "the target's call was cancelled"));
    }

    @Test
    void theRoutesTotalTimeoutIsADeadlineToo() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> ClientCalls.blockingUnaryCall(call(GrpcTestServer.SLOW, metadata("x-route", "quick")),
                        "3000".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
    }

    @Test
    void aClientCancellingItsStreamCancelsTheUpstreamOne() throws Exception {
        echo.chatCancelled = new java.util.concurrent.CountDownLatch(1);
        LinkedBlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
        ClientCall<byte[], byte[]> call = channel.newCall(GrpcTestServer.CHAT, options());
        StreamObserver<byte[]> up = ClientCalls.asyncBidiStreamingCall(call, new StreamObserver<>() {
            @Override
            public void onNext(byte[] value) {
                received.add(value);
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
        });
        up.onNext(HELLO);
        assertArrayEquals(HELLO, received.poll(10, TimeUnit.SECONDS));
        call.cancel("test cancels", null);
        assertTrue(echo.chatCancelled.await(10, TimeUnit.SECONDS), "the target saw the call cancelled");
    }

    @Test
    void noRouteIsUnimplemented() throws Exception {
        MethodDescriptor<byte[], byte[]> unknown = GrpcTestServer.method("test.Other/Call", MethodDescriptor.MethodType.UNARY);
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> ClientCalls.blockingUnaryCall(channel, unknown, options(), HELLO));
        assertEquals(Status.Code.UNIMPLEMENTED, e.getStatus().getCode());
        // a path outside gRPC's alphabet is counted, but never becomes a label
        MethodDescriptor<byte[], byte[]> odd = GrpcTestServer.method("test.Echo/x\"}{evil", MethodDescriptor.MethodType.UNARY);
        assertThrows(StatusRuntimeException.class, () -> ClientCalls.blockingUnaryCall(channel, odd, options(), HELLO));
        String metrics = node.adminGet("/metrics").body();
        assertTrue(metrics.contains("stargate_grpc_calls_total{route=\"none\",service=\"test.Other\",method=\"Call\","
                + "grpc_status=\"12\"} 1"), metrics);
        assertTrue(!metrics.contains("evil"), "a client cannot mint a label");
    }

    @Test
    void metricsCountCallsByServiceMethodAndStatus() throws Exception {
        ClientCalls.blockingUnaryCall(channel, GrpcTestServer.UNARY, options(), HELLO);
        assertThrows(StatusRuntimeException.class,
                () -> ClientCalls.blockingUnaryCall(channel, GrpcTestServer.FAIL, options(), HELLO));
        RunningNode.eventually(Duration.ofSeconds(10), () -> {
            String metrics = node.adminGet("/metrics").body();
            assertTrue(metrics.contains("stargate_grpc_calls_total{route=\"echo\",service=\"test.Echo\",method=\"Unary\","
                    + "grpc_status=\"0\"}"), metrics);
            assertTrue(metrics.contains("stargate_grpc_calls_total{route=\"echo\",service=\"test.Echo\",method=\"Fail\","
                    + "grpc_status=\"5\"}"), metrics);
        });
    }

    @Test
    void aGrpcRouteRefusesWhatIsNotAGrpcCall() throws Exception {
        java.net.http.HttpResponse<String> http1 = node.client.send(java.net.http.HttpRequest.newBuilder(
                        node.url("/test.Echo/Unary")).header("content-type", "application/grpc")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(new byte[5])).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(400, http1.statusCode());
        assertTrue(http1.body().contains("gRPC needs HTTP/2"), http1.body());
        ProcessBuilder curl = new ProcessBuilder("curl", "-s", "--http2-prior-knowledge", "-o", "/dev/null",
                "-w", "%{http_code}", node.url("/test.Echo/Unary").toString());
        Process p = curl.start();
        assertEquals("415", new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII),
                "a plain HTTP/2 GET is not forwarded to the gRPC target");
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
    }

    @Test
    void keyAuthRefusesWithUnauthenticatedAndAdmitsAKnownKey() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> ClientCalls.blockingUnaryCall(call(GrpcTestServer.UNARY, metadata("x-route", "secured")), HELLO));
        assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
        byte[] reply = ClientCalls.blockingUnaryCall(call(GrpcTestServer.UNARY,
                metadata("x-route", "secured", "apikey", "alice-key-0123")), HELLO);
        assertArrayEquals(HELLO, reply);
    }

    @Test
    void rateLimitedIsResourceExhausted() {
        List<Status.Code> codes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            try {
                ClientCalls.blockingUnaryCall(call(GrpcTestServer.UNARY, metadata("x-route", "limited")), HELLO);
                codes.add(Status.Code.OK);
            } catch (StatusRuntimeException e) {
                codes.add(e.getStatus().getCode());
            }
        }
        assertEquals(List.of(Status.Code.OK, Status.Code.RESOURCE_EXHAUSTED, Status.Code.RESOURCE_EXHAUSTED), codes);
    }

    @Test
    void anUnreachableUpstreamIsUnavailable() {
        MethodDescriptor<byte[], byte[]> nowhere = GrpcTestServer.method("test.Nowhere/Call", MethodDescriptor.MethodType.UNARY);
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> ClientCalls.blockingUnaryCall(channel, nowhere, options(), HELLO));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    }

    @Test
    void unreachableTargetsOpenTheUpstreamsCircuitBreaker() throws Exception {
        MethodDescriptor<byte[], byte[]> nowhere = GrpcTestServer.method("test.Nowhere/Call", MethodDescriptor.MethodType.UNARY);
        List<String> messages = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> ClientCalls.blockingUnaryCall(channel, nowhere, options(), HELLO));
            assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
            messages.add(e.getStatus().getDescription());
        }
        assertTrue(messages.getLast().contains("circuit breaker of upstream \"nowhere\" is open"), messages.toString());
        String status = node.adminGet("/status").body();
        assertTrue(status.contains("\"id\":\"nowhere\",\"balancer\":\"round-robin\",\"circuit\":\"open\""), status);
    }

    @Test
    void aTargetKilledMidStreamIsUnavailable() throws Exception {
        GrpcTestServer fragile = GrpcTestServer.start();
        Path fragileDir = java.nio.file.Files.createDirectories(dir.resolve("fragile"));
        try (RunningNode second = RunningNode.start(fragileDir, """
                routes: [{id: chat, paths: ["/test.Echo/*"], upstream: fragile}]
                upstreams: [{id: fragile, targets: [{url: "grpc://127.0.0.1:%d"}]}]
                """.formatted(fragile.port()))) {
            ManagedChannel client = NettyChannelBuilder.forAddress("127.0.0.1", second.node.port()).usePlaintext().build();
            try {
                LinkedBlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
                CompletableFuture<Void> done = new CompletableFuture<>();
                StreamObserver<byte[]> up = ClientCalls.asyncBidiStreamingCall(client.newCall(GrpcTestServer.CHAT,
                        options()), new StreamObserver<>() {
                    @Override
                    public void onNext(byte[] value) {
                        received.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        done.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        done.complete(null);
                    }
                });
                up.onNext(HELLO);
                assertArrayEquals(HELLO, received.poll(10, TimeUnit.SECONDS));
                fragile.close();
                Throwable failure = assertThrows(java.util.concurrent.ExecutionException.class,
                        () -> done.get(20, TimeUnit.SECONDS)).getCause();
                assertEquals(Status.Code.UNAVAILABLE, Status.fromThrowable(failure).getCode(), failure.toString());
            } finally {
                client.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void grpcsTargetsAreReachedOverTlsAndTheirCertificateIsVerified() throws Exception {
        Path tlsDir = java.nio.file.Files.createDirectories(dir.resolve("tls"));
        TestCertificates cert = TestCertificates.generate(tlsDir, "upstream", "RSA", "localhost");
        try (GrpcTestServer secure = GrpcTestServer.start(cert);
             RunningNode tlsNode = RunningNode.start(tlsDir, """
                routes:
                  # generous connect timeouts: the first TLS handshake of a JVM is slow on a loaded box
                  - {id: trusted, paths: ["/test.Echo/*"], upstream: trusted, timeouts: {connect: 8s}}
                  - {id: untrusted, paths: ["/test.Echo/*"], headers: {x-route: untrusted}, upstream: untrusted,
                     timeouts: {connect: 8s}}
                upstreams:
                  - id: trusted
                    targets: [{url: "grpcs://localhost:%d"}]
                    tls: {ca_file: "%s"}
                  - id: untrusted
                    targets: [{url: "grpcs://localhost:%d"}]
                """.formatted(secure.port(), cert.certFile(), secure.port()))) {
            ManagedChannel client = NettyChannelBuilder.forAddress("127.0.0.1", tlsNode.node.port()).usePlaintext().build();
            try {
                assertArrayEquals(HELLO, ClientCalls.blockingUnaryCall(client, GrpcTestServer.UNARY, options(), HELLO));
                // the same server, but its certificate is not in the default trust store: no call goes through
                StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> ClientCalls.blockingUnaryCall(
                        io.grpc.ClientInterceptors.intercept(client, MetadataUtils.newAttachHeadersInterceptor(
                                metadata("x-route", "untrusted"))), GrpcTestServer.UNARY, options(), HELLO));
                assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
                assertTrue(e.getStatus().getDescription().contains("cannot connect"), "refused, not timed out: "
                        + e.getStatus().getDescription());
            } finally {
                client.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aGrpcHealthCheckTakesANotServingTargetOutAndBringsItBack() throws Exception {
        try (GrpcTestServer probed = GrpcTestServer.start(); GrpcTestServer steady = GrpcTestServer.start();
             RunningNode checked = RunningNode.start(java.nio.file.Files.createDirectories(dir.resolve("health")), """
                routes: [{id: echo, paths: ["/test.Echo/*"], upstream: checked}]
                upstreams:
                  - id: checked
                    targets: [{url: "grpc://127.0.0.1:%d"}, {url: "grpc://127.0.0.1:%d"}]
                    # generous timeout: a probe opens a connection of its own, slow on a loaded box
                    health_check: {active: {type: grpc, service: test.Echo, interval: 1s, timeout: 900ms,
                                            healthy: 1, unhealthy: 2}}
                """.formatted(probed.port(), steady.port()))) {
            String probedUrl = "grpc://127.0.0.1:" + probed.port();
            String steadyUrl = "grpc://127.0.0.1:" + steady.port();
            RunningNode.eventually(Duration.ofSeconds(15), () -> {
                assertEquals("test.Echo", probed.checkedService.get(), "the configured service is the one asked about");
                String status = checked.adminGet("/status").body();
                assertTrue(status.contains("\"url\":\"" + probedUrl + "\",\"healthy\":true")
                        && status.contains("\"detail\":\"SERVING\""), status);
            });

            probed.health.set(2);       // NOT_SERVING
            RunningNode.eventually(Duration.ofSeconds(15), () -> {
                String status = checked.adminGet("/status").body();
                assertTrue(status.contains("\"url\":\"" + probedUrl + "\",\"healthy\":false")
                        && status.contains("not SERVING")
                        && status.contains("\"url\":\"" + steadyUrl + "\",\"healthy\":true"), status);
            });
            ManagedChannel client = NettyChannelBuilder.forAddress("127.0.0.1", checked.node.port()).usePlaintext().build();
            try {
                int before = probed.unaryCalls.get();
                for (int i = 0; i < 6; i++) {
                    assertArrayEquals(HELLO, ClientCalls.blockingUnaryCall(client, GrpcTestServer.UNARY, options(), HELLO));
                }
                assertEquals(before, probed.unaryCalls.get(), "no call went to the NOT_SERVING target");

                probed.health.set(1);
                RunningNode.eventually(Duration.ofSeconds(15), () -> assertTrue(checked.adminGet("/status").body()
                        .contains("\"url\":\"" + probedUrl + "\",\"healthy\":true")));
                for (int i = 0; i < 6; i++) {
                    ClientCalls.blockingUnaryCall(client, GrpcTestServer.UNARY, options(), HELLO);
                }
                assertTrue(probed.unaryCalls.get() > before, "the target serves again once SERVING");
            } finally {
                client.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    private static StreamObserver<byte[]> observer(CompletableFuture<byte[]> result) {
        return new StreamObserver<>() {
            @Override
            public void onNext(byte[] value) {
                result.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                result.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
            }
        };
    }
}
