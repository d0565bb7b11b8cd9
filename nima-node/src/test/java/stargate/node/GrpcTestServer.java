package stargate.node;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A real grpc-java server on loopback for the gRPC proxy tests. Its service {@code test.Echo} has one method
 * of each kind on raw bytes (the proxy never looks inside a message, so no generated code is needed), and it
 * serves {@code grpc.health.v1.Health/Check} with a status the test switches.
 */
final class GrpcTestServer implements AutoCloseable {
    static final int MAX_MESSAGE = 32 << 20;
    static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };
    static final MethodDescriptor<byte[], byte[]> UNARY = method("test.Echo/Unary", MethodDescriptor.MethodType.UNARY);
    static final MethodDescriptor<byte[], byte[]> COUNT = method("test.Echo/Count", MethodDescriptor.MethodType.SERVER_STREAMING);
    static final MethodDescriptor<byte[], byte[]> SUM = method("test.Echo/Sum", MethodDescriptor.MethodType.CLIENT_STREAMING);
    static final MethodDescriptor<byte[], byte[]> CHAT = method("test.Echo/Chat", MethodDescriptor.MethodType.BIDI_STREAMING);
    static final MethodDescriptor<byte[], byte[]> SLOW = method("test.Echo/Slow", MethodDescriptor.MethodType.UNARY);
    static final MethodDescriptor<byte[], byte[]> FAIL = method("test.Echo/Fail", MethodDescriptor.MethodType.UNARY);
    static final MethodDescriptor<byte[], byte[]> UNAVAILABLE = method("test.Echo/Unavailable", MethodDescriptor.MethodType.UNARY);
    /** Server streaming: the request "count size" asks for count messages of size bytes each. */
    static final MethodDescriptor<byte[], byte[]> BIG = method("test.Echo/Big", MethodDescriptor.MethodType.SERVER_STREAMING);
    static final MethodDescriptor<byte[], byte[]> HEALTH = method("grpc.health.v1.Health/Check", MethodDescriptor.MethodType.UNARY);
    static final Metadata.Key<String> ECHO_META = Metadata.Key.of("x-echo", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> TRAILER = Metadata.Key.of("x-trailer", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> SEEN_REQUEST_ID = Metadata.Key.of("x-seen-request-id", Metadata.ASCII_STRING_MARSHALLER);

    final Server server;
    /** What Health/Check answers: 1 SERVING, 2 NOT_SERVING. */
    final java.util.concurrent.atomic.AtomicInteger health = new java.util.concurrent.atomic.AtomicInteger(1);
    /** Unary calls served. */
    final java.util.concurrent.atomic.AtomicInteger unaryCalls = new java.util.concurrent.atomic.AtomicInteger();
    /** Slow calls started. */
    final java.util.concurrent.atomic.AtomicInteger slowCalls = new java.util.concurrent.atomic.AtomicInteger();
    /** Unavailable calls served. */
    final java.util.concurrent.atomic.AtomicInteger unavailableCalls = new java.util.concurrent.atomic.AtomicInteger();
    /** The last health check's service name. */
    final AtomicReference<String> checkedService = new AtomicReference<>();
    /** Counted down when a Chat call is cancelled by its client. */
    volatile CountDownLatch chatCancelled = new CountDownLatch(1);
    /** Set when a Slow call saw its deadline pass (the proxy cancelled it). */
    final AtomicBoolean slowCancelled = new AtomicBoolean();

    private GrpcTestServer(Server server) {
        this.server = server;
    }

    static MethodDescriptor<byte[], byte[]> method(String fullName, MethodDescriptor.MethodType type) {
        return MethodDescriptor.<byte[], byte[]>newBuilder().setFullMethodName(fullName).setType(type)
                .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
    }

    static GrpcTestServer start() throws IOException {
        return start((TestCertificates) null);
    }

    /** @param tls the server's certificate and key (PEM), or null for cleartext h2c */
    static GrpcTestServer start(TestCertificates tls) throws IOException {
        return start(tls, b -> b);
    }

    /** @param tuning sets the server's limits (streams per connection, connection age) */
    static GrpcTestServer start(java.util.function.UnaryOperator<NettyServerBuilder> tuning) throws IOException {
        return start(null, tuning);
    }

    private static GrpcTestServer start(TestCertificates tls, java.util.function.UnaryOperator<NettyServerBuilder> tuning)
            throws IOException {
        GrpcTestServer[] self = new GrpcTestServer[1];
        ServerServiceDefinition echo = ServerServiceDefinition.builder("test.Echo")
                .addMethod(UNARY, ServerCalls.asyncUnaryCall((req, out) -> {
                    self[0].unaryCalls.incrementAndGet();
                    out.onNext(req);
                    out.onCompleted();
                }))
                .addMethod(COUNT, ServerCalls.asyncServerStreamingCall((req, out) -> {
                    int n = Integer.parseInt(new String(req, StandardCharsets.US_ASCII));
                    for (int i = 0; i < n; i++) {
                        out.onNext(Integer.toString(i).getBytes(StandardCharsets.US_ASCII));
                    }
                    out.onCompleted();
                }))
                .addMethod(BIG, ServerCalls.asyncServerStreamingCall((req, out) -> {
                    String[] ask = new String(req, StandardCharsets.US_ASCII).split(" ");
                    ServerCallStreamObserver<byte[]> call = (ServerCallStreamObserver<byte[]>) out;
                    byte[] message = new byte[Integer.parseInt(ask[1])];
                    int[] left = {Integer.parseInt(ask[0])};
                    // sends as flow control allows (onReady), as a real streaming server does
                    call.setOnReadyHandler(() -> {
                        while (call.isReady() && left[0] > 0 && !call.isCancelled()) {
                            left[0]--;
                            out.onNext(message);
                            if (left[0] == 0) {
                                out.onCompleted();
                            }
                        }
                    });
                }))
                .addMethod(SUM, ServerCalls.asyncClientStreamingCall(out -> new StreamObserver<byte[]>() {
                    long total;
                    int messages;

                    @Override
                    public void onNext(byte[] value) {
                        total += value.length;
                        messages++;
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                        out.onNext((messages + " " + total).getBytes(StandardCharsets.US_ASCII));
                        out.onCompleted();
                    }
                }))
                .addMethod(CHAT, ServerCalls.asyncBidiStreamingCall(out -> {
                    ((ServerCallStreamObserver<byte[]>) out).setOnCancelHandler(() -> self[0].chatCancelled.countDown());
                    return new StreamObserver<byte[]>() {
                        @Override
                        public void onNext(byte[] value) {
                            out.onNext(value);
                        }

                        @Override
                        public void onError(Throwable t) {
                        }

                        @Override
                        public void onCompleted() {
                            out.onCompleted();
                        }
                    };
                }))
                .addMethod(SLOW, ServerCalls.asyncUnaryCall((req, out) -> {
                    self[0].slowCalls.incrementAndGet();
                    ServerCallStreamObserver<byte[]> call = (ServerCallStreamObserver<byte[]>) out;
                    call.setOnCancelHandler(() -> self[0].slowCancelled.set(true));
                    Thread.ofVirtual().start(() -> {
                        try {
                            Thread.sleep(Long.parseLong(new String(req, StandardCharsets.US_ASCII)));
                            if (!call.isCancelled()) {
                                out.onNext(req);
                                out.onCompleted();
                            }
                        } catch (InterruptedException | RuntimeException e) {
                            // cancelled
                        }
                    });
                }))
                .addMethod(FAIL, ServerCalls.asyncUnaryCall((req, out) ->
                        out.onError(Status.NOT_FOUND.withDescription("no such thing: " + new String(req,
                                StandardCharsets.UTF_8)).asRuntimeException())))
                .addMethod(UNAVAILABLE, ServerCalls.asyncUnaryCall((req, out) -> {
                    self[0].unavailableCalls.incrementAndGet();
                    out.onError(Status.UNAVAILABLE.withDescription("target overloaded").asRuntimeException());
                }))
                .build();
        ServerServiceDefinition health = ServerServiceDefinition.builder("grpc.health.v1.Health")
                .addMethod(HEALTH, ServerCalls.asyncUnaryCall((req, out) -> {
                    self[0].checkedService.set(serviceOf(req));
                    out.onNext(new byte[] {8, (byte) self[0].health.get()});
                    out.onCompleted();
                }))
                .build();
        NettyServerBuilder builder = tuning.apply(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)));
        if (tls != null) {
            builder.useTransportSecurity(tls.certFile().toFile(), tls.keyFile().toFile());
        }
        Server server = builder
                .maxInboundMessageSize(MAX_MESSAGE)
                .addService(ServerInterceptors.intercept(echo, new MetadataEcho()))
                .addService(health)
                .build()
                .start();
        self[0] = new GrpcTestServer(server);
        return self[0];
    }

    /** HealthCheckRequest's field 1 (service, a string), decoded by hand: tag 0x0a, one-byte length here. */
    private static String serviceOf(byte[] request) {
        if (request.length < 2 || request[0] != 0x0a) {
            return "";
        }
        return new String(request, 2, request[1], StandardCharsets.UTF_8);
    }

    int port() {
        return server.getPort();
    }

    /** Stops as an orderly server does: GOAWAY, the calls in progress finish, no new connection is taken. */
    void shutdownGracefully() {
        server.shutdown();
    }

    @Override
    public void close() {
        server.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Echoes the request's {@code x-echo} metadata as a header and as the trailer {@code x-trailer}. */
    private static final class MetadataEcho implements ServerInterceptor {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                          ServerCallHandler<Q, R> next) {
            String echo = headers.get(ECHO_META);
            String requestId = headers.get(Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER));
            return next.startCall(new io.grpc.ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                @Override
                public void sendHeaders(Metadata responseHeaders) {
                    if (requestId != null) {
                        responseHeaders.put(SEEN_REQUEST_ID, requestId);
                    }
                    super.sendHeaders(responseHeaders);
                }

                @Override
                public void close(Status status, Metadata trailers) {
                    if (echo != null) {
                        trailers.put(TRAILER, "trailer-" + echo);
                    }
                    super.close(status, trailers);
                }
            }, headers);
        }
    }
}
