package stargate.controller.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import io.etcd.jetcd.Client;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.StatusProto;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import stargate.admin.v1.AdminGrpc;
import stargate.admin.v1.ApplyRequest;
import stargate.admin.v1.ApplyResponse;
import stargate.admin.v1.ConfigEvent;
import stargate.admin.v1.ConfigObject;
import stargate.admin.v1.DeleteRequest;
import stargate.admin.v1.GetRequest;
import stargate.admin.v1.Kind;
import stargate.admin.v1.ListRequest;
import stargate.admin.v1.ListResponse;
import stargate.admin.v1.PutRequest;
import stargate.admin.v1.WatchRequest;
import stargate.admin.v1.WriteResponse;
import stargate.controller.Api;
import stargate.controller.TestController;

/** The gRPC admin API with a real grpc-java client against the test controller and its real etcd. */
class GrpcAdminTest {
    static final String UPSTREAM = "{\"targets\":[{\"url\":\"http://127.0.0.1:8081\"}]}";
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeEach
    void emptyConfig() throws Exception {
        TestController.get().clear();
    }

    static AdminGrpc.AdminBlockingStub as(String header, String value) {
        return AdminChannel.as(header, value);
    }

    static AdminGrpc.AdminBlockingStub admin() {
        return AdminChannel.withKey(TestController.ADMIN_KEY);
    }

    static AdminGrpc.AdminStub adminAsync() {
        return AdminChannel.async(TestController.ADMIN_KEY);
    }

    static PutRequest put(Kind kind, String id, String json) {
        return PutRequest.newBuilder().setKind(kind).setId(id).setJson(json).build();
    }

    static String route(String id, String upstream) {
        return "{\"paths\":[\"/" + id + "\"],\"upstream\":\"" + upstream + "\"}";
    }

    @Test
    void putGetListDeleteAsRestDoes() throws Exception {
        WriteResponse up = admin().put(put(Kind.UPSTREAM, "users-svc", UPSTREAM));
        assertTrue(up.getChanged());
        assertEquals("alice", up.getObject().getMeta().getUpdatedBy());
        for (int i = 0; i < 5; i++) {
            admin().put(put(Kind.ROUTE, "r" + i, route("r" + i, "users-svc")));
        }
        ConfigObject got = admin().get(GetRequest.newBuilder().setKind(Kind.ROUTE).setId("r3").build());
        Api.Reply rest = Api.admin().get("routes/r3");
        assertEquals(rest.json(), JSON.readTree(got.getJson()), "the same object as REST answers");
        assertEquals("\"" + got.getMeta().getRevision() + "\"", rest.header("ETag"));

        ListResponse first = admin().list(ListRequest.newBuilder().setKind(Kind.ROUTE).setPageSize(2).build());
        assertEquals(List.of("r0", "r1"), first.getItemsList().stream().map(ConfigObject::getId).toList());
        assertEquals(5, first.getTotal());
        ListResponse last = admin().list(ListRequest.newBuilder().setKind(Kind.ROUTE).setPageSize(3)
                .setPageToken(first.getNextPageToken()).build());
        assertEquals(List.of("r2", "r3", "r4"), last.getItemsList().stream().map(ConfigObject::getId).toList());
        assertEquals("", last.getNextPageToken());

        WriteResponse same = admin().put(put(Kind.ROUTE, "r3", route("r3", "users-svc")));
        assertFalse(same.getChanged());
        assertEquals(got.getMeta().getRevision(), same.getObject().getMeta().getRevision());

        WriteResponse dry = admin().delete(DeleteRequest.newBuilder().setKind(Kind.ROUTE).setId("r3").setDryRun(true).build());
        assertEquals("removed", JSON.readTree(dry.getDiffJson()).get("changes").get(0).get("op").asText());
        assertEquals(200, Api.admin().get("routes/r3").status(), "a dry run writes nothing");
        admin().delete(DeleteRequest.newBuilder().setKind(Kind.ROUTE).setId("r3").build());
        assertEquals(404, Api.admin().get("routes/r3").status());
        StatusRuntimeException gone = assertThrows(StatusRuntimeException.class,
                () -> admin().get(GetRequest.newBuilder().setKind(Kind.ROUTE).setId("r3").build()));
        assertEquals(Status.Code.NOT_FOUND, gone.getStatus().getCode());

        StatusRuntimeException referred = assertThrows(StatusRuntimeException.class,
                () -> admin().delete(DeleteRequest.newBuilder().setKind(Kind.UPSTREAM).setId("users-svc").build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, referred.getStatus().getCode());
        assertEquals("conflict", errorInfo(referred).getReason());
        assertEquals(4, violations(referred).size(), "each referrer, as REST lists them: " + violations(referred));
    }

    @Test
    void invalidObjectsFailWithTheFieldPathsRestGives() {
        StatusRuntimeException dangling = assertThrows(StatusRuntimeException.class,
                () -> admin().put(put(Kind.ROUTE, "users", route("users", "nowhere"))));
        assertEquals(Status.Code.INVALID_ARGUMENT, dangling.getStatus().getCode());
        assertEquals("upstream", violations(dangling).get(0).getField());
        Api.Reply rest = Api.admin().put("routes/users", route("users", "nowhere"));
        assertEquals(rest.json().get("errors").get(0).get("path").asText(), violations(dangling).get(0).getField());

        StatusRuntimeException malformed = assertThrows(StatusRuntimeException.class,
                () -> admin().put(put(Kind.UPSTREAM, "u1", "{\"targets\": [")));
        assertEquals(Status.Code.INVALID_ARGUMENT, malformed.getStatus().getCode());
        StatusRuntimeException badId = assertThrows(StatusRuntimeException.class,
                () -> admin().put(put(Kind.UPSTREAM, "../etc", UPSTREAM)));
        assertEquals("id", violations(badId).get(0).getField());
        StatusRuntimeException otherId = assertThrows(StatusRuntimeException.class,
                () -> admin().put(put(Kind.UPSTREAM, "u1", "{\"id\":\"u2\"," + UPSTREAM.substring(1))));
        assertEquals("id", violations(otherId).get(0).getField());
        StatusRuntimeException noKind = assertThrows(StatusRuntimeException.class,
                () -> admin().get(GetRequest.newBuilder().setId("u1").build()));
        assertEquals("kind", violations(noKind).get(0).getField());
        StatusRuntimeException huge = assertThrows(StatusRuntimeException.class,
                () -> admin().put(put(Kind.UPSTREAM, "u1", "{\"x\":\"" + "a".repeat(2 * 1024 * 1024) + "\"}")));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, huge.getStatus().getCode(), "bigger than REST takes an object");
        StatusRuntimeException page = assertThrows(StatusRuntimeException.class,
                () -> admin().list(ListRequest.newBuilder().setKind(Kind.ROUTE).setPageSize(100_000).build()));
        assertEquals("page_size", violations(page).get(0).getField());
    }

