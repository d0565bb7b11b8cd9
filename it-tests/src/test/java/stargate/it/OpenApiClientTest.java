package stargate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import stargate.client.ApiClient;
import stargate.client.ApiException;
import stargate.client.ApiResponse;
import stargate.client.api.RoutesApi;
import stargate.client.api.UpstreamsApi;
import stargate.client.model.Diff;
import stargate.client.model.Problem;
import stargate.client.model.Route;
import stargate.client.model.RouteList;
import stargate.client.model.Upstream;
import stargate.client.model.UpstreamAllOfTargets;
import stargate.it.support.ControllerProcess;
import stargate.it.support.EtcdCluster;

/**
 * The REST admin API through a Java client generated from docs/openapi.json (openapi-generator,
 * library native: this module's pom, as docs/api.md tells users), against a real controller with
 * API keys on a real etcd: what a user's generated client does compiles and works.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenApiClientTest {
    private static final String PREFIX = "/stargate";
    private static final String ADMIN_KEY = "openapi-admin-key-0123456789";
    private static final String VIEWER_KEY = "openapi-viewer-key-0123456789";

    private EtcdCluster etcd;
    private ControllerProcess controller;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        Path keys = dir.resolve("api-keys.yaml");
        Files.writeString(keys, """
                - {name: alice, role: admin, key_sha256: %s}
                - {name: victor, role: viewer, key_sha256: %s}
                """.formatted(sha256(ADMIN_KEY), sha256(VIEWER_KEY)));
        etcd = EtcdCluster.startSingle();
        controller = ControllerProcess.start(etcd.endpoints(), PREFIX, dir, List.of("--api-keys", keys.toString()));
    }

    @AfterAll
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {controller, etcd}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // the other one still closes
            }
        }
    }

    @Test
    void aGeneratedClientCreatesARouteAndReadsItBack() throws Exception {
        ApiClient admin = client(ADMIN_KEY);
        ApiResponse<Diff> upstream = new UpstreamsApi(admin).createUpstreamWithHttpInfo(new Upstream().id("users")
                .targets(List.of(new UpstreamAllOfTargets().url("http://127.0.0.1:9"))), null, null, null);
        assertEquals(201, upstream.getStatusCode());

        RoutesApi routes = new RoutesApi(admin);
        Route route = new Route().id("users").paths(List.of("/users", "/users/{id}")).upstream("users")
                .methods(List.of("GET"));
        Diff dryRun = routes.createRoute(route, true, null, null);
        assertEquals(Boolean.TRUE, dryRun.getDryRun());
        assertEquals("added", dryRun.getChanges().get(0).getOp().getValue());
        assertEquals(201, routes.createRouteWithHttpInfo(route, null, null, null).getStatusCode());

        Route read = routes.getRoute("users");
        assertEquals(List.of("/users", "/users/{id}"), read.getPaths());
        assertEquals("users", read.getUpstream());
        assertEquals(List.of("GET"), read.getMethods());
        assertEquals("alice", read.getUpdatedBy());
        assertTrue(read.getRevision() > 0, "revision " + read.getRevision());
        RouteList list = routes.listRoutes(null, null);
        assertEquals(1, list.getCount());
        assertEquals("users", list.getItems().get(0).getId());

        // replaceRoute answers the object; If-Match makes it a compare-and-set
        Route replaced = routes.replaceRoute("users", read.priority(5), null, null, null, "\"" + read.getRevision() + "\"");
        assertEquals(5, replaced.getPriority());
        ApiException stale = assertThrows(ApiException.class,
                () -> routes.replaceRoute("users", read, null, null, null, "\"" + read.getRevision() + "\""));
        assertEquals(412, stale.getCode());
    }

    @Test
    void itsErrorsAreProblemDetailsWithTheStatusTheDocumentNames() throws Exception {
        ApiException noKey = assertThrows(ApiException.class, () -> new RoutesApi(client(null)).listRoutes(null, null));
        assertEquals(401, noKey.getCode());
        ApiException viewer = assertThrows(ApiException.class, () -> new RoutesApi(client(VIEWER_KEY))
                .createRoute(new Route().id("v").paths(List.of("/v")).upstream("users"), null, null, null));
        assertEquals(403, viewer.getCode());
        ApiException invalid = assertThrows(ApiException.class, () -> new RoutesApi(client(ADMIN_KEY))
                .replaceRoute("bad", new Route().id("bad").paths(List.of("/bad")).upstream("nowhere"), null, null, null, null));
        assertEquals(400, invalid.getCode());
        Problem problem = ApiClient.createDefaultObjectMapper().readValue(invalid.getResponseBody(), Problem.class);
        assertEquals(400, problem.getStatus());
        assertTrue(problem.getErrors().stream().anyMatch(e -> "upstream".equals(e.getPath())), invalid.getResponseBody());
    }

    /** As docs/api.md shows: the native library has no auth classes, so a request interceptor adds the key. */
    private ApiClient client(String apiKey) {
        ApiClient client = new ApiClient();
        client.updateBaseUri(controller.url(""));
        client.setReadTimeout(Duration.ofSeconds(30));
        if (apiKey != null) {
            client.setRequestInterceptor(request -> request.header("X-API-Key", apiKey));
        }
        return client;
    }

    private static String sha256(String key) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
    }
}
