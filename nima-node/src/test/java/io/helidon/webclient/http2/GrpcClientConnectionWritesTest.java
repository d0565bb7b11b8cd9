package io.helidon.webclient.http2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataWriter;
import io.helidon.common.socket.SocketOptions;
import io.helidon.common.tls.Tls;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.WritableHeaders;
import io.helidon.http.http2.Http2FrameData;
import io.helidon.http.http2.Http2Headers;
import io.helidon.webclient.api.ConnectionKey;
import io.helidon.webclient.api.DefaultDnsResolver;
import io.helidon.webclient.api.DnsAddressLookup;
import io.helidon.webclient.api.Proxy;
import io.helidon.webclient.api.TcpClientConnection;
import io.helidon.webclient.api.WebClient;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The socket writes a gRPC call costs on a {@link GrpcClientConnection} to a real grpc-java server: Helidon's
 * frame-by-frame path writes HEADERS and DATA with one write each; {@link GrpcClientStream#writeHeadersAndData}
 * writes both at once. The writes are counted under the connection (the socket's own writer, decorated), on the
 * calling thread only: the connection's reader may answer the server's frames meanwhile.
 */
class GrpcClientConnectionWritesTest {
    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    };
    private static final MethodDescriptor<byte[], byte[]> ECHO = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setFullMethodName("test.Echo/Unary").setType(MethodDescriptor.MethodType.UNARY)
            .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();

    private static Server server;
    private static WebClient webClient;
    private static Http2ClientImpl http2;

    @BeforeAll
    static void start() throws IOException {
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(ServerServiceDefinition.builder("test.Echo")
                        .addMethod(ECHO, ServerCalls.asyncUnaryCall((req, out) -> {
                            out.onNext(req);
                            out.onCompleted();
                        })).build())
                .build().start();
        webClient = WebClient.builder()
                .tls(Tls.builder().enabled(false).build())
                .socketOptions(SocketOptions.builder().tcpNoDelay(true).readTimeout(Duration.ZERO).build())
                .addProtocolConfig(Http2ClientProtocolConfig.builder().priorKnowledge(true).ping(false)
                        .initialWindowSize(1 << 20).build())
                .build();
        http2 = (Http2ClientImpl) webClient.client(Http2Client.PROTOCOL);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void aCallsHeadersAndMessageGoInOneWriteWhereHelidonUsesTwo() {
        CountingConnection counted = connect();
        GrpcClientConnection connection = GrpcClientConnection.open(http2, counted);
        try {
            for (int i = 0; i < 20; i++) {
                byte[] message = ("message " + i).getBytes(StandardCharsets.US_ASCII);

                GrpcClientStream framed = new GrpcClientStream(connection, counted.helidonSocket(), new Config(), http2);
                int before = counted.writesOfThisThread();
                framed.writeHeaders(headers(), false);
                framed.writeData(BufferData.create(grpcFrame(message)), true);
                assertEquals(2, counted.writesOfThisThread() - before, "Helidon's path: a write per frame");
                assertArrayEquals(message, answer(framed));

                GrpcClientStream opened = new GrpcClientStream(connection, counted.helidonSocket(), new Config(), http2);
                before = counted.writesOfThisThread();
                assertTrue(opened.writeHeadersAndData(headers(), BufferData.create(grpcFrame(message)), true));
                assertEquals(1, counted.writesOfThisThread() - before, "HEADERS and DATA in one write");
                assertArrayEquals(message, answer(opened));
            }
        } finally {
            connection.close();
        }
    }

    @Test
    void aFirstFrameBiggerThanTheServersFrameSizeIsLeftToTheCaller() {
        CountingConnection counted = connect();
        GrpcClientConnection connection = GrpcClientConnection.open(http2, counted);
        try {
            byte[] message = new byte[40_000];           // past grpc-java's 16 KiB SETTINGS_MAX_FRAME_SIZE
            GrpcClientStream stream = new GrpcClientStream(connection, counted.helidonSocket(), new Config(), http2);
            int before = counted.writesOfThisThread();
            BufferData body = BufferData.create(grpcFrame(message));
            assertTrue(!stream.writeHeadersAndData(headers(), body, true), "the caller sends it");
            assertEquals(1, counted.writesOfThisThread() - before, "the headers went alone");
            stream.writeData(body, true);
            assertArrayEquals(message, answer(stream));
        } finally {
            connection.close();
        }
    }

    private static CountingConnection connect() {
        ConnectionKey key = ConnectionKey.create("http", "127.0.0.1", server.getPort(), Tls.builder().enabled(false).build(),
                DefaultDnsResolver.create(), DnsAddressLookup.defaultLookup(), Proxy.noProxy());
        return new CountingConnection(TcpClientConnection.create(webClient, key, List.of(Http2Client.PROTOCOL_ID),
                c -> false, c -> { }).connect());
    }

    private static Http2Headers headers() {
        WritableHeaders<?> headers = WritableHeaders.create();
        headers.set(HeaderNames.CONTENT_TYPE, "application/grpc");
        headers.set(HeaderNames.create("te"), "trailers");
        Http2Headers h2 = Http2Headers.create(headers);
        h2.method(Method.POST);
        h2.path("/test.Echo/Unary");
        h2.scheme("http");
        h2.authority("127.0.0.1:" + server.getPort());
        return h2;
    }

    /** A gRPC length-prefixed message (uncompressed). */
    private static byte[] grpcFrame(byte[] message) {
        byte[] frame = new byte[5 + message.length];
        frame[1] = (byte) (message.length >>> 24);
        frame[2] = (byte) (message.length >>> 16);
        frame[3] = (byte) (message.length >>> 8);
        frame[4] = (byte) message.length;
        System.arraycopy(message, 0, frame, 5, message.length);
        return frame;
    }

    /** Reads the call's answer: status 200, the message echoed, grpc-status 0. */
    private static byte[] answer(GrpcClientStream stream) {
        try {
            Http2Headers head = stream.readHeaders();
            assertEquals(200, head.status().code());
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!stream.trailers().isDone() && System.nanoTime() < deadline) {
                Http2FrameData frame = stream.readOne(Duration.ofSeconds(20));
                if (frame != null) {
                    body.writeBytes(frame.data().readBytes());
                }
            }
            assertNotNull(stream.trailers().getNow(null), "the call ended");
            assertEquals("0", stream.trailers().getNow(null).get(HeaderNames.create("grpc-status")).get());
            byte[] bytes = body.toByteArray();
            return java.util.Arrays.copyOfRange(bytes, 5, bytes.length);
        } finally {
            stream.close();
        }
    }

    private record Config() implements Http2StreamConfig {
        @Override
        public boolean priorKnowledge() {
            return true;
        }

        @Override
        public int priority() {
            return 0;
        }

        @Override
        public Duration readTimeout() {
            return Duration.ofSeconds(20);
        }
    }

    /** The TCP connection, its socket writes counted per writing thread. */
    private static final class CountingConnection extends ForwardingClientConnection {
        private final ThreadLocal<AtomicInteger> writes = ThreadLocal.withInitial(AtomicInteger::new);
        private final DataWriter writer;

        CountingConnection(TcpClientConnection tcp) {
            super(tcp);
            DataWriter socket = tcp.writer();
            this.writer = new DataWriter() {
                @Override
                public void write(BufferData... buffers) {
                    writes.get().incrementAndGet();
                    socket.write(buffers);
                }

                @Override
                public void write(BufferData buffer) {
                    writes.get().incrementAndGet();
                    socket.write(buffer);
                }

                @Override
                public void writeNow(BufferData... buffers) {
                    writes.get().incrementAndGet();
                    socket.writeNow(buffers);
                }

                @Override
                public void writeNow(BufferData buffer) {
                    writes.get().incrementAndGet();
                    socket.writeNow(buffer);
                }
            };
        }

        int writesOfThisThread() {
            return writes.get().get();
        }

        @Override
        public DataWriter writer() {
            return writer;
        }
    }
}
