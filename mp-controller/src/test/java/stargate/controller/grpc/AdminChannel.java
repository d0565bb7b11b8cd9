package stargate.controller.grpc;

import java.util.concurrent.TimeUnit;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import stargate.admin.v1.AdminGrpc;
import stargate.controller.TestController;

/** The test controller's gRPC admin service as a grpc-java client sees it: one plain-text channel, stubs per caller. */
final class AdminChannel {
    private static ManagedChannel channel;

    private AdminChannel() {
    }

    /** The channel, opened on first use and kept for the test JVM (the test controller is shared the same way). */
    static synchronized ManagedChannel get() {
        if (channel == null) {
            channel = NettyChannelBuilder.forAddress("127.0.0.1", TestController.get().grpcPort()).usePlaintext().build();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> channel.shutdownNow()));
        }
        return channel;
    }

    /** A blocking stub sending {@code header: value} on every call (none when {@code header} is null). */
    static AdminGrpc.AdminBlockingStub as(String header, String value) {
        return withHeader(AdminGrpc.newBlockingStub(get()), header, value).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    /** A blocking stub with an API key. */
    static AdminGrpc.AdminBlockingStub withKey(String apiKey) {
        return as(GrpcAuth.API_KEY.name(), apiKey);
    }

    /** An async stub with an API key (streaming calls), without a deadline (watches last). */
    static AdminGrpc.AdminStub async(String apiKey) {
        return withHeader(AdminGrpc.newStub(get()), GrpcAuth.API_KEY.name(), apiKey);
    }

    private static <S extends AbstractStub<S>> S withHeader(S stub, String header, String value) {
        Metadata metadata = new Metadata();
        if (header != null) {
            metadata.put(Metadata.Key.of(header, Metadata.ASCII_STRING_MARSHALLER), value);
        }
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(metadata));
    }
}
