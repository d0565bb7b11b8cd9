package stargate.model.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigToolTest {
    private static final Path EXAMPLES = Path.of("../etc/examples");

    /** The exit code and what went to stdout and stderr. */
    record Run(int exit, String out, String err) {
    }

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = ConfigTool.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void theStandaloneExampleIsValid() {
        Run run = run("validate", EXAMPLES.resolve("standalone.yaml").toString());
        assertEquals(new Run(0, "OK: 5 routes, 2 upstreams, 0 consumers, 0 certificates, 1 global plugin\n", ""), run);
    }

    @Test
    void theInvalidExampleListsEveryErrorOnStderrReadingAndMeaningInOnePass() {
        Run run = run("validate", EXAMPLES.resolve("invalid.yaml").toString());
        assertEquals(1, run.exit());
        assertEquals("", run.out());
        assertEquals(List.of(
                "routes[2]: unknown key \"stripPrefix\" (did you mean \"strip_prefix\"?) (line 19)",
                "routes[0].paths[0]: must start with \"/\", got \"users\"",
                "routes[1].id: invalid id \"Users/Admin\": expected [a-z0-9][a-z0-9._-]{0,63}",
                "routes[1].methods[0]: methods are upper-case: write GET, not get",
                "routes[1].upstream: unknown upstream \"user-svc\"",
                "upstreams[0].hash_on: required by the consistent-hash balancer",
                "upstreams[0].targets[0].url: a target URL has no path, query or user info, got \"http://127.0.0.1:9001/api\"",
                "upstreams[0].circuit_breaker.failure_ratio: must be greater than 0 and at most 1, got 1.5"),
                run.err().lines().toList());
    }

    @Test
    void readsJsonFilesAsJson(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("config.json");
        Files.writeString(file, "{\"upstreams\": [{\"id\": \"u\", \"targets\": [{\"url\": \"http://127.0.0.1:9001\"}]}]}");
        assertEquals(new Run(0, "OK: 0 routes, 1 upstream, 0 consumers, 0 certificates, 0 global plugins\n", ""),
                run("validate", file.toString()));
        Files.writeString(file, "{\"upstreams\": [}");
        assertEquals(new Run(1, "", "malformed JSON at line 1, column 16: Unexpected close marker '}': expected ']'\n"),
                run("validate", file.toString()));
    }

    @Test
    void anUnreadableFileIsAUsageError(@TempDir Path dir) {
        Run run = run("validate", dir.resolve("missing.yaml").toString());
        assertEquals(2, run.exit());
        assertTrue(run.err().startsWith("validate: cannot read ") && run.err().contains("NoSuchFileException"), run.err());
    }

    @Test
    void wrongArgumentsPrintUsageAndExit2() {
        for (String[] args : List.of(new String[0], new String[] {"validate"}, new String[] {"validate", "a", "b"},
                new String[] {"frobnicate"})) {
            Run run = run(args);
            assertEquals(2, run.exit());
            assertTrue(run.err().startsWith("usage: stargate validate FILE"), run.err());
        }
    }

    @Test
    void printsTheVersion() {
        Run run = run("--version");
        assertEquals(0, run.exit());
        assertTrue(run.out().startsWith("stargate "), run.out());
    }
}