    @Test
    void secretsAreMaskedAndAMaskSentBackKeepsTheStoredSecret() throws Exception {
        String consumer = "{\"key_auth\":{\"key\":\"alice-secret-key-1\"}}";
        WriteResponse created = admin().put(put(Kind.CONSUMER, "alice", consumer));
        String json = created.getObject().getJson();
        assertFalse(json.contains("alice-secret-key-1"), json);
        String stored = TestController.get().etcdValue(TestController.PREFIX + "/consumers/alice");
        assertFalse(stored.contains("alice-secret-key-1"), "hashed at rest: " + stored);
        admin().put(put(Kind.CONSUMER, "alice", json)); // PUT back what was read: the mask keeps the key
        assertEquals(stored.replaceAll("\"meta\":\\{[^}]*}", ""), TestController.get()
                .etcdValue(TestController.PREFIX + "/consumers/alice").replaceAll("\"meta\":\\{[^}]*}", ""));
    }

    @Test
    void authAsRest() throws Exception {
        admin().put(put(Kind.UPSTREAM, "u1", UPSTREAM));
        GetRequest get = GetRequest.newBuilder().setKind(Kind.UPSTREAM).setId("u1").build();
        assertEquals(Status.Code.UNAUTHENTICATED, assertThrows(StatusRuntimeException.class,
                () -> as(null, null).get(get)).getStatus().getCode());
        assertEquals(Status.Code.UNAUTHENTICATED, assertThrows(StatusRuntimeException.class,
                () -> as("x-api-key", "wrong-key-0123456789").get(get)).getStatus().getCode());
        AdminGrpc.AdminBlockingStub viewer = as("x-api-key", TestController.VIEWER_KEY);
        assertEquals("u1", viewer.get(get).getId());
        assertEquals(1, viewer.list(ListRequest.newBuilder().setKind(Kind.UPSTREAM).build()).getItemsCount());
        StatusRuntimeException denied = assertThrows(StatusRuntimeException.class,
                () -> viewer.put(put(Kind.UPSTREAM, "u2", UPSTREAM)));
        assertEquals(Status.Code.PERMISSION_DENIED, denied.getStatus().getCode());
        assertEquals(Status.Code.PERMISSION_DENIED, assertThrows(StatusRuntimeException.class,
                () -> viewer.delete(DeleteRequest.newBuilder().setKind(Kind.UPSTREAM).setId("u1").build())).getStatus().getCode());
        assertEquals(404, Api.admin().get("upstreams/u2").status());

        TestController c = TestController.get();
        String carol = c.token("carol", "admin", Instant.now().plusSeconds(300), TestController.ISSUER);
        WriteResponse byJwt = as("authorization", "Bearer " + carol).put(put(Kind.UPSTREAM, "u2", UPSTREAM));
        assertEquals("carol", byJwt.getObject().getMeta().getUpdatedBy());
        String expired = c.token("carol", "admin", Instant.now().minusSeconds(600), TestController.ISSUER);
        assertEquals(Status.Code.UNAUTHENTICATED, assertThrows(StatusRuntimeException.class,
                () -> as("authorization", "Bearer " + expired).get(get)).getStatus().getCode());
        String forged = c.token("carol", "admin", Instant.now().plusSeconds(300), "https://evil.test");
        assertEquals(Status.Code.UNAUTHENTICATED, assertThrows(StatusRuntimeException.class,
                () -> as("authorization", "Bearer " + forged).get(get)).getStatus().getCode());
        String viewerJwt = c.token("vera", "viewer", Instant.now().plusSeconds(300), TestController.ISSUER);
        assertEquals(Status.Code.PERMISSION_DENIED, assertThrows(StatusRuntimeException.class,
                () -> as("authorization", "Bearer " + viewerJwt).put(put(Kind.UPSTREAM, "u3", UPSTREAM))).getStatus().getCode());

        JsonNode audit = Api.admin().get("audit").json();
        assertTrue(audit.toString().contains("carol"), "gRPC writes are audited like REST's: " + audit);
    }

