package stargate.controller.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static stargate.controller.grpc.GrpcAdminTest.UPSTREAM;
import static stargate.controller.grpc.GrpcAdminTest.errorInfo;
import static stargate.controller.grpc.GrpcAdminTest.put;
import static stargate.controller.grpc.GrpcAdminTest.route;
import static stargate.controller.grpc.GrpcAdminTest.unary;
import static stargate.controller.grpc.GrpcAdminTest.violations;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import stargate.admin.v1.AdminGrpc;
import stargate.admin.v1.ConfigObject;
import stargate.admin.v1.ConfigText;
import stargate.admin.v1.DiffResponse;
import stargate.admin.v1.ExplainRequest;
import stargate.admin.v1.ExplainResponse;
import stargate.admin.v1.Format;
import stargate.admin.v1.GetConfigRequest;
import stargate.admin.v1.GetGlobalPluginsRequest;
import stargate.admin.v1.GetRequest;
import stargate.admin.v1.Kind;
import stargate.admin.v1.ListNodesRequest;
import stargate.admin.v1.ListNodesResponse;
import stargate.admin.v1.LogEntry;
import stargate.admin.v1.LogPage;
import stargate.admin.v1.LogRequest;
import stargate.admin.v1.PutConfigRequest;
import stargate.admin.v1.PutGlobalPluginsRequest;
import stargate.admin.v1.RollbackRequest;
import stargate.admin.v1.RollbackResponse;
import stargate.admin.v1.ValidateConfigRequest;
import stargate.admin.v1.WriteResponse;
import stargate.controller.Api;
import stargate.controller.TestController;

/**
 * The gRPC admin API's whole-config, history, audit, rollback, explain, nodes and global-plugins
 * calls, each checked against what REST answers on the same real etcd.
 */
class GrpcWholeConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String CONFIG = """
            {"upstreams": [{"id": "u1", "targets": [{"url": "http://127.0.0.1:8081"}]}],
             "routes": [{"id": "users", "paths": ["/users/{id}"], "upstream": "u1"}],
             "consumers": [{"id": "alice", "key_auth": {"key": "alice-secret-key-1"}}]}
            """;

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

    static AdminGrpc.AdminStub async(String apiKey) {
        return AdminChannel.async(apiKey).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    /** PutConfig with the text cut into pieces of {@code piece} bytes; the first message carries {@code options}. */
    static DiffResponse putConfig(String apiKey, String text, PutConfigRequest options, int piece) throws Exception {
        CompletableFuture<DiffResponse> answer = new CompletableFuture<>();
        StreamObserver<PutConfigRequest> stream = async(apiKey).putConfig(unary(answer));
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        for (int at = 0; at < bytes.length; at += piece) {
            ByteString data = ByteString.copyFrom(bytes, at, Math.min(piece, bytes.length - at));
            stream.onNext(at == 0 ? options.toBuilder().setData(data).build() : PutConfigRequest.newBuilder().setData(data).build());
        }
        stream.onCompleted();
        return result(answer);
    }

    static DiffResponse validateConfig(String apiKey, String text) throws Exception {
        CompletableFuture<DiffResponse> answer = new CompletableFuture<>();
        StreamObserver<ValidateConfigRequest> stream = async(apiKey).validateConfig(unary(answer));
        stream.onNext(ValidateConfigRequest.newBuilder().setData(ByteString.copyFromUtf8(text)).build());
        stream.onCompleted();
        return result(answer);
    }

    static <T> T result(CompletableFuture<T> answer) throws Exception {
        try {
            return answer.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof StatusRuntimeException s ? s : e;
        }
    }

    /** GetConfig's chunks joined, and its first chunk (the revisions). */
    record Export(String text, ConfigText first) {
    }

    static Export getConfig(Format format) {
        Iterator<ConfigText> chunks = admin().getConfig(GetConfigRequest.newBuilder().setFormat(format).build());
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        ConfigText first = null;
        while (chunks.hasNext()) {
            ConfigText chunk = chunks.next();
            first = first == null ? chunk : first;
            text.writeBytes(chunk.getData().toByteArray());
        }
        return new Export(text.toString(StandardCharsets.UTF_8), first);
    }

    @Test
    void getConfigStreamsTheExportRestGivesAndPutConfigReplacesItWithCompareAndSet() throws Exception {
        DiffResponse created = putConfig(TestController.ADMIN_KEY, CONFIG, PutConfigRequest.getDefaultInstance(), 7);
        assertTrue(created.getChanged());
        assertEquals("+1 route, +1 upstream, +1 consumer", JSON.readTree(created.getDiffJson()).get("summary").asText());
        String consumer = TestController.get().etcdValue(TestController.PREFIX + "/consumers/alice");

        Export json = getConfig(Format.JSON);
        Api.Reply rest = Api.admin().get("config", "Accept", "application/json");
        assertEquals(rest.body(), json.text(), "the same export as REST's");
        assertFalse(json.text().contains("alice-secret-key-1"), json.text());
        assertEquals(rest.header("ETag"), "\"" + json.first().getConfigRevision() + "\"");
        assertEquals(rest.header("X-Stargate-Revision"), String.valueOf(json.first().getRevision()));
        assertEquals(Api.admin().get("config", "Accept", "application/yaml").body(), getConfig(Format.YAML).text());

        // the masked export sent back with one more route: the stored secret is kept
        long configRevision = json.first().getConfigRevision();
        String more = json.text().replace("\"routes\":[", "\"routes\":[{\"id\":\"more\",\"paths\":[\"/more\"],\"upstream\":\"u1\"},");
        PutConfigRequest ifUnchanged = PutConfigRequest.newBuilder().setIfRevision(configRevision).build();
        DiffResponse replaced = putConfig(TestController.ADMIN_KEY, more, ifUnchanged, 5);
        assertEquals("+1 route", JSON.readTree(replaced.getDiffJson()).get("summary").asText());
        assertEquals(consumer.replaceAll("\"meta\":\\{[^}]*}", ""), TestController.get()
                .etcdValue(TestController.PREFIX + "/consumers/alice").replaceAll("\"meta\":\\{[^}]*}", ""));
        StatusRuntimeException stale = assertThrows(StatusRuntimeException.class,
                () -> putConfig(TestController.ADMIN_KEY, json.text(), ifUnchanged, 1 << 20));
        assertEquals(Status.Code.FAILED_PRECONDITION, stale.getStatus().getCode());
        assertEquals("precondition-failed", errorInfo(stale).getReason());
        assertEquals(200, Api.admin().get("routes/more").status(), "the stale write changed nothing");

        DiffResponse dry = putConfig(TestController.ADMIN_KEY, CONFIG, PutConfigRequest.newBuilder().setDryRun(true).build(), 64);
        assertEquals("-1 route", JSON.readTree(dry.getDiffJson()).get("summary").asText());
        assertEquals(0, dry.getRevision());
        assertEquals(200, Api.admin().get("routes/more").status(), "a dry run writes nothing");
    }

    @Test
    void aBadConfigIsRefusedWithTheFieldPathsRestGives() throws Exception {
        String bad = "{\"routes\": [{\"id\": \"users\", \"paths\": [\"/users\"], \"upstream\": \"nowhere\"}]}";
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                () -> validateConfig(TestController.VIEWER_KEY, bad));
        assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode());
        JsonNode restErrors = Api.admin().post("config/validate", bad).json().get("errors");
        assertEquals(restErrors.get(0).get("path").asText(), violations(refused).get(0).getField());
        assertEquals("routes[0].upstream", violations(refused).get(0).getField());
        StatusRuntimeException put = assertThrows(StatusRuntimeException.class,
                () -> putConfig(TestController.ADMIN_KEY, bad, PutConfigRequest.getDefaultInstance(), 10));
        assertEquals("routes[0].upstream", violations(put).get(0).getField());

        DiffResponse valid = validateConfig(TestController.VIEWER_KEY, CONFIG);
        assertTrue(JSON.readTree(valid.getDiffJson()).get("dry_run").asBoolean());
        assertEquals(3, JSON.readTree(valid.getDiffJson()).get("changes").size());
        assertEquals(404, Api.admin().get("routes/users").status(), "validating writes nothing");

        StatusRuntimeException viewer = assertThrows(StatusRuntimeException.class,
                () -> putConfig(TestController.VIEWER_KEY, CONFIG, PutConfigRequest.getDefaultInstance(), 100));
        assertEquals(Status.Code.PERMISSION_DENIED, viewer.getStatus().getCode());
        StatusRuntimeException lateOption = assertThrows(StatusRuntimeException.class, () -> {
            CompletableFuture<DiffResponse> answer = new CompletableFuture<>();
            StreamObserver<PutConfigRequest> stream = async(TestController.ADMIN_KEY).putConfig(unary(answer));
            stream.onNext(PutConfigRequest.newBuilder().setData(ByteString.copyFromUtf8("{")).build());
            stream.onNext(PutConfigRequest.newBuilder().setData(ByteString.copyFromUtf8("}")).setDryRun(true).build());
            stream.onCompleted();
            result(answer);
        });
        assertEquals(Status.Code.INVALID_ARGUMENT, lateOption.getStatus().getCode(), "an option after the first message is refused");
        StatusRuntimeException notUtf8 = assertThrows(StatusRuntimeException.class, () -> {
            CompletableFuture<DiffResponse> answer = new CompletableFuture<>();
            StreamObserver<ValidateConfigRequest> stream = async(TestController.ADMIN_KEY).validateConfig(unary(answer));
            stream.onNext(ValidateConfigRequest.newBuilder().setData(ByteString.copyFrom(new byte[] {'{', (byte) 0xC3, '}'})).build());
            stream.onCompleted();
            result(answer);
        });
        assertEquals("data", violations(notUtf8).get(0).getField());
        assertEquals(404, Api.admin().get("routes/users").status());
        StatusRuntimeException nothing = assertThrows(StatusRuntimeException.class, () -> {
            CompletableFuture<DiffResponse> answer = new CompletableFuture<>();
            async(TestController.ADMIN_KEY).putConfig(unary(answer)).onCompleted();
            result(answer);
        });
        assertEquals("data", violations(nothing).get(0).getField(), "a stream without text does not empty the config");
    }

    @Test
    void wholeConfigUploadsAreBoundedPerController() throws Exception {
        List<CompletableFuture<DiffResponse>> answers = new java.util.ArrayList<>();
        List<StreamObserver<ValidateConfigRequest>> open = new java.util.ArrayList<>();
        for (int i = 0; i < AdminService.MAX_UPLOADS; i++) { // each holds a slot until it ends
            CompletableFuture<DiffResponse> answer = new CompletableFuture<>();
            StreamObserver<ValidateConfigRequest> stream = async(TestController.VIEWER_KEY).validateConfig(unary(answer));
            stream.onNext(ValidateConfigRequest.newBuilder().setData(ByteString.copyFromUtf8(CONFIG.substring(0, 10))).build());
            answers.add(answer);
            open.add(stream);
        }
        // the slots are taken when each first message arrives: a valid call proves the earlier ones arrived
        as("x-api-key", TestController.VIEWER_KEY).listNodes(ListNodesRequest.getDefaultInstance());
        StatusRuntimeException busy = null;
        for (int attempt = 0; attempt < 50 && busy == null; attempt++) {
            try {
                validateConfig(TestController.VIEWER_KEY, CONFIG);
                Thread.sleep(100); // an earlier stream's first message was still on its way
            } catch (StatusRuntimeException e) {
                busy = e;
            }
        }
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, busy == null ? null : busy.getStatus().getCode());
        for (int i = 0; i < open.size(); i++) {
            open.get(i).onNext(ValidateConfigRequest.newBuilder().setData(ByteString.copyFromUtf8(CONFIG.substring(10))).build());
            open.get(i).onCompleted();
            assertEquals(3, JSON.readTree(result(answers.get(i)).getDiffJson()).get("changes").size());
        }
        assertTrue(JSON.readTree(validateConfig(TestController.VIEWER_KEY, CONFIG).getDiffJson()).get("dry_run").asBoolean(),
                "the slots are free again");
    }

    @Test
    void watchConfigSendsTheGlobalPluginsToo() throws Exception {
        long from = admin().put(put(Kind.UPSTREAM, "u1", UPSTREAM)).getRevision();
        java.util.concurrent.BlockingQueue<Object> received = new java.util.concurrent.LinkedBlockingQueue<>();
        io.grpc.Context.CancellableContext watching = io.grpc.Context.current().withCancellation();
        watching.run(() -> async(TestController.VIEWER_KEY).withDeadlineAfter(60, TimeUnit.SECONDS)
                .watchConfig(stargate.admin.v1.WatchRequest.newBuilder().setFromRevision(from).build(),
                        GrpcAdminTest.collect(received)));
        try {
            admin().putGlobalPlugins(PutGlobalPluginsRequest.newBuilder().setJson("{\"test-tag\": {}}").build());
            stargate.admin.v1.ConfigEvent event = GrpcAdminTest.event(received);
            assertEquals(Kind.GLOBAL_PLUGINS, event.getKind());
            assertEquals("", event.getId());
            assertTrue(JSON.readTree(event.getObject().getJson()).has("test-tag"), event.toString());
        } finally {
            watching.cancel(null);
        }
    }

    @Test
    void historyAuditAndRollbackAsRest() throws Exception {
        long first = admin().put(put(Kind.UPSTREAM, "u1", UPSTREAM)).getRevision();
        admin().put(put(Kind.ROUTE, "a", route("a", "u1")));
        admin().put(put(Kind.ROUTE, "b", route("b", "u1")));

        LogPage newest = admin().history(LogRequest.newBuilder().setPageSize(2).build());
        JsonNode rest = Api.admin().get("history?limit=2").json();
        assertEquals(2, newest.getItemsCount());
        assertEquals(rest.get("items").get(0), JSON.readTree(newest.getItems(0).getJson()));
        assertEquals(rest.get("next_after").asLong(), newest.getNextPageToken());
        LogPage older = admin().history(LogRequest.newBuilder().setPageSize(2).setPageToken(newest.getNextPageToken()).build());
        assertEquals(List.of(first), older.getItemsList().stream().map(LogEntry::getRevision).toList());
        assertEquals(0, older.getNextPageToken());

        assertEquals(Status.Code.PERMISSION_DENIED, assertThrows(StatusRuntimeException.class, () -> as("x-api-key",
                TestController.VIEWER_KEY).rollback(RollbackRequest.newBuilder().setRevision(first).build())).getStatus().getCode());
        StatusRuntimeException noRevision = assertThrows(StatusRuntimeException.class,
                () -> admin().rollback(RollbackRequest.getDefaultInstance()));
        assertEquals("revision", violations(noRevision).get(0).getField());
        RollbackResponse dry = admin().rollback(RollbackRequest.newBuilder().setRevision(first).setDryRun(true).build());
        assertEquals("-2 routes", JSON.readTree(dry.getDiffJson()).get("summary").asText());
        assertEquals(200, Api.admin().get("routes/a").status(), "a dry run writes nothing");
        RollbackResponse rolledBack = admin().rollback(RollbackRequest.newBuilder().setRevision(first).build());
        assertEquals(first, rolledBack.getRestoredRevision());
        assertTrue(rolledBack.getChanged());
        assertEquals(404, Api.admin().get("routes/a").status());

        LogPage audit = as("x-api-key", TestController.VIEWER_KEY).audit(LogRequest.newBuilder().setPageSize(1).build());
        LogEntry last = audit.getItems(0);
        assertEquals("alice", last.getWho(), "written by the admin key's name");
        assertEquals("rollback", last.getSource());
        assertEquals("127.0.0.1", last.getFrom());
        assertEquals(rolledBack.getRevision(), last.getRevision());
        assertEquals(Api.admin().get("audit?limit=1").json().get("items").get(0), JSON.readTree(last.getJson()));
        assertEquals("page_size", violations(assertThrows(StatusRuntimeException.class,
                () -> admin().audit(LogRequest.newBuilder().setPageSize(501).build()))).get(0).getField());
    }

    @Test
    void explainAndListNodesAsRest() throws Exception {
        admin().put(put(Kind.UPSTREAM, "u1", UPSTREAM));
        admin().put(put(Kind.ROUTE, "users", "{\"paths\":[\"/users/{id}\"],\"upstream\":\"u1\"}"));
        ExplainResponse explained = as("x-api-key", TestController.VIEWER_KEY).explain(ExplainRequest.newBuilder()
                .setMethod("GET").setUrl("http://api.test/users/42?x=1").build());
        assertEquals("users", explained.getRoute());
        assertEquals("42", explained.getParamsMap().get("id"));
        JsonNode rest = Api.admin().post("explain", "{\"method\":\"GET\",\"url\":\"http://api.test/users/42?x=1\"}").json();
        assertEquals(rest.get("path").asText(), explained.getPath());
        assertEquals(rest.get("revision").asLong(), explained.getRevision());
        assertEquals("", admin().explain(ExplainRequest.newBuilder().setMethod("GET").setUrl("http://api.test/none").build())
                .getRoute());
        assertEquals("method", violations(assertThrows(StatusRuntimeException.class,
                () -> admin().explain(ExplainRequest.newBuilder().setUrl("http://api.test/").build()))).get(0).getField());

        long applied = admin().put(put(Kind.UPSTREAM, "u2", UPSTREAM)).getRevision();
        TestController.get().etcdPut(TestController.PREFIX + "/nodes/node-1",
                "{\"address\":\"127.0.0.1:8080\",\"applied_revision\":" + applied + ",\"last_error\":\"bad route x\"}");
        admin().put(put(Kind.UPSTREAM, "u3", UPSTREAM));
        ListNodesResponse nodes = as("x-api-key", TestController.VIEWER_KEY).listNodes(ListNodesRequest.getDefaultInstance());
        assertEquals(1, nodes.getNodesCount());
        assertEquals("node-1", nodes.getNodes(0).getId());
        assertEquals(applied, nodes.getNodes(0).getAppliedRevision());
        assertTrue(nodes.getNodes(0).getLag() >= 1, nodes.toString());
        assertEquals("bad route x", nodes.getNodes(0).getLastError());
        assertEquals(Api.admin().get("nodes").json().get("items").get(0), JSON.readTree(nodes.getNodes(0).getJson()));
    }

    @Test
    void globalPluginsAreOneObjectWithCompareAndSet() throws Exception {
        ConfigObject none = admin().getGlobalPlugins(GetGlobalPluginsRequest.getDefaultInstance());
        assertEquals("{}", none.getJson());
        assertEquals(0, none.getMeta().getRevision());
        WriteResponse put = admin().putGlobalPlugins(PutGlobalPluginsRequest.newBuilder().setJson("{\"test-tag\": {}}")
                .setIfRevision(0).build());
        assertTrue(put.getChanged());
        assertEquals(Kind.GLOBAL_PLUGINS, put.getObject().getKind());
        ConfigObject read = as("x-api-key", TestController.VIEWER_KEY).getGlobalPlugins(GetGlobalPluginsRequest.getDefaultInstance());
        assertEquals(Api.admin().get("global-plugins").json(), JSON.readTree(read.getJson()));
        assertEquals(put.getObject().getMeta().getRevision(), read.getMeta().getRevision());

        StatusRuntimeException stale = assertThrows(StatusRuntimeException.class, () -> admin().putGlobalPlugins(
                PutGlobalPluginsRequest.newBuilder().setJson("{}").setIfRevision(read.getMeta().getRevision() - 1).build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, stale.getStatus().getCode());
        StatusRuntimeException unknown = assertThrows(StatusRuntimeException.class, () -> admin().putGlobalPlugins(
                PutGlobalPluginsRequest.newBuilder().setJson("{\"no-such-plugin\": {}}").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, unknown.getStatus().getCode());
        assertEquals(Api.admin().put("global-plugins", "{\"no-such-plugin\": {}}").json().get("errors").get(0).get("path").asText(),
                violations(unknown).get(0).getField());
        assertEquals(Status.Code.PERMISSION_DENIED, assertThrows(StatusRuntimeException.class, () -> as("x-api-key",
                TestController.VIEWER_KEY).putGlobalPlugins(PutGlobalPluginsRequest.newBuilder().setJson("{}").build()))
                .getStatus().getCode());
        assertEquals("kind", violations(assertThrows(StatusRuntimeException.class, () -> admin().get(
                GetRequest.newBuilder().setKind(Kind.GLOBAL_PLUGINS).build()))).get(0).getField());

        WriteResponse removed = admin().putGlobalPlugins(PutGlobalPluginsRequest.newBuilder().setJson("{}")
                .setIfRevision(read.getMeta().getRevision()).build());
        assertTrue(removed.getChanged());
        assertEquals("{}", admin().getGlobalPlugins(GetGlobalPluginsRequest.getDefaultInstance()).getJson());
    }
}
