package stargate.model.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExplainCommandTest {
    private static final String CONFIG = """
            routes:
              - id: users-by-id
                paths: ["/users/{id}"]
                methods: [GET]
                upstream: users-svc
              - id: users-all
                paths: ["/users/*"]
                upstream: users-svc
              - id: canary
                hosts: [api.example.com]
                paths: ["/users/{id}"]
                headers: {x-canary: "true"}
                upstream: users-svc
            upstreams:
              - id: users-svc
                targets: [{url: "http://127.0.0.1:9"}]
            """;

    @TempDir
    Path dir;
    private Path config;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void writeConfig() throws IOException {
        config = Files.writeString(dir.resolve("stargate.yaml"), CONFIG);
    }

    @Test
    void printsTheRouteItsParamsAndWhyTheOthersLost() {
        int exit = run(config.toString(), "GET", "http://API.example.com:8080/users/42?x=1");

        assertEquals(0, exit, err());
        assertEquals("""
                route: users-by-id
                params: {id=42}
                  canary: header x-canary: expected "true", got none
                  users-all: lost to more specific route users-by-id (template beats prefix)
                """, out());
    }

    @Test
    void headersAndTheHostHeaderComeFromDashH() {
        int exit = run(config.toString(), "GET", "/users/7", "-H", "Host: api.example.com", "-H", "X-Canary: true");

        assertEquals(0, exit, err());
        assertTrue(out().startsWith("route: canary\nparams: {id=7}\n"), out());
    }

    @Test
    void noRouteExitsOne() {
        int exit = run(config.toString(), "DELETE", "/orders/1");

        assertEquals(1, exit, err());
        assertEquals("route: none -> 404 no_route\nparams: {}\n", out());
    }

    @Test
    void theRequestIsExplainedOnItsNormalizedPath() {
        int exit = run(config.toString(), "GET", "/orders/../users/%34%32?x=/../");

        assertEquals(0, exit, err());
        assertTrue(out().startsWith("route: users-by-id\nparams: {id=42}\nnormalized path: /users/42\n"), out());
    }

    @Test
    void aRefusedPathIsA400AndExitsOne() {
        int exit = run(config.toString(), "GET", "/users/..%2f..%2fetc");

        assertEquals(1, exit, err());
        assertEquals("route: none -> 400 bad_request: the path holds an encoded '/', '\\' or NUL (%2F, %5C, %00)\n",
                out());
    }

    @Test
    void usageErrorsExitTwo() throws IOException {
        assertEquals(2, run(config.toString(), "GET"));
        assertTrue(err().contains("usage: stargate explain FILE|--etcd URLS"), err());
        assertEquals(2, run(config.toString(), "GET", "/users", "-H", "no-colon"));
        assertEquals(2, run(config.toString(), "GET", "users"));
        assertEquals(2, run(dir.resolve("missing.yaml").toString(), "GET", "/users"));
        Path bad = Files.writeString(dir.resolve("bad.yaml"), "routes:\n  - id: bad\n    paths: [users]\n");
        err.reset();
        assertEquals(2, run(bad.toString(), "GET", "/users"));
        assertTrue(err().contains("route \"bad\": path \"users\" must start with /"), err());
        assertEquals("", out());
    }

    private int run(String... args) {
        return ExplainCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }
}