    @Test
    void concurrentPutsWithOneRevisionHaveExactlyOneWinner() throws Exception {
        long revision = admin().put(put(Kind.UPSTREAM, "u1", UPSTREAM)).getObject().getMeta().getRevision();
        int writers = 8;
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<Status.Code>> results = new ArrayList<>();
        for (int i = 0; i < writers; i++) {
            String json = "{\"targets\":[{\"url\":\"http://127.0.0.1:" + (9000 + i) + "\"}]}";
            results.add(CompletableFuture.supplyAsync(() -> {
                try {
                    go.await();
                    admin().put(put(Kind.UPSTREAM, "u1", json).toBuilder().setIfRevision(revision).build());
                    return Status.Code.OK;
                } catch (StatusRuntimeException e) {
                    assertEquals("precondition-failed", errorInfo(e).getReason());
                    return e.getStatus().getCode();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        go.countDown();
        List<Status.Code> codes = results.stream().map(CompletableFuture::join).toList();
        assertEquals(1, codes.stream().filter(c -> c == Status.Code.OK).count(), codes.toString());
        assertEquals(writers - 1, codes.stream().filter(c -> c == Status.Code.FAILED_PRECONDITION).count(), codes.toString());
        StatusRuntimeException mustBeNew = assertThrows(StatusRuntimeException.class,
                () -> admin().put(put(Kind.UPSTREAM, "u1", UPSTREAM).toBuilder().setIfRevision(0).build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, mustBeNew.getStatus().getCode());
    }

    @Test
    void watchStreamsEveryChangeAfterARevision() throws Exception {
        admin().put(put(Kind.UPSTREAM, "u1", UPSTREAM));
        long from = admin().list(ListRequest.newBuilder().setKind(Kind.ROUTE).build()).getRevision();
        admin().put(put(Kind.ROUTE, "a", route("a", "u1")));
        admin().put(put(Kind.ROUTE, "b", route("b", "u1")));
        BlockingQueue<Object> received = new LinkedBlockingQueue<>();
        io.grpc.Context.CancellableContext watching = io.grpc.Context.current().withCancellation();
        watching.run(() -> adminAsync().watchConfig(WatchRequest.newBuilder().setFromRevision(from).build(), collect(received)));
        try {
            admin().delete(DeleteRequest.newBuilder().setKind(Kind.ROUTE).setId("a").build());
            ConfigEvent a = event(received);
            ConfigEvent b = event(received);
            ConfigEvent deleted = event(received);
            assertEquals(List.of("a", "b", "a"), List.of(a.getId(), b.getId(), deleted.getId()));
            assertEquals(ConfigEvent.Op.PUT, a.getOp());
            assertEquals("u1", JSON.readTree(a.getObject().getJson()).get("upstream").asText());
            assertEquals(ConfigEvent.Op.DELETE, deleted.getOp());
            assertTrue(a.getRevision() > from && b.getRevision() > a.getRevision() && deleted.getRevision() > b.getRevision());
        } finally {
            watching.cancel(null);
        }
    }

    @Test
    void watchFromACompactedRevisionAsksToListAgain() throws Exception {
        long old = admin().put(put(Kind.UPSTREAM, "u1", UPSTREAM)).getRevision();
        long now = admin().put(put(Kind.UPSTREAM, "u2", UPSTREAM)).getRevision();
        try (Client etcd = Client.builder().endpoints(TestController.get().etcd().url()).build()) {
            etcd.getKVClient().compact(now).get(10, TimeUnit.SECONDS);
        }
        Iterator<ConfigEvent> events = admin().watchConfig(WatchRequest.newBuilder().setFromRevision(old - 1).build());
        StatusRuntimeException compacted = assertThrows(StatusRuntimeException.class, events::hasNext);
        assertEquals(Status.Code.FAILED_PRECONDITION, compacted.getStatus().getCode());
        assertTrue(compacted.getStatus().getDescription().contains("List again"), compacted.getMessage());
    }

    @Test
    void applyStreamsObjectsInOrderAndReportsRejections() throws Exception {
        int routes = 1000;
        CompletableFuture<ApplyResponse> answer = new CompletableFuture<>();
        StreamObserver<ApplyRequest> stream = adminAsync().apply(unary(answer));
        stream.onNext(ApplyRequest.newBuilder().setKind(Kind.UPSTREAM).setId("u1").setJson(UPSTREAM).build());
        for (int i = 0; i < routes; i++) {
            stream.onNext(ApplyRequest.newBuilder().setKind(Kind.ROUTE).setId("r" + i).setJson(route("r" + i, "u1")).build());
        }
        stream.onNext(ApplyRequest.newBuilder().setKind(Kind.ROUTE).setId("bad").setJson(route("bad", "nowhere")).build());
        stream.onNext(ApplyRequest.newBuilder().setKind(Kind.ROUTE).setId("r0").setDelete(true).build());
        stream.onCompleted();
        ApplyResponse response = answer.get(120, TimeUnit.SECONDS);
        assertEquals(routes + 3, response.getReceived());
        assertEquals(routes + 1, response.getCreated(), response.toString().substring(0, Math.min(3000, response.toString().length())));
        assertEquals(1, response.getDeleted());
        assertEquals(1, response.getRejected());
        assertEquals(routes + 1, response.getRejections(0).getIndex());
        assertEquals("upstream", response.getRejections(0).getViolations(0).getField());
        assertEquals(routes - 1, Api.admin().get("routes?limit=5000").json().get("count").asInt());
        assertTrue(response.getRevision() >= admin().get(GetRequest.newBuilder().setKind(Kind.ROUTE).setId("r999").build())
                .getMeta().getRevision());
    }

    @Test
    void healthAndReflectionAreServed() throws Exception {
        HealthCheckResponse health = HealthGrpc.newBlockingStub(AdminChannel.get()).withDeadlineAfter(10, TimeUnit.SECONDS)
                .check(HealthCheckRequest.newBuilder().setService(AdminGrpc.SERVICE_NAME).build());
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, health.getStatus());
        CompletableFuture<ServerReflectionResponse> listed = new CompletableFuture<>();
        StreamObserver<ServerReflectionRequest> reflection = ServerReflectionGrpc.newStub(AdminChannel.get()).serverReflectionInfo(unary(listed));
        reflection.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
        reflection.onCompleted();
        List<String> services = listed.get(10, TimeUnit.SECONDS).getListServicesResponse().getServiceList().stream()
                .map(s -> s.getName()).toList();
        assertTrue(services.contains("stargate.admin.v1.Admin"), services.toString());
    }

    static ConfigEvent event(BlockingQueue<Object> received) throws InterruptedException {
        Object next = received.poll(30, TimeUnit.SECONDS);
        assertNotNull(next, "no event within 30 s");
        if (next instanceof Throwable t) {
            throw new AssertionError("the watch failed", t);
        }
        return (ConfigEvent) next;
    }

    static <T> StreamObserver<T> collect(BlockingQueue<Object> into) {
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
            }
        };
    }

    static <T> StreamObserver<T> unary(CompletableFuture<T> into) {
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

    static List<BadRequest.FieldViolation> violations(StatusRuntimeException e) {
        for (Any detail : StatusProto.fromThrowable(e).getDetailsList()) {
            if (detail.is(BadRequest.class)) {
                try {
                    return detail.unpack(BadRequest.class).getFieldViolationsList();
                } catch (com.google.protobuf.InvalidProtocolBufferException bad) {
                    throw new AssertionError(bad);
                }
            }
        }
        return List.of();
    }

    static ErrorInfo errorInfo(StatusRuntimeException e) {
        for (Any detail : StatusProto.fromThrowable(e).getDetailsList()) {
            if (detail.is(ErrorInfo.class)) {
                try {
                    return detail.unpack(ErrorInfo.class);
                } catch (com.google.protobuf.InvalidProtocolBufferException bad) {
                    throw new AssertionError(bad);
                }
            }
        }
        throw new AssertionError("no ErrorInfo in " + e);
    }
}
