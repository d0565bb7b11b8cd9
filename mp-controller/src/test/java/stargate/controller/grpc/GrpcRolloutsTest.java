package stargate.controller.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import stargate.admin.v1.AbortRolloutRequest;
import stargate.admin.v1.AdminGrpc;
import stargate.admin.v1.DeleteRequest;
import stargate.admin.v1.DiffResponse;
import stargate.admin.v1.GetRequest;
import stargate.admin.v1.GetRolloutRequest;
import stargate.admin.v1.Kind;
import stargate.admin.v1.ListRolloutsRequest;
import stargate.admin.v1.LogEntry;
import stargate.admin.v1.LogRequest;
import stargate.admin.v1.PromoteRolloutRequest;
import stargate.admin.v1.PutConfigRequest;
import stargate.admin.v1.PutRequest;
import stargate.admin.v1.RolloutStatus;
import stargate.admin.v1.WriteResponse;
import stargate.controller.Api;
import stargate.controller.TestController;

/**
 * Progressive rollouts over the gRPC admin API (docs/grpc-admin.md, docs/rollout.md) with a real
 * grpc-java client: writes that start a rollout, the rollout calls, their roles and errors, and the
 * audit entries they leave. The node keys are written by hand, as RolloutsApiTest does.
 */
class GrpcRolloutsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ROUTE_V2 = "{\"paths\": [\"/users\"], \"upstream\": \"users-svc\", \"rewrite\": {\"path\": \"/v2\"}}";

    @BeforeEach
    void configWithOneRouteAndTwoNodes() throws Exception {
        TestController.get().clear();
        admin().put(PutRequest.newBuilder().setKind(Kind.UPSTREAM).setId("users-svc").setJson(GrpcAdminTest.UPSTREAM).build());
        admin().put(PutRequest.newBuilder().setKind(Kind.ROUTE).setId("users")
                .setJson("{\"paths\": [\"/users\"], \"upstream\": \"users-svc\"}").build());
        for (String[] node : List.of(new String[] {"n1", "{\"canary\": \"true\"}"}, new String[] {"n2", "{}"})) {
            TestController.get().etcdPut(TestController.PREFIX + "/nodes/" + node[0],
                    "{\"address\": \"127.0.0.1:1\", \"applied_revision\": 1, \"labels\": " + node[1] + "}");
        }
    }

    private static AdminGrpc.AdminBlockingStub as(String apiKey) {
        return AdminChannel.withKey(apiKey);
    }

    private static AdminGrpc.AdminBlockingStub admin() {
        return as(TestController.ADMIN_KEY);
    }

    private static AdminGrpc.AdminBlockingStub viewer() {
        return as(TestController.VIEWER_KEY);
    }

    private static PutRequest.Builder canaryPut(String json) {
        return PutRequest.newBuilder().setKind(Kind.ROUTE).setId("users").setJson(json).setRollout("canary");
    }

    private static String rewrite() {
        return Api.admin().get("routes/users").json().path("rewrite").path("path").asText("");
    }

    private static Status.Code code(Runnable call) {
        return assertThrows(StatusRuntimeException.class, call::run).getStatus().getCode();
    }

    @Test
    void aPutWithRolloutStartsOneThatIsListedReadAndAbortedWithTheRestsRoles() throws Exception {
        WriteResponse started = admin().put(canaryPut(ROUTE_V2).setRolloutPolicy("{\"bake\": \"1h\"}").build());
        RolloutStatus r = started.getRollout();
        assertTrue(r.getId().matches("r-\\d+"), started.toString());
        assertEquals("baking", r.getState());
        assertEquals(List.of("n1"), r.getCanariesList());
        assertEquals("~1 route", r.getSummary());
        assertEquals(0, started.getRevision(), "nothing written");
        assertFalse(started.getChanged());
        assertEquals("", rewrite(), "the config folders are not written");
        assertEquals("1h", JSON.readTree(r.getJson()).path("policy").path("bake").asText());

        RolloutStatus read = viewer().getRollout(GetRolloutRequest.newBuilder().setId(r.getId()).build());
        assertEquals(Api.admin().get("rollouts/" + r.getId()).json().path("canaries"), JSON.readTree(read.getJson()).path("canaries"),
                "as REST answers");
        assertEquals(0, JSON.readTree(read.getJson()).path("figures").path("canary").path("requests").asLong(), "live figures");
        assertEquals(List.of(r.getId()), viewer().listRollouts(ListRolloutsRequest.getDefaultInstance()).getItemsList().stream()
                .map(RolloutStatus::getId).toList());

        assertEquals(Status.Code.FAILED_PRECONDITION, code(() -> admin().put(canaryPut(ROUTE_V2.replace("/v2", "/v3")).build())),
                "one rollout at a time");
        assertEquals(Status.Code.PERMISSION_DENIED, code(() -> viewer().abortRollout(
                AbortRolloutRequest.newBuilder().setId(r.getId()).build())));
        assertEquals(Status.Code.PERMISSION_DENIED, code(() -> viewer().put(canaryPut(ROUTE_V2).build())));

        RolloutStatus aborted = admin().abortRollout(AbortRolloutRequest.newBuilder().setId(r.getId()).build());
        assertEquals("aborted", aborted.getState());
        assertEquals("aborted by alice", aborted.getReason());
        assertEquals(Status.Code.FAILED_PRECONDITION, code(() -> admin().promoteRollout(
                PromoteRolloutRequest.newBuilder().setId(r.getId()).build())));
        assertEquals(Status.Code.NOT_FOUND, code(() -> viewer().getRollout(GetRolloutRequest.newBuilder().setId("r-999999").build())));
        assertEquals(Status.Code.NOT_FOUND, code(() -> viewer().getRollout(GetRolloutRequest.newBuilder().setId("../nodes").build())));
        assertEquals("", rewrite());

        List<LogEntry> audit = viewer().audit(LogRequest.newBuilder().setPageSize(2).build()).getItemsList();
        assertEquals("rollout", audit.get(0).getSource());
        assertEquals("rollout_aborted", JSON.readTree(audit.get(0).getJson()).path("event").asText(), audit.toString());
        assertEquals("alice", audit.get(0).getWho());
        assertEquals("rollout_started", JSON.readTree(audit.get(1).getJson()).path("event").asText());
    }

    @Test
    void badRolloutFieldsAreRefusedWithTheirPath() {
        StatusRuntimeException unknown = assertThrows(StatusRuntimeException.class,
                () -> admin().put(canaryPut(ROUTE_V2).setRollout("linear").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, unknown.getStatus().getCode());
        assertEquals("rollout", GrpcAdminTest.violations(unknown).get(0).getField());
        StatusRuntimeException badPolicy = assertThrows(StatusRuntimeException.class,
                () -> admin().put(canaryPut(ROUTE_V2).setRolloutPolicy("{\"bake\": \"0s\"}").build()));
        assertEquals("rollout_policy.bake", GrpcAdminTest.violations(badPolicy).get(0).getField(), badPolicy.toString());
        StatusRuntimeException alone = assertThrows(StatusRuntimeException.class, () -> admin().put(PutRequest.newBuilder()
                .setKind(Kind.ROUTE).setId("users").setJson(ROUTE_V2).setRolloutPolicy("{}").build()));
        assertEquals("rollout_policy", GrpcAdminTest.violations(alone).get(0).getField(), "a policy without rollout");
        WriteResponse dryRun = admin().put(canaryPut(ROUTE_V2).setDryRun(true).build());
        assertFalse(dryRun.hasRollout(), "a dry run starts nothing");
        assertTrue(dryRun.getDiffJson().contains("\"dry_run\":true"), dryRun.getDiffJson());
        assertEquals(0, viewer().listRollouts(ListRolloutsRequest.getDefaultInstance()).getItemsCount());
    }

    @Test
    void deleteAndPutConfigStartRolloutsAndAPromotionWritesTheChange() throws Exception {
        WriteResponse delete = admin().delete(DeleteRequest.newBuilder().setKind(Kind.ROUTE).setId("users").setRollout("canary").build());
        assertEquals("removed routes users", JSON.readTree(delete.getRollout().getJson()).path("changes").get(0).path("op").asText()
                + " routes users");
        RolloutStatus promoted = admin().promoteRollout(PromoteRolloutRequest.newBuilder().setId(delete.getRollout().getId()).build());
        assertEquals("promoted", promoted.getState());
        assertTrue(promoted.getReason().startsWith("promoted by alice; written at revision "), promoted.getReason());
        assertEquals(Status.Code.NOT_FOUND, code(() -> viewer().get(GetRequest.newBuilder().setKind(Kind.ROUTE).setId("users").build())));

        String config = "{\"upstreams\": [{\"id\": \"users-svc\", \"targets\": [{\"url\": \"http://127.0.0.1:8081\"}]}],"
                + " \"routes\": [{\"id\": \"back\", \"paths\": [\"/back\"], \"upstream\": \"users-svc\"}]}";
        DiffResponse whole = putConfig(PutConfigRequest.newBuilder().setRollout("canary")
                .setRolloutPolicy("{\"canary_selector\": {}, \"canary_percent\": 100}").build(), config);
        assertEquals(List.of("n1", "n2"), whole.getRollout().getCanariesList(), "every node matches an empty selector");
        assertEquals(0, whole.getRevision());
        assertEquals(Status.Code.NOT_FOUND, code(() -> viewer().get(GetRequest.newBuilder().setKind(Kind.ROUTE).setId("back").build())),
                "nothing written while it bakes");
        admin().abortRollout(AbortRolloutRequest.newBuilder().setId(whole.getRollout().getId()).build());
    }

    private static DiffResponse putConfig(PutConfigRequest options, String text) throws Exception {
        Metadata metadata = new Metadata();
        metadata.put(GrpcAuth.API_KEY, TestController.ADMIN_KEY);
        CompletableFuture<DiffResponse> answer = new CompletableFuture<>();
        StreamObserver<PutConfigRequest> stream = AdminGrpc.newStub(AdminChannel.get())
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(metadata)).withDeadlineAfter(30, TimeUnit.SECONDS)
                .putConfig(GrpcAdminTest.unary(answer));
        stream.onNext(options.toBuilder().setData(ByteString.copyFromUtf8(text)).build());
        stream.onCompleted();
        try {
            return answer.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof StatusRuntimeException s ? s : e;
        }
    }
}
