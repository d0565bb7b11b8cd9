package stargate.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the node writes to a gRPC target, frame by frame, seen on the wire: many small unary calls flow and cost
 * no WINDOW_UPDATE per frame read (a frame-logging TCP relay in front of a real grpc-java server),
 * and a target's own RST_STREAM REFUSED_STREAM (a small hand-written HTTP/2 server): the call goes again, its
 * body with it, and succeeds; a target that refuses every try ends the call UNAVAILABLE.
 */
class GrpcUpstreamWritesTest {
    private static final int DATA = 0;
    private static final int HEADERS = 1;
    private static final int RST_STREAM = 3;
    private static final int SETTINGS = 4;
    private static final int WINDOW_UPDATE = 8;
    private static final int END_STREAM = 0x1;
    private static final int END_HEADERS = 0x4;
    private static final int REFUSED_STREAM = 0x7;

    @TempDir
    Path dir;

    private static ManagedChannel client(RunningNode node) {
        return NettyChannelBuilder.forAddress("127.0.0.1", node.node.port()).usePlaintext().build();
    }

    private static CallOptions twentySeconds() {
        return CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    private static String route(int port) {
        return """
                routes: [{id: echo, paths: ["/test.Echo/*"], upstream: echo}]
                upstreams: [{id: echo, targets: [{url: "grpc://127.0.0.1:%d"}]}]
                """.formatted(port);
    }

    @Test
    void manySmallUnaryCallsFlowWithNoWindowUpdatePerFrameRead() throws Exception {
        int threads = 8;
        int calls = 40;
        try (GrpcTestServer server = GrpcTestServer.start(); FrameRelay relay = new FrameRelay(server.port());
             RunningNode node = RunningNode.start(dir, route(relay.port()))) {
            ManagedChannel channel = client(node);
            try {
                List<Thread> running = new ArrayList<>();
                List<String> failures = new CopyOnWriteArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int thread = t;
                    running.add(Thread.ofVirtual().start(() -> {
                        for (int i = 0; i < calls; i++) {
                            byte[] message = ("call " + thread + "/" + i).getBytes(StandardCharsets.US_ASCII);
                            try {
                                byte[] answer = ClientCalls.blockingUnaryCall(channel, GrpcTestServer.UNARY,
                                        twentySeconds(), message);
                                if (!java.util.Arrays.equals(message, answer)) {
                                    failures.add("wrong answer to " + thread + "/" + i);
                                }
                            } catch (StatusRuntimeException e) {
                                failures.add(e.getStatus().toString());
                            }
                        }
                    }));
                }
                for (Thread thread : running) {
                    thread.join(60_000);
                }
                assertEquals(List.of(), failures, "every call answered, none stalled");
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
            List<Frame> frames = relay.framesUp();
            Map<String, Frame> headers = new HashMap<>();
            Map<String, Frame> lastData = new HashMap<>();
            for (Frame f : frames) {
                if (f.type == HEADERS) {
                    headers.put(f.streamKey(), f);
                } else if (f.type == DATA && (f.flags & END_STREAM) != 0) {
                    lastData.put(f.streamKey(), f);
                }
            }
            assertEquals(threads * calls, headers.size(), "one upstream stream per call");
            for (Frame h : headers.values()) {
                assertNotNull(lastData.get(h.streamKey()), "stream " + h.streamKey() + " ended with its DATA frame");
            }
            long streamUpdates = frames.stream().filter(f -> f.type == WINDOW_UPDATE && f.stream != 0).count();
            long connectionUpdates = frames.stream().filter(f -> f.type == WINDOW_UPDATE && f.stream == 0).count();
            assertEquals(0, streamUpdates, "small answers never need a stream WINDOW_UPDATE (half a window)");
            long opened = frames.stream().mapToInt(Frame::connection).distinct().count();
            assertTrue(connectionUpdates <= opened, "only each connection's opening window update: " + connectionUpdates
                    + " on " + opened + " connections");
        }
    }

    @Test
    void aCallTheTargetRefusesGoesAgainWithItsBodyAndSucceeds() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        Logger proxyLog = Logger.getLogger("stargate.node.grpc.GrpcProxy");
        Level before = proxyLog.getLevel();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                events.add(record.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        capture.setLevel(Level.ALL);
        proxyLog.setLevel(Level.FINE);
        proxyLog.addHandler(capture);
        try (RefusingServer server = new RefusingServer(1); RunningNode node = RunningNode.start(dir, route(server.port()))) {
            ManagedChannel channel = client(node);
            try {
                byte[] message = "refused once, then served".getBytes(StandardCharsets.US_ASCII);
                assertArrayEquals(message, ClientCalls.blockingUnaryCall(channel, GrpcTestServer.UNARY, twentySeconds(),
                        message));
                assertEquals(1, server.refused.get(), "the first stream was refused");
                assertEquals(1, server.served.get(), "the call reached the target once");
                assertArrayEquals(message, server.lastBody, "the body went again with the second try");
                assertTrue(events.stream().anyMatch(e -> e.startsWith("event=grpc_call_refused")), events.toString());
                assertEquals(1, events.stream().filter(e -> e.startsWith("event=upstream_retry")
                        && e.endsWith("reason=refused-stream")).count(), events.toString());
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        } finally {
            proxyLog.removeHandler(capture);
            proxyLog.setLevel(before);
        }
    }

    @Test
    void aTargetRefusingEveryTryEndsTheCallUnavailableAfterFourTries() throws Exception {
        try (RefusingServer server = new RefusingServer(Integer.MAX_VALUE);
             RunningNode node = RunningNode.start(dir, route(server.port()))) {
            ManagedChannel channel = client(node);
            try {
                StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> ClientCalls.blockingUnaryCall(
                        channel, GrpcTestServer.UNARY, twentySeconds(), "x".getBytes(StandardCharsets.US_ASCII)));
                assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
                assertTrue(e.getStatus().getDescription().contains("refused the call 4 times"), e.getStatus().toString());
                assertEquals(4, server.refused.get(), "the first try and three more");
                assertEquals(0, server.served.get());
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    /** One frame the node sent on its {@code connection}-th connection. */
    record Frame(int connection, int type, int flags, int stream) {
        String streamKey() {
            return connection + "/" + stream;
        }
    }

    /** A loopback TCP relay in front of a target that parses what the node sends (HTTP/2 frames) as it passes. */
    static final class FrameRelay implements AutoCloseable {
        private final ServerSocket listener;
        private final int target;
        private final List<Frame> up = new CopyOnWriteArrayList<>();
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();
        private final AtomicInteger connections = new AtomicInteger();

        FrameRelay(int target) throws IOException {
            this.target = target;
            this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread.ofVirtual().start(this::accept);
        }

        int port() {
            return listener.getLocalPort();
        }

        List<Frame> framesUp() {
            return List.copyOf(up);
        }

        private void accept() {
            try {
                while (true) {
                    Socket node = listener.accept();
                    Socket server = new Socket(InetAddress.getLoopbackAddress(), target);
                    sockets.add(node);
                    sockets.add(server);
                    InputStream fromNode = node.getInputStream();
                    OutputStream toServer = server.getOutputStream();
                    InputStream fromServer = server.getInputStream();
                    OutputStream toNode = node.getOutputStream();
                    int connection = connections.incrementAndGet();
                    Thread.ofVirtual().start(() -> up(connection, fromNode, toServer));
                    Thread.ofVirtual().start(() -> {
                        try {
                            fromServer.transferTo(toNode);
                        } catch (IOException e) {
                            // either side closed
                        }
                    });
                }
            } catch (IOException e) {
                // closed
            }
        }

        /** Copies the node's bytes to the target, parsing the frames as they pass. */
        private void up(int connection, InputStream from, OutputStream to) {
            byte[] buffer = new byte[64 * 1024];
            byte[] head = new byte[9];
            int prefaceLeft = 24;
            int headFill = 0;
            long payloadLeft = 0;
            try {
                int n;
                while ((n = from.read(buffer)) >= 0) {
                    for (int i = 0; i < n; ) {
                        if (prefaceLeft > 0) {
                            int k = Math.min(prefaceLeft, n - i);
                            prefaceLeft -= k;
                            i += k;
                        } else if (payloadLeft > 0) {
                            int k = (int) Math.min(payloadLeft, n - i);
                            payloadLeft -= k;
                            i += k;
                        } else {
                            head[headFill++] = buffer[i++];
                            if (headFill == 9) {
                                payloadLeft = (head[0] & 0xff) << 16 | (head[1] & 0xff) << 8 | head[2] & 0xff;
                                int stream = (head[5] & 0x7f) << 24 | (head[6] & 0xff) << 16 | (head[7] & 0xff) << 8
                                        | head[8] & 0xff;
                                up.add(new Frame(connection, head[3], head[4] & 0xff, stream));
                                headFill = 0;
                            }
                        }
                    }
                    to.write(buffer, 0, n);
                }
            } catch (IOException e) {
                // either side closed
            }
        }

        @Override
        public void close() throws IOException {
            listener.close();
            for (Socket socket : sockets) {
                socket.close();
            }
        }
    }

    /**
     * A minimal HTTP/2 (h2c, prior knowledge) gRPC target: the first {@code refuse} streams it sees get RST_STREAM
     * REFUSED_STREAM, every later one an echo of its message with {@code grpc-status: 0}. It never decodes the
     * node's HPACK: it needs none of the request's fields.
     */
    static final class RefusingServer implements AutoCloseable {
        final AtomicInteger refused = new AtomicInteger();
        final AtomicInteger served = new AtomicInteger();
        volatile byte[] lastBody;
        private final int refuse;
        private final ServerSocket listener;
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();

        RefusingServer(int refuse) throws IOException {
            this.refuse = refuse;
            this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread.ofVirtual().start(this::accept);
        }

        int port() {
            return listener.getLocalPort();
        }

        private void accept() {
            try {
                while (true) {
                    Socket socket = listener.accept();
                    socket.setSoTimeout(30_000);
                    sockets.add(socket);
                    Thread.ofVirtual().start(() -> serve(socket));
                }
            } catch (IOException e) {
                // closed
            }
        }

        private void serve(Socket socket) {
            try (socket) {
                DataInputStream in = new DataInputStream(socket.getInputStream());
                OutputStream out = socket.getOutputStream();
                in.readFully(new byte[24]);                                     // the client preface
                out.write(frame(SETTINGS, 0, 0, new byte[0]));
                Map<Integer, ByteArrayOutputStream> bodies = new HashMap<>();
                while (true) {
                    byte[] head = new byte[9];
                    in.readFully(head);
                    int length = (head[0] & 0xff) << 16 | (head[1] & 0xff) << 8 | head[2] & 0xff;
                    int type = head[3];
                    int flags = head[4] & 0xff;
                    int stream = (head[5] & 0x7f) << 24 | (head[6] & 0xff) << 16 | (head[7] & 0xff) << 8 | head[8] & 0xff;
                    byte[] payload = new byte[length];
                    in.readFully(payload);
                    if (type == SETTINGS && (flags & 0x1) == 0) {
                        out.write(frame(SETTINGS, 0x1, 0, new byte[0]));            // ACK
                    } else if (type == HEADERS) {
                        if (refused.get() < refuse) {
                            refused.incrementAndGet();
                            out.write(frame(RST_STREAM, 0, stream, new byte[] {0, 0, 0, REFUSED_STREAM}));
                        } else {
                            bodies.put(stream, new ByteArrayOutputStream());
                        }
                    } else if (type == DATA && bodies.containsKey(stream)) {
                        bodies.get(stream).write(payload);
                        if ((flags & END_STREAM) != 0) {
                            byte[] body = bodies.remove(stream).toByteArray();
                            lastBody = java.util.Arrays.copyOfRange(body, 5, body.length);  // past gRPC's prefix
                            served.incrementAndGet();
                            answer(out, stream, body);
                        }
                    }
                }
            } catch (IOException e) {
                // the node closed the connection
            }
        }

        /** HEADERS (:status 200, content-type), the message echoed, trailers (grpc-status 0). */
        private static void answer(OutputStream out, int stream, byte[] message) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            head.write(0x88);                                               // :status 200, static index 8
            literal(head, "content-type", "application/grpc");
            ByteArrayOutputStream trailers = new ByteArrayOutputStream();
            literal(trailers, "grpc-status", "0");
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            all.write(frame(HEADERS, END_HEADERS, stream, head.toByteArray()));
            all.write(frame(DATA, 0, stream, message));
            all.write(frame(HEADERS, END_HEADERS | END_STREAM, stream, trailers.toByteArray()));
            out.write(all.toByteArray());
        }

        /** A literal field without indexing, new name (RFC 7541 §6.2.2), no Huffman; names and values under 127 bytes. */
        private static void literal(ByteArrayOutputStream out, String name, String value) {
            out.write(0x00);
            out.write(name.length());
            out.writeBytes(name.getBytes(StandardCharsets.US_ASCII));
            out.write(value.length());
            out.writeBytes(value.getBytes(StandardCharsets.US_ASCII));
        }

        private static byte[] frame(int type, int flags, int stream, byte[] payload) {
            byte[] f = new byte[9 + payload.length];
            f[0] = (byte) (payload.length >>> 16);
            f[1] = (byte) (payload.length >>> 8);
            f[2] = (byte) payload.length;
            f[3] = (byte) type;
            f[4] = (byte) flags;
            f[5] = (byte) (stream >>> 24);
            f[6] = (byte) (stream >>> 16);
            f[7] = (byte) (stream >>> 8);
            f[8] = (byte) stream;
            System.arraycopy(payload, 0, f, 9, payload.length);
            return f;
        }

        @Override
        public void close() throws IOException {
            listener.close();
            for (Socket socket : sockets) {
                socket.close();
            }
        }
    }
}
