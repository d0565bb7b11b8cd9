package stargate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import stargate.admin.v1.AdminGrpc;
import stargate.admin.v1.ApplyRequest;
import stargate.admin.v1.ApplyResponse;
import stargate.admin.v1.ConfigEvent;
import stargate.admin.v1.Kind;
import stargate.admin.v1.PutRequest;
import stargate.admin.v1.WatchRequest;
import stargate.it.support.Backend;
import stargate.it.support.Await;
import stargate.it.support.ControllerProcess;
import stargate.it.support.EtcdCluster;
import stargate.it.support.NodeProcess;

/**
 * The gRPC admin API (SPEC §18) end to end, with a client generated from the controller's proto:
 * 10,000 routes through one Apply stream reach a node, and a watch resumed from its last revision
 * on another controller process, after the first one stopped, misses nothing.
 */
class GrpcAdminEndToEndTest {
    private static final String PREFIX = "/stargate";
    private static final int ROUTES = 10_000;

    @Test
    void applyTenThousandRoutesThenANodeServesThem(@TempDir Path dir) throws Exception {
        HttpServer backend = Backend.echoingPath();
        try (EtcdCluster etcd = EtcdCluster.startSingle()) {
            long applied;
            try (ControllerProcess controller = ControllerProcess.start(etcd.endpoints(), PREFIX, java.nio.file.Files.createDirectories(dir.resolve("a")))) {
                ManagedChannel channel = channel(controller);
                try {
                    CompletableFuture<ApplyResponse> answer = new CompletableFuture<>();
                    StreamObserver<ApplyRequest> stream = AdminGrpc.newStub(channel).apply(unary(answer));
                    stream.onNext(ApplyRequest.newBuilder().setKind(Kind.UPSTREAM).setId("echo")
                            .setJson("{\"targets\":[{\"url\":\"http://127.0.0.1:" + backend.getAddress().getPort() + "\"}]}").build());
                    for (int i = 0; i < ROUTES; i++) {
                        stream.onNext(ApplyRequest.newBuilder().setKind(Kind.ROUTE).setId("r" + i)
                                .setJson("{\"paths\":[\"/r" + i + "\"],\"upstream\":\"echo\"}").build());
                    }
                    stream.onCompleted();
                    ApplyResponse response = answer.get(5, TimeUnit.MINUTES);
                    assertEquals(ROUTES + 1, response.getCreated(), response.toString());
                    assertEquals(0, response.getRejected(), response.toString());
                    applied = response.getRevision();
                    int listed = 0;     // the REST list pages (at most 5,000 a page)
                    String next = "/routes?limit=5000";
                    while (next != null) {
                        var page = new com.fasterxml.jackson.databind.ObjectMapper().readTree(controller.api("GET", next, null).body());
                        listed += page.get("items").size();
                        next = page.hasNonNull("continue") ? "/routes?limit=5000&continue=" + page.get("continue").asText() : null;
                    }
                    assertEquals(ROUTES, listed);
                } finally {
                    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                }
            }
            try (NodeProcess node = NodeProcess.start("n1", etcd.endpoints(), PREFIX, dir)) {
                Await.until(() -> "the node serves /r7777\n" + node.logTail(), Duration.ofSeconds(60),
                        () -> node.get("/r7777") == 200);
                assertEquals("/r9999", node.request("/r9999").body());
            }
            assertTrue(applied > 0);
        } finally {
            backend.stop(0);
        }
    }

    @Test
    void aWatchResumedOnAnotherControllerMissesNothing(@TempDir Path dir) throws Exception {
        try (EtcdCluster etcd = EtcdCluster.startSingle()) {
            long lastSeen;
            try (ControllerProcess first = ControllerProcess.start(etcd.endpoints(), PREFIX, java.nio.file.Files.createDirectories(dir.resolve("a")))) {
                ManagedChannel channel = channel(first);
                AdminGrpc.AdminBlockingStub admin = AdminGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
                long from = admin.put(put(Kind.UPSTREAM, "u1", "{\"targets\":[{\"url\":\"http://127.0.0.1:1\"}]}")).getRevision();
                BlockingQueue<Object> received = new LinkedBlockingQueue<>();
                AdminGrpc.newStub(channel).watchConfig(WatchRequest.newBuilder().setFromRevision(from).build(), collect(received));
                admin.put(put(Kind.ROUTE, "before", "{\"paths\":[\"/before\"],\"upstream\":\"u1\"}"));
                ConfigEvent before = event(received);
                assertEquals("before", before.getId());
                lastSeen = before.getRevision();
                first.close(); // SIGTERM: the watch ends with the process
                Object end = poll(received);
                assertInstanceOf(StatusRuntimeException.class, end, "the stream ends when the controller stops: " + end);
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
            try (ControllerProcess second = ControllerProcess.start(etcd.endpoints(), PREFIX, java.nio.file.Files.createDirectories(dir.resolve("b")))) {
                ManagedChannel channel = channel(second);
                try {
                    AdminGrpc.AdminBlockingStub admin = AdminGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
                    admin.put(put(Kind.ROUTE, "meanwhile", "{\"paths\":[\"/meanwhile\"],\"upstream\":\"u1\"}"));
                    BlockingQueue<Object> received = new LinkedBlockingQueue<>();
                    AdminGrpc.newStub(channel).watchConfig(WatchRequest.newBuilder().setFromRevision(lastSeen).build(),
                            collect(received));
                    admin.put(put(Kind.ROUTE, "after", "{\"paths\":[\"/after\"],\"upstream\":\"u1\"}"));
                    assertEquals("meanwhile", event(received).getId(), "written before the watch resumed");
                    assertEquals("after", event(received).getId());
                } finally {
                    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                }
            }
        }
    }

    private static ManagedChannel channel(ControllerProcess controller) {
        return NettyChannelBuilder.forAddress("127.0.0.1", controller.grpcPort()).usePlaintext().build();
    }

    private static PutRequest put(Kind kind, String id, String json) {
        return PutRequest.newBuilder().setKind(kind).setId(id).setJson(json).build();
    }

    private static Object poll(BlockingQueue<Object> received) throws InterruptedException {
        Object next = received.poll(30, TimeUnit.SECONDS);
        assertNotNull(next, "nothing on the watch within 30 s");
        return next;
    }

    private static ConfigEvent event(BlockingQueue<Object> received) throws InterruptedException {
        Object next = poll(received);
        if (next instanceof Throwable t) {
            throw new AssertionError("the watch ended", t);
        }
        return (ConfigEvent) next;
    }

    private static <T> StreamObserver<T> collect(BlockingQueue<Object> into) {
        return new StreamObserver<>() {
            @Override
            public void onNext(T value) {
                into.add(value);
            }

            @Override
            public void onError(Throwable t) {
                into.add(t);
            }

            @Override
            public void onCompleted() {
                into.add(Status.OK.asRuntimeException());
            }
        };
    }

    private static <T> StreamObserver<T> unary(CompletableFuture<T> into) {
        return new StreamObserver<>() {
            @Override
            public void onNext(T value) {
                into.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                into.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
            }
        };
    }
}
