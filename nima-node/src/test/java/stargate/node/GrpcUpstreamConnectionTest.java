package stargate.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node's HTTP/2 connections to a gRPC target over a long life: flow-control windows come back after
 * streams cut mid-way, a stream's window keeps moving while newer streams are open, streams the target refused
 * (its concurrency limit, a graceful shutdown's GOAWAY) go to another connection or target instead of failing.
 * Real grpc-java servers and clients on loopback; one pooled connection per target where the test needs it.
 */
class GrpcUpstreamConnectionTest {
    @TempDir
    Path dir;

    private static ManagedChannel client(RunningNode node) {
        return NettyChannelBuilder.forAddress("127.0.0.1", node.node.port()).usePlaintext()
                .maxInboundMessageSize(GrpcTestServer.MAX_MESSAGE).build();
    }

    private static CallOptions twentySeconds() {
        return CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    private static void shutdown(ManagedChannel channel) throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void streamsCancelledWithMegabytesInFlightLeaveTheConnectionsWindowWhole() throws Exception {
        try (GrpcTestServer server = GrpcTestServer.start();
             RunningNode node = RunningNode.start(dir, """
                     routes: [{id: echo, paths: ["/test.Echo/*"], upstream: echo}]
                     upstreams: [{id: echo, targets: [{url: "grpc://127.0.0.1:%d"}], pool: {max_connections: 1}}]
                     """.formatted(server.port()))) {
            // each stream has up to a stream window (1 MiB) in flight towards the node when it is cut: more than
            // the connection's whole window after one of them, if the node did not give it back
            for (int i = 0; i < 12; i++) {
                // a client of its own per cut stream: Helidon's HTTP/2 server may answer the client's RST_STREAM
                // with GOAWAY while it still writes, which would end a shared client connection (not under test)
                ManagedChannel channel = bigWindowClient(node);
                try {
                    ClientCall<byte[], byte[]> call = channel.newCall(GrpcTestServer.BIG, twentySeconds());
                    LinkedBlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
                    CompletableFuture<Status> closed = new CompletableFuture<>();
                    call.start(new ClientCall.Listener<>() {
                        @Override
                        public void onMessage(byte[] message) {
                            received.add(message);
                        }

                        @Override
                        public void onClose(Status status, Metadata trailers) {
                            closed.complete(status);
                        }
                    }, new Metadata());
                    call.request(Integer.MAX_VALUE);
                    call.sendMessage("160 262144".getBytes(StandardCharsets.US_ASCII));
                    call.halfClose();
                    byte[] first = received.poll(20, TimeUnit.SECONDS);
                    assertNotNull(first, "first message of stream " + i + ", call closed: " + closed.getNow(null));
                    assertEquals(262144, first.length);
                    call.cancel("the test cuts the stream", null);
                } finally {
                    shutdown(channel);
                }
            }
            ManagedChannel channel = bigWindowClient(node);
            try {
                byte[] big = new byte[16 << 20];
                new Random(7).nextBytes(big);
                assertArrayEquals(big, ClientCalls.blockingUnaryCall(channel, GrpcTestServer.UNARY, twentySeconds(), big),
                        "a 16 MiB call on the same connection after the cut streams");
            } finally {
                shutdown(channel);
            }
        }
    }

    /**
     * A client whose window is bigger than a whole stream: the node never waits to write to it, so it sees a cut
     * at once (a write waiting on the window of a client that reset its stream waits out Helidon's flow-control
     * timeout instead).
     */
    private static ManagedChannel bigWindowClient(RunningNode node) {
        return NettyChannelBuilder.forAddress("127.0.0.1", node.node.port()).usePlaintext()
                .flowControlWindow(48 << 20).maxInboundMessageSize(GrpcTestServer.MAX_MESSAGE).build();
    }

    @Test
    void aLongStreamKeepsFlowingWhileNewerStreamsAreOpen() throws Exception {
        try (GrpcTestServer server = GrpcTestServer.start();
             RunningNode node = RunningNode.start(dir, """
                     routes: [{id: echo, paths: ["/test.Echo/*"], upstream: echo}]
                     upstreams: [{id: echo, targets: [{url: "grpc://127.0.0.1:%d"}], pool: {max_connections: 1}}]
                     """.formatted(server.port()))) {
            ManagedChannel channel = client(node);
            try {
                Iterator<byte[]> big = ClientCalls.blockingServerStreamingCall(channel, GrpcTestServer.BIG, twentySeconds(),
                        "24 1048576".getBytes(StandardCharsets.US_ASCII));
                assertEquals(1048576, big.next().length);
                // a newer stream on the same connection stays open while the first one has 23 MiB to go
                CompletableFuture<byte[]> slow = CompletableFuture.supplyAsync(() -> ClientCalls.blockingUnaryCall(channel,
                        GrpcTestServer.SLOW, twentySeconds(), "4000".getBytes(StandardCharsets.US_ASCII)));
                int messages = 1;
                while (big.hasNext()) {
                    assertEquals(1048576, big.next().length);
                    messages++;
                }
                assertEquals(24, messages);
                assertTrue(!slow.isDone(), "the whole stream came while the newer one was still open");
                assertEquals("4000", new String(slow.get(20, TimeUnit.SECONDS), StandardCharsets.US_ASCII));
            } finally {
                shutdown(channel);
            }
        }
    }
    @Test
    void aTargetsLimitOfConcurrentStreamsIsKeptToNotRunInto() throws Exception {
        // two streams per connection at most, two connections at most: 16 calls at once wait for a free stream
        // (a call over the target's limit would be refused with REFUSED_STREAM)
        try (GrpcTestServer server = GrpcTestServer.start(b -> b.maxConcurrentCallsPerConnection(2));
             RunningNode node = RunningNode.start(dir, """
                     routes: [{id: echo, paths: ["/test.Echo/*"], upstream: echo, timeouts: {connect: 15s}}]
                     upstreams: [{id: echo, targets: [{url: "grpc://127.0.0.1:%d"}], pool: {max_connections: 2}}]
                     """.formatted(server.port()))) {
            ManagedChannel channel = client(node);
            try {
                List<String> failures = load(channel, 16, 2, GrpcTestServer.SLOW, "150");
                assertEquals(List.of(), failures, "every call went through");
                assertEquals(32, server.slowCalls.get(), "each call reached the target once");
            } finally {
                shutdown(channel);
            }
        }
    }

    @Test
    void connectionsATargetEndsGracefullyFailNoCall() throws Exception {
        // grpc-java's max connection age: every 300 ms a connection gets GOAWAY (first with the last-stream-id
        // 2^31-1, then with the real one) while calls are in flight on it; they finish, new ones go on a new
        // connection, and a call sent past the last-stream-id is sent again
        try (GrpcTestServer server = GrpcTestServer.start(b -> b.maxConnectionAge(300, TimeUnit.MILLISECONDS)
                .maxConnectionAgeGrace(30, TimeUnit.SECONDS));
             RunningNode node = RunningNode.start(dir, """
                     routes: [{id: echo, paths: ["/test.Echo/*"], upstream: echo, timeouts: {connect: 10s}}]
                     upstreams: [{id: echo, targets: [{url: "grpc://127.0.0.1:%d"}]}]
                     """.formatted(server.port()))) {
            ManagedChannel channel = client(node);
            try {
                List<String> failures = load(channel, 8, 25, GrpcTestServer.SLOW, "10");
                assertEquals(List.of(), failures, "no call failed");
                assertEquals(200, server.slowCalls.get(), "each call reached the target once");
            } finally {
                shutdown(channel);
            }
        }
    }

    @Test
    void aTargetShutDownGracefullyMidLoadFailsNoCall() throws Exception {
        try (GrpcTestServer leaving = GrpcTestServer.start(); GrpcTestServer staying = GrpcTestServer.start();
             RunningNode node = RunningNode.start(dir, """
                     routes:
                       - {id: echo, paths: ["/test.Echo/*"], upstream: echo, timeouts: {connect: 10s},
                          retries: {attempts: 2, on: [connect-failure], methods: [POST]}}
                     upstreams: [{id: echo, targets: [{url: "grpc://127.0.0.1:%d"}, {url: "grpc://127.0.0.1:%d"}]}]
                     """.formatted(leaving.port(), staying.port()))) {
            ManagedChannel channel = client(node);
            try {
                CompletableFuture<List<String>> load = CompletableFuture.supplyAsync(() -> load(channel, 8, 60,
                        GrpcTestServer.SLOW, "20"));
                RunningNode.eventually(java.time.Duration.ofSeconds(20),
                        () -> assertTrue(leaving.slowCalls.get() >= 40, "the load reached the leaving target"));
                leaving.shutdownGracefully();
                assertEquals(List.of(), load.get(60, TimeUnit.SECONDS), "no call failed");
                assertEquals(480, leaving.slowCalls.get() + staying.slowCalls.get(), "each call reached a target once");
                assertTrue(staying.slowCalls.get() > 240, "the staying target took the rest: " + staying.slowCalls.get());
            } finally {
                shutdown(channel);
            }
        }
    }

    /** {@code threads} threads each make {@code calls} calls one after another; @return the failures' statuses */
    private static List<String> load(ManagedChannel channel, int threads, int calls, MethodDescriptor<byte[], byte[]> method,
                                     String request) {
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> running = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            running.add(Thread.ofVirtual().start(() -> {
                for (int i = 0; i < calls; i++) {
                    try {
                        ClientCalls.blockingUnaryCall(channel, method, twentySeconds(),
                                request.getBytes(StandardCharsets.US_ASCII));
                    } catch (StatusRuntimeException e) {
                        failures.add(e.getStatus().toString());
                    }
                }
            }));
        }
        for (Thread thread : running) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return List.copyOf(failures);
    }
}
