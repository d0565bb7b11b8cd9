package stargate.model.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code explain --etcd}: the config as the controller stores it, read from a real etcd through its JSON gateway. */
class ExplainFromEtcdTest {
    private static final String META = "{\"owner\": \"api\", \"updated_by\": \"alice\"}";
    private static LocalEtcd etcd;

    /** The exit code and what went to stdout and stderr. */
    record Run(int exit, String out, String err) {
    }

    @BeforeAll
    static void startEtcdWithAConfig() throws Exception {
        etcd = LocalEtcd.start();
        put("/stargate/upstreams/users-svc", "{\"id\": \"users-svc\", \"targets\": [{\"url\": \"http://127.0.0.1:9\"}]}");
        put("/stargate/routes/users-by-id", "{\"id\": \"users-by-id\", \"paths\": [\"/users/{id}\"], \"methods\": [\"GET\"], \"upstream\": \"users-svc\"}");
        put("/stargate/routes/users-all", "{\"id\": \"users-all\", \"paths\": [\"/users/*\"], \"upstream\": \"users-svc\"}");
        put("/stargate/global_plugins", "{\"request-id\": {}}");
        // beside the config folders: never read as config
        etcd.put("/stargate/audit/00000000000000000001", "{\"sequence\": 1}");
        etcd.put("/stargate/routes-archive", "not json");
        // another gateway's config under another prefix
        put("/other/upstreams/u", "{\"id\": \"u\", \"targets\": [{\"url\": \"http://127.0.0.1:9\"}]}");
        put("/other/routes/other", "{\"id\": \"other\", \"paths\": [\"/users/*\"], \"upstream\": \"u\"}");
    }

    @AfterAll
    static void stopEtcd() throws Exception {
        etcd.close();
    }

    private static void put(String key, String spec) throws Exception {
        etcd.put(key, "{\"meta\": " + META + ", \"spec\": " + spec + "}");
    }

    private static Run explain(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = ExplainCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void explainsAgainstTheConfigInEtcdTryingEachUrlInTurn() throws Exception {
        String urls = "http://127.0.0.1:" + LocalEtcd.freePort() + "," + etcd.url();
        Run run = explain("--etcd", urls, "GET", "http://api.example.com/users/42", "-H", "X-Any: 1");
        assertEquals(0, run.exit(), run.toString());
        assertEquals("", run.err());
        assertTrue(run.out().startsWith("route: users-by-id\nparams: {id=42}\n"), run.out());
        assertTrue(run.out().contains("  users-all: "), run.out());
    }

    @Test
    void readsTheConfigUnderTheGivenPrefix() {
        Run run = explain("--etcd", etcd.url(), "--prefix", "/other", "GET", "/users/42");
        assertEquals(0, run.exit(), run.toString());
        assertTrue(run.out().startsWith("route: other\n"), run.out());
        assertEquals(1, explain("--etcd", etcd.url(), "--prefix", "/empty", "GET", "/users/42").exit());
    }

    @Test
    void anUnreachableEtcdIsAClearErrorWithItsOwnExitCode() throws Exception {
        String dead = "http://127.0.0.1:" + LocalEtcd.freePort();
        Run run = explain("--etcd", dead, "GET", "/users/42");
        assertEquals(ExplainCommand.ETCD_UNREACHABLE, run.exit(), run.toString());
        assertEquals("", run.out());
        assertEquals("explain: --etcd " + dead + ": etcd unreachable (" + dead + ": cannot connect)\n", run.err());
    }

    @Test
    void missingWordsAreAUsageError() {
        for (String[] args : new String[][] {{"--etcd", etcd.url(), "GET"}, {"--etcd", etcd.url(), "--prefix", "/x", "GET"}}) {
            Run run = explain(args);
            assertEquals(2, run.exit());
            assertTrue(run.err().startsWith(ExplainCommand.USAGE), run.err());
        }
    }
}
