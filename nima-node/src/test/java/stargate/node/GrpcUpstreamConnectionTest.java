package stargate.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
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
}
