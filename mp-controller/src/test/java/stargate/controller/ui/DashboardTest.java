package stargate.controller.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import stargate.controller.Api;

/** The dashboard's files as HTTP serves them (the pages themselves: it-tests DashboardBrowserTest). */
class DashboardTest {
    /** Ways to turn a string into markup or code; the dashboard renders API data as text only. */
    private static final Pattern HTML_SINKS = Pattern.compile(
            "innerHTML|outerHTML|insertAdjacentHTML|document\\.write|\\beval\\(|new Function\\(|srcdoc");

    private final Api anonymous = Api.as(null);

    @Test
    void everyFileIsServedWithoutCredentialsUnderAStrictPolicy() {
        for (String path : List.of("/ui/", "/ui/index.html", "/ui/app.css", "/ui/js/app.js")) {
            Api.Reply file = anonymous.get(path);
            assertEquals(200, file.status(), path);
            assertEquals(Dashboard.CONTENT_SECURITY_POLICY, file.header("Content-Security-Policy"), path);
            assertEquals("nosniff", file.header("X-Content-Type-Options"), path);
            assertEquals("DENY", file.header("X-Frame-Options"), path);
            assertNull(file.header("Set-Cookie"), path);
        }
        assertFalse(Dashboard.CONTENT_SECURITY_POLICY.contains("unsafe"), "no inline script, no eval");
        assertTrue(anonymous.get("/ui/js/app.js").header("Content-Type").startsWith("text/javascript"),
                "module scripts need a JavaScript type (nosniff)");
        assertEquals(401, anonymous.get("/api/v1/routes").status(), "the data behind the pages still needs credentials");
    }

    @Test
    void nothingOutsideTheDashboardFolderIsServed() {
        for (String path : List.of("/ui/../META-INF/microprofile-config.properties",
                "/ui/%2e%2e/META-INF/microprofile-config.properties", "/ui/..%2fMETA-INF/microprofile-config.properties",
                "/ui/stargate/controller/ui/Dashboard.class", "/ui/missing.js")) {
            Api.Reply reply = anonymous.get(path);
            assertFalse(reply.status() == 200 && reply.body().contains("server.port"), path + ": " + reply.status());
            assertTrue(reply.status() == 404 || reply.status() == 400 || reply.status() == 401, path + ": " + reply.status());
        }
    }

    @Test
    void noScriptTurnsStringsIntoMarkup() throws Exception {
        Path root = Path.of(Dashboard.class.getResource("/stargate/ui/index.html").toURI()).getParent();
        try (var files = Files.walk(root)) {
            List<Path> scripts = files.filter(p -> p.toString().endsWith(".js")).toList();
            assertTrue(scripts.size() >= 5, scripts.toString());
            for (Path script : scripts) {
                var sink = HTML_SINKS.matcher(Files.readString(script));
                if (sink.find()) {
                    fail(script.getFileName() + " uses " + sink.group());
                }
            }
        }
    }
}
