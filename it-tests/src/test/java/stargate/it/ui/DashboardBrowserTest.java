package stargate.it.ui;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;
import stargate.it.support.Backend;
import stargate.it.support.Await;
import stargate.it.support.ControllerProcess;
import stargate.it.support.EtcdCluster;
import stargate.it.support.Http;
import stargate.it.support.NodeProcess;

/**
 * The web dashboard (SPEC §20) in a real browser against real processes: etcd, a controller with an
 * admin and a viewer API key, a node, a loopback backend. One set of processes for the class (a
 * controller takes long to start on a busy box); each test makes objects of its own, in this order.
 * With {@code -Dstargate.ui.screenshots=docs/ui} the pages are saved as the PNGs the README shows.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardBrowserTest {
    private static final String PREFIX = "/stargate";
    private static final String ADMIN_KEY = "admin-key-for-the-dashboard-test";
    private static final String VIEWER_KEY = "viewer-key-for-the-dashboard-test";
    private static final Map<String, String> ADMIN = Map.of("X-API-Key", ADMIN_KEY);
    private static final Duration CONVERGE = Duration.ofSeconds(20);
    /** Markup a user could put in a route's header match; it must show as these characters. */
    private static final String MARKUP = "<img src=x onerror=\"window.__xss=1\">";

    private HttpServer backend;
    private EtcdCluster etcd;
    private ControllerProcess controller;
    private NodeProcess node;
    private Browser browser;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        backend = Backend.start(exchange -> "backend saw " + exchange.getRequestURI().getPath());
        Path keys = dir.resolve("api-keys.yaml");
        Files.writeString(keys, """
                - {name: alice, role: admin, key_sha256: %s}
                - {name: victor, role: viewer, key_sha256: %s}
                """.formatted(sha256(ADMIN_KEY), sha256(VIEWER_KEY)));
        etcd = EtcdCluster.startSingle();
        controller = ControllerProcess.start(etcd.endpoints(), PREFIX, dir, List.of("--api-keys", keys.toString()));
        node = NodeProcess.start("n1", etcd.endpoints(), PREFIX, dir);
        browser = Browser.open(controller.url("/ui/"), dir);
    }

    @AfterAll
    void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {browser, node, controller, etcd}) {
            if (c != null) {
                c.close();
            }
        }
        if (backend != null) {
            backend.stop(0);
        }
    }

    @Test
    @Order(1)
    void theUiIsServedWithAStrictContentSecurityPolicy() throws Exception {
        HttpResponse<String> page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(controller.url("/ui/"))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, page.statusCode());
        String csp = page.headers().firstValue("Content-Security-Policy").orElse("");
        assertTrue(csp.contains("default-src 'none'") && csp.contains("script-src 'self'")
                && csp.contains("frame-ancestors 'none'"), csp);
        assertFalse(csp.contains("unsafe"), "no inline script or eval: " + csp);
        assertEquals("nosniff", page.headers().firstValue("X-Content-Type-Options").orElse(""));
        assertTrue(page.headers().firstValue("Set-Cookie").isEmpty(), "no cookie: nothing for CSRF to ride on");
        // The browser enforces it: an inline script added to the page does not run.
        browser.js("const s = document.createElement('script'); s.textContent = 'window.__inline = 1';"
                + " document.body.append(s);");
        assertNull(browser.js("return window.__inline === undefined ? null : window.__inline"),
                "the policy blocks inline script");
    }

    @Test
    @Order(2)
    void aWrongKeyIsRefusedAndTheAdminKeySignsIn() throws Exception {
        browser.signIn("not-a-key");
        browser.awaitText(By.cssSelector(".problem"), "unknown API key");
        browser.screenshot("sign-in");
        browser.signIn(ADMIN_KEY);
        assertEquals("admin", browser.await(By.id("role")).getText());
        browser.await(By.id("list"));
    }

    @Test
    @Order(3)
    void anUpstreamAndARouteMadeThroughTheFormsAreServedByTheNode() throws Exception {
        browser.show("#/upstreams/new");
        browser.type(By.id("f-id"), "ui-backend");
        browser.type(By.id("f-targets"), "http://127.0.0.1:" + backend.getAddress().getPort());
        saveThroughTheDryRun("+1 upstream");
        browser.awaitText(By.id("flash"), "Saved upstream ui-backend");
        browser.await(By.cssSelector("tr[data-id='ui-backend']"));
        browser.screenshot("upstreams");

        browser.show("#/routes/new");
        browser.type(By.id("f-id"), "ui-hello");
        browser.type(By.id("f-paths"), "/ui-hello");
        new Select(browser.await(By.id("f-upstream"))).selectByValue("ui-backend");
        browser.find(By.id("save")).click();
        browser.awaitText(By.id("preview"), "+1 route");
        browser.screenshot("route-dry-run");
        browser.find(By.id("apply")).click();
        browser.awaitText(By.id("flash"), "Saved route ui-hello");
        Await.until("the node serves /ui-hello", CONVERGE, () -> node.request("/ui-hello").body().equals("backend saw /ui-hello"));

        // Editing goes through the same dry run, with the ETag of what the form was opened with.
        browser.show("#/routes/edit/ui-hello");
        browser.type(By.id("f-methods"), "GET");
        saveThroughTheDryRun("~1 route");
        browser.awaitText(By.id("flash"), "Saved route ui-hello");
        Http.Answer route = controller.api("GET", "/routes/ui-hello", null, ADMIN);
        assertTrue(route.body().contains("\"methods\":[\"GET\"]"), route.body());
    }

    @Test
    @Order(4)
    void theApiErrorsOfAnInvalidFormShowAtTheirFields() throws Exception {
        browser.show("#/routes/new");
        browser.type(By.id("f-id"), "ui-invalid");
        browser.type(By.id("f-paths"), "no-slash");
        browser.type(By.id("f-plugins"), "{\"rate-limit\": {\"bogus\": 1}}");
        browser.find(By.id("save")).click();
        browser.awaitText(By.id("f-paths-error"), "must start with \"/\"");
        browser.awaitText(By.id("f-plugins-error"), "unknown key \"bogus\"");
        assertTrue(browser.all(By.id("preview")).isEmpty(), "no dry run diff for an invalid object");
        browser.screenshot("route-field-errors");
        // What the browser can tell alone (JSON that does not parse) stops before any call.
        browser.type(By.id("f-plugins"), "{not json");
        browser.awaitText(By.id("f-plugins-error"), "not JSON");
        assertEquals(404, controller.api("GET", "/routes/ui-invalid", null, ADMIN).status(), "nothing was written");
    }

    @Test
    @Order(5)
    void markupInApiDataShowsAsText() throws Exception {
        // Ids are restricted by the API, so the markup goes where free text is allowed: a header match.
        Http.Answer created = controller.api("POST", "/routes", """
                {"id": "ui-markup", "paths": ["/ui-markup"], "upstream": "ui-backend", "headers": {"x-probe": %s}}"""
                .formatted(jsonString(MARKUP)), ADMIN);
        assertEquals(201, created.status(), created.body());
        browser.show("#/routes?q=ui-markup");
        String row = browser.awaitText(By.cssSelector("tr[data-id='ui-markup']"), MARKUP);
        assertTrue(row.contains("x-probe: " + MARKUP), row);
        assertTrue(browser.all(By.cssSelector("#list img")).isEmpty(), "the markup did not become an element");
        browser.show("#/routes/edit/ui-markup");
        browser.find(By.cssSelector(".tabs [data-view='yaml']")).click();
        browser.awaitText(By.id("yaml-view"), "window.__xss");
        // API error messages quote what was sent: they are text too.
        browser.show("#/routes/new");
        browser.type(By.id("f-id"), "ui-markup-2");
        browser.type(By.id("f-paths"), "/" + MARKUP.replace(" ", ""));
        browser.find(By.id("save")).click();
        browser.awaitText(By.id("f-paths-error"), "<img");
        assertTrue(browser.all(By.cssSelector("main img")).isEmpty(), "no element made from an error message");
        assertNull(browser.js("return window.__xss === undefined ? null : window.__xss"), "no script ran");
    }

    @Test
    @Order(6)
    void explainNamesTheRouteThatServesARequest() throws Exception {
        browser.show("#/explain");
        browser.type(By.id("explain-url"), "http://127.0.0.1/ui-hello");
        browser.find(By.id("explain-go")).click();
        assertEquals("ui-hello", browser.awaitText(By.id("explain-route"), "ui-hello"));
        browser.screenshot("explain");
    }

    @Test
    @Order(7)
    void theOtherPagesRender() throws Exception {
        browser.show("#/fleet");
        browser.awaitText(By.cssSelector("tr[data-node='n1']"), "n1");
        browser.screenshot("fleet");
        browser.show("#/audit");
        browser.awaitText(By.id("audit"), "ui-backend");
        browser.show("#/audit?object=routes%2Fui-markup");
        String filtered = browser.awaitText(By.id("audit"), "ui-markup");
        assertFalse(filtered.contains("ui-backend"), "the filter hides the other entries: " + filtered);
        assertEquals("routes/ui-markup", browser.find(By.id("filter-object")).getDomProperty("value"));
        browser.screenshot("audit");
        browser.show("#/gitops");
        browser.await(By.id("gitops-off"));
        browser.screenshot("gitops");
        browser.show("#/certificates");
        browser.await(By.id("list"));
        browser.screenshot("certificates");
        browser.show("#/global-plugins");
        browser.await(By.id("save"));
        browser.screenshot("global-plugins");
        browser.show("#/routes");
        browser.await(By.cssSelector("tr[data-id='ui-hello']"));
        browser.screenshot("routes");
    }

    @Test
    @Order(8)
    void aSecretNeverShows() throws Exception {
        String key = "the-consumer-key-" + System.nanoTime();
        assertEquals(201, controller.api("POST", "/consumers", """
                {"id": "ui-consumer", "key_auth": {"key": "%s"}}""".formatted(key), ADMIN).status());
        browser.show("#/consumers");
        browser.await(By.cssSelector("tr[data-id='ui-consumer']"));
        browser.screenshot("consumers");
        browser.show("#/consumers/edit/ui-consumer");
        assertTrue(browser.await(By.id("f-key_auth")).getDomProperty("value").contains("********"));
        browser.find(By.cssSelector(".tabs [data-view='json']")).click();
        assertTrue(browser.await(By.id("json-view")).getDomProperty("value").contains("********"));
        String page = String.valueOf(browser.js("return document.documentElement.outerHTML"
                + " + JSON.stringify([...document.querySelectorAll('textarea, input')].map(e => e.value))"));
        assertFalse(page.contains(key), "the key is nowhere in the page");
    }

    @Test
    @Order(9)
    void aRestoreFromHistoryShowsTheDiffAndRollsTheConfigBack() throws Exception {
        long before = latestRevision();
        assertEquals(201, controller.api("POST", "/routes", """
                {"id": "ui-rollme", "paths": ["/ui-rollme"], "upstream": "ui-backend"}""", ADMIN).status());
        Await.until("the node serves /ui-rollme", CONVERGE, () -> node.get("/ui-rollme") == 200);
        browser.show("#/history");
        browser.await(By.cssSelector("tr[data-revision='" + before + "'] button.rollback")).click();
        String preview = browser.awaitText(By.id("preview"), "ui-rollme");
        assertTrue(preview.toLowerCase(java.util.Locale.ROOT).contains("removed routes ui-rollme"), preview);
        browser.screenshot("history");
        browser.find(By.id("apply")).click();
        browser.awaitText(By.id("flash"), "Restored the config as of revision " + before);
        assertEquals(404, controller.api("GET", "/routes/ui-rollme", null, ADMIN).status());
        Await.until("the node forgets /ui-rollme", CONVERGE, () -> node.get("/ui-rollme") == 404);
        assertEquals(200, node.get("/ui-hello"), "what was there before stays");
    }

    @Test
    @Order(10)
    void aRolloutShowsItsStateAndFiguresAndIsAbortedOrPromotedFromItsPage() throws Exception {
        String aborted = startRollout();
        Await.until("the canary n1 serves the change", CONVERGE, () -> node.get("/ui-canary") == 200);
        browser.show("#/rollouts");
        browser.awaitText(By.cssSelector("tr[data-rollout='" + aborted + "']"), "baking");
        browser.awaitText(By.id("figures-" + aborted), "canary: ");
        browser.screenshot("rollouts");
        browser.find(By.cssSelector("button.abort[data-rollout='" + aborted + "']")).click();
        browser.awaitText(By.id("flash"), "Rollout " + aborted + ": aborted.");
        browser.awaitText(By.id("state-" + aborted), "aborted");
        assertTrue(browser.all(By.cssSelector("button[data-rollout='" + aborted + "']")).isEmpty(), "an ended rollout has no buttons");
        Await.until("n1 drops the aborted change", CONVERGE, () -> node.get("/ui-canary") == 404);

        String promoted = startRollout();
        browser.show("#/rollouts");
        browser.await(By.cssSelector("button.promote[data-rollout='" + promoted + "']")).click();
        browser.awaitText(By.id("flash"), "Rollout " + promoted + ": promoted.");
        String reason = browser.awaitText(By.cssSelector("tr[data-rollout='" + promoted + "']"), "promoted by alice");
        assertTrue(reason.contains("written at revision"), reason);
        assertTrue(controller.api("GET", "/routes/ui-hello", null, ADMIN).body().contains("/ui-canary"));
        Await.until("the node serves the promoted change", CONVERGE, () -> node.get("/ui-canary") == 200);
        startRollout(); // left baking for the viewer
    }

    /** Starts a rollout adding a path to ui-hello on every node (the one node here is the canary). */
    private String startRollout() throws Exception {
        String policy = java.net.URLEncoder.encode("{\"canary_selector\": {}, \"bake\": \"1h\"}", UTF_8);
        String paths = "[\"/ui-hello\", \"/ui-canary\"" + (node.get("/ui-canary") == 200 ? ", \"/ui-canary-2\"" : "") + "]";
        Http.Answer started = controller.api("PUT", "/routes/ui-hello?rollout=canary&rollout_policy=" + policy,
                "{\"paths\": " + paths + ", \"upstream\": \"ui-backend\", \"methods\": [\"GET\"]}", ADMIN);
        assertEquals(202, started.status(), started.body());
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(started.body()).path("id").asText();
    }

    @Test
    @Order(11)
    void aViewerSeesEverythingAndCanChangeNothing() throws Exception {
        browser.signOut();
        browser.signIn(VIEWER_KEY);
        assertEquals("viewer", browser.await(By.id("role")).getText());
        browser.show("#/routes?q=ui");
        browser.await(By.cssSelector("tr[data-id='ui-hello']"));
        assertEquals("true", browser.find(By.id("new")).getDomAttribute("aria-disabled"));
        assertNull(browser.find(By.id("new")).getDomAttribute("href"), "New leads nowhere");
        List<WebElement> deletes = browser.all(By.cssSelector("button.delete"));
        assertFalse(deletes.isEmpty());
        assertTrue(deletes.stream().noneMatch(WebElement::isEnabled), "every Delete is disabled");
        browser.screenshot("viewer");
        browser.show("#/routes/edit/ui-hello");
        assertFalse(browser.await(By.id("save")).isEnabled());
        assertFalse(browser.find(By.id("delete")).isEnabled());
        assertFalse(browser.find(By.id("f-paths")).isEnabled(), "the form is read only");
        browser.show("#/history");
        assertTrue(browser.all(By.cssSelector("button.rollback")).stream().noneMatch(WebElement::isEnabled));
        browser.show("#/global-plugins");
        assertFalse(browser.await(By.id("save")).isEnabled());
        browser.show("#/rollouts");
        browser.await(By.cssSelector("tr[data-state='baking']"));
        List<WebElement> acts = browser.all(By.cssSelector("#rollouts button"));
        assertEquals(2, acts.size(), "promote and abort of the baking rollout");
        assertTrue(acts.stream().noneMatch(WebElement::isEnabled), "disabled for a viewer");
        // Buttons are a courtesy; the API is the wall: a forced click is refused with 403.
        browser.show("#/routes/edit/ui-hello");
        browser.js("document.getElementById('save').disabled = false;");
        browser.find(By.id("save")).click();
        browser.awaitText(By.cssSelector("#panel .problem"), "403 Forbidden");
        browser.signOut();
    }

    private void saveThroughTheDryRun(String summary) {
        browser.find(By.id("save")).click();
        browser.awaitText(By.id("preview"), summary);
        browser.find(By.id("apply")).click();
    }

    private long latestRevision() throws Exception {
        Http.Answer history = controller.api("GET", "/history?limit=1", null, ADMIN);
        assertEquals(200, history.status(), history.body());
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(history.body()).path("items").path(0).path("revision").asLong();
    }

    private static String jsonString(String s) throws Exception {
        return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(s);
    }

    private static String sha256(String key) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(UTF_8)));
    }
}
