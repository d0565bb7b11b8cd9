package stargate.controller.gitops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.enterprise.inject.spi.CDI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import stargate.controller.Api;
import stargate.controller.TestController;
import stargate.controller.store.EtcdStore;
import stargate.controller.store.Leadership;
import stargate.controller.write.ConfigService;

/**
 * GitOps end to end: a real bare repository pushed with the git CLI, the controller (in this JVM,
 * started with {@code --git}) following it, a real etcd. Each test starts from an empty etcd and
 * pushes the whole config it needs; passes are driven by {@code POST /gitops/sync} and webhooks
 * (the interval is an hour, so no timed pass interferes).
 */
class GitOpsTest {
    static final String SECRET = "webhook-secret-0123456789";
    static final String UPSTREAMS = """
            upstreams:
              - {id: users-svc, targets: [{url: "http://127.0.0.1:8081"}]}
            """;
    static final String USERS = """
            routes:
              - {id: users, paths: [/users], upstream: users-svc}
            """;
    static final String ORDERS = """
            routes:
              - {id: orders, paths: [/orders], upstream: users-svc}
            """;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static GitRepo repo;
    private static Path secretDir;
    private final Api api = Api.admin();

    @BeforeAll
    static void startController() throws Exception {
        repo = GitRepo.create();
        repo.push("readme", "README.md", "config lives in config/\n", "other/ignored.yaml", "routes: [{id: x}]\n");
        secretDir = Files.createTempDirectory("stargate-gitops-secret");
        Path secret = secretDir.resolve("webhook-secret");
        Files.writeString(secret, SECRET + "\n");
        TestController.startWith("--git", repo.url(), "--git-branch", GitRepo.BRANCH, "--git-path", "config",
                "--git-interval", "1h", "--git-secret-file", secret.toString());
    }

    @AfterAll
    static void removeRepo() throws Exception {
        repo.close();
        Files.deleteIfExists(secretDir.resolve("webhook-secret"));
        Files.deleteIfExists(secretDir);
    }

    @BeforeEach
    void emptyEtcd() throws Exception {
        TestController.get().clear();
    }

    @Test
    void aValidCommitIsAppliedAndItsObjectsCarryTheCommit() throws Exception {
        String commit = repo.pushOnly("config", "users", "config/upstreams.yaml", UPSTREAMS, "config/routes/users.yaml", USERS);
        JsonNode status = sync();
        assertEquals("Synced", status.get("sync").asText(), status.toString());
        assertEquals("Applied", status.get("reason").asText());
        assertEquals(commit, status.get("last_applied_commit").asText());
        assertEquals(commit, status.get("last_attempted_commit").asText());
        assertEquals("leader", status.get("role").asText());
        assertEquals(List.of("routes/users", "upstreams/users-svc"), texts(status.get("inventory")));
        assertEquals(200, api.get("routes/users").status());
        JsonNode meta = JSON.readTree(TestController.get().etcdValue(TestController.PREFIX + "/routes/users")).get("meta");
        assertEquals(commit, meta.get("git_commit").asText());
        assertEquals("git", meta.get("owner").asText());
        assertEquals("gitops", api.get("routes/users").json().get("updated_by").asText());
        // audited as a Git write, from the commit, in the history too
        JsonNode audit = api.get("audit?limit=1").json().get("items").get(0);
        assertEquals("git", audit.get("source").asText());
        assertEquals(commit, audit.get("from").asText());
        assertEquals(status.get("applied_revision").asLong(), audit.get("revision").asLong());
        assertEquals("git", api.get("history?limit=1").json().get("items").get(0).get("source").asText());
        // a second pass at the same commit changes nothing
        JsonNode again = sync();
        assertEquals("Synced", again.get("sync").asText());
        assertEquals("UpToDate", again.get("reason").asText());
        assertEquals(status.get("applied_revision").asLong(), api.get("audit?limit=1").json().get("items").get(0).get("revision").asLong());
    }

    @Test
    void anInvalidCommitChangesNothingAndFailsWithFileAndPathUntilAFixSyncs() throws Exception {
        String good = repo.pushOnly("config", "good", "config/upstreams.yaml", UPSTREAMS, "config/routes/users.yaml", USERS);
        sync();
        String before = api.get("config").body();
        String bad = repo.push("bad", "config/routes/orders.yaml", """
                routes:
                  - {id: orders, paths: [/orders], upstream: nowhere}
                """);
        JsonNode status = sync();
        assertEquals("Failed", status.get("sync").asText(), status.toString());
        assertEquals("ValidationFailed", status.get("reason").asText());
        assertEquals(bad, status.get("last_attempted_commit").asText());
        assertEquals(List.of("Failed"), syncStatusOnMetrics());
        assertEquals(good, status.get("last_applied_commit").asText());
        JsonNode error = status.get("errors").get(0);
        assertEquals("config/routes/orders.yaml", error.get("file").asText());
        assertEquals("routes[0].upstream", error.get("path").asText());
        assertEquals(before, api.get("config").body());

        // an unreadable file fails too, with its own path
        repo.push("worse", "config/routes/orders.yaml", "routes:\n  - {id: orders, paths: [/orders], upstream: users-svc, colour: red}\n");
        JsonNode worse = sync();
        assertEquals("Failed", worse.get("sync").asText());
        assertEquals("config/routes/orders.yaml", worse.get("errors").get(0).get("file").asText());
        assertTrue(worse.get("errors").get(0).get("path").asText().startsWith("routes[0]"), worse.toString());
        assertEquals(before, api.get("config").body());

        String fix = repo.push("fix", "config/routes/orders.yaml", ORDERS);
        JsonNode fixed = sync();
        assertEquals("Synced", fixed.get("sync").asText(), fixed.toString());
        assertEquals(fix, fixed.get("last_applied_commit").asText());
        assertEquals(0, fixed.get("errors").size());
        assertEquals(200, api.get("routes/orders").status());
        assertEquals(List.of("Synced"), syncStatusOnMetrics());
    }

    @Test
    void theRepositoryLabelOnMetricsCarriesNoCredentials() {
        assertEquals("https://git.example/team/config.git", GitOps.withoutCredentials("https://user:s3cret@git.example/team/config.git"));
        assertEquals("https://git.example", GitOps.withoutCredentials("https://tok@git.example"));
        assertEquals("https://git.example/a@b", GitOps.withoutCredentials("https://git.example/a@b"));
        assertEquals("git@git.example:team/config.git", GitOps.withoutCredentials("git@git.example:team/config.git"));
    }

    /** The states {@code stargate_gitops_sync_status} reports as current (value 1) for this test's repository. */
    private static List<String> syncStatusOnMetrics() {
        String metrics = Api.as(null).get("/metrics").body();
        List<String> current = new ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^stargate_gitops_sync_status\\{repo=\"([^\"]*)\","
                + "branch=\"" + GitRepo.BRANCH + "\",path=\"config\",status=\"(\\w+)\"} 1$").matcher(metrics);
        while (m.find()) {
            assertEquals(repo.url(), m.group(1));
            current.add(m.group(2));
        }
        return current;
    }

    @Test
    void theSameIdInTwoFilesIsAnErrorNamingBothFiles() throws Exception {
        repo.pushOnly("config", "twice", "config/upstreams.yaml", UPSTREAMS, "config/a.yaml", USERS, "config/b.yaml", USERS);
        JsonNode status = sync();
        assertEquals("Failed", status.get("sync").asText());
        JsonNode error = status.get("errors").get(0);
        assertEquals("config/b.yaml", error.get("file").asText());
        assertEquals("routes[0].id", error.get("path").asText());
        assertTrue(error.get("message").asText().contains("config/a.yaml"), error.toString());
        assertEquals(0, api.get("routes").json().get("count").asInt());
    }

    @Test
    void deletingAFilePrunesItsRoutesButNeverApiCreatedOnes() throws Exception {
        repo.pushOnly("config", "two files", "config/upstreams.yaml", UPSTREAMS, "config/users.yaml", USERS,
                "config/orders.yaml", ORDERS);
        sync();
        assertEquals(201, api.post("routes", "{\"id\": \"by-hand\", \"paths\": [\"/hand\"], \"upstream\": \"users-svc\"}").status());
        repo.push("drop orders", "config/orders.yaml", null);
        JsonNode status = sync();
        assertEquals("Synced", status.get("sync").asText(), status.toString());
        assertEquals(404, api.get("routes/orders").status());
        assertEquals(200, api.get("routes/users").status());
        assertEquals(200, api.get("routes/by-hand").status());
        assertEquals(List.of("routes/users", "upstreams/users-svc"), texts(status.get("inventory")));
        assertEquals("-1 route", status.get("last_change").asText());
    }

    @Test
    void aCommitThatDeletesEveryRouteIsRefused() throws Exception {
        repo.pushOnly("config", "users", "config/upstreams.yaml", UPSTREAMS, "config/users.yaml", USERS);
        String applied = sync().get("last_applied_commit").asText();
        String empty = repo.pushOnly("config", "empty", "config/upstreams.yaml", UPSTREAMS);
        JsonNode status = sync();
        assertEquals("Failed", status.get("sync").asText(), status.toString());
        assertEquals("EmptyRefused", status.get("reason").asText());
        assertTrue(status.get("message").asText().contains("--git-allow-empty"));
        assertEquals(empty, status.get("last_attempted_commit").asText());
        assertEquals(applied, status.get("last_applied_commit").asText());
        assertEquals(200, api.get("routes/users").status());
    }

    @Test
    void anApplyThatWouldPruneMoreThanHalfOfWhatGitOwnsIsRefusedUnlessAllowEmpty() throws Exception {
        String applied = repo.pushOnly("config", "four routes", "config/upstreams.yaml", UPSTREAMS,
                "config/routes.yaml", routes("a", "b", "c", "d"));
        assertEquals("Synced", sync().get("sync").asText());
        // one route the API owns: the every-route guard alone would let an empty Git through
        assertEquals(201, api.post("routes", "{\"id\": \"by-hand\", \"paths\": [\"/hand\"], \"upstream\": \"users-svc\"}").status());
        GitSettings wrongPath = withPath(settings(), "no-such-folder", false);

        ObjectNode refused = passAsThisController(wrongPath, true);
        assertEquals("Failed", refused.get("sync").asText(), refused.toString());
        assertEquals("PruneRefused", refused.get("reason").asText());
        assertTrue(refused.get("message").asText().contains("would prune 5 of the 5 Git-owned objects"), refused.toString());
        assertTrue(refused.get("message").asText().contains("--git-allow-empty"), refused.toString());
        assertEquals(applied, refused.get("last_applied_commit").asText());
        assertEquals("PruneRefused", api.get("gitops/status").json().get("reason").asText());
        for (String id : List.of("a", "b", "c", "d", "by-hand")) {
            assertEquals(200, api.get("routes/" + id).status(), id);
        }

        // a commit that deletes 3 of the 4 routes: 3 of the 5 Git-owned objects
        String three = repo.push("drop three", "config/routes.yaml", routes("a"));
        JsonNode status = sync();
        assertEquals("PruneRefused", status.get("reason").asText(), status.toString());
        assertEquals(three, status.get("last_attempted_commit").asText());
        assertEquals(200, api.get("routes/d").status());

        ObjectNode allowed = passAsThisController(withPath(settings(), "config", true), true);
        assertEquals("Synced", allowed.get("sync").asText(), allowed.toString());
        assertEquals("-3 routes", allowed.get("last_change").asText());
        assertEquals(404, api.get("routes/d").status());
        assertEquals(200, api.get("routes/by-hand").status());

        // pruning half of what Git owns (2 of routes a, b, c and the upstream) is no guess: applied
        repo.push("add two", "config/routes.yaml", routes("a", "b", "c"));
        assertEquals("Synced", sync().get("sync").asText());
        repo.push("drop two", "config/routes.yaml", routes("a"));
        JsonNode half = sync();
        assertEquals("Synced", half.get("sync").asText(), half.toString());
        assertEquals("-2 routes", half.get("last_change").asText());
    }

    @Test
    void driftIsReportedWithoutSelfHealAndRevertedWithIt() throws Exception {
        String commit = repo.pushOnly("config", "users", "config/upstreams.yaml", UPSTREAMS, "config/users.yaml", USERS);
        sync();
        assertEquals(200, api.patch("routes/users", "{\"priority\": 7}").status());
        // a timed pass (here: a webhook's, not forced) reports the drift and leaves it
        JsonNode drifted = webhookAndWait(s -> "OutOfSync".equals(s.path("sync").asText()));
        assertEquals("Drift", drifted.get("reason").asText(), drifted.toString());
        assertEquals(List.of("~routes/users"), texts(drifted.get("drift")));
        assertEquals(7, api.get("routes/users").json().get("priority").asInt());
        // an API edit keeps the object Git-owned
        JsonNode meta = JSON.readTree(TestController.get().etcdValue(TestController.PREFIX + "/routes/users")).get("meta");
        assertEquals("git", meta.get("owner").asText());

        // the same controller with --git-self-heal (same lock holder) reverts it on its next pass
        ObjectNode healed = passAsThisController(settings().withSelfHeal(true), false);
        assertEquals("Synced", healed.get("sync").asText(), healed.toString());
        assertEquals("DriftReverted", healed.get("reason").asText());
        assertEquals(commit, healed.get("last_applied_commit").asText());
        assertFalse(api.get("routes/users").json().has("priority"));
    }

    @Test
    void aWebhookWithAGoodSignatureSyncsAndABadOneDoesNothing() throws Exception {
        repo.pushOnly("config", "users", "config/upstreams.yaml", UPSTREAMS, "config/users.yaml", USERS);
        sync();
        String next = repo.push("orders", "config/orders.yaml", ORDERS);
        String body = "{\"ref\": \"refs/heads/main\"}";
        Api anonymous = Api.as(null);
        Api.Reply bad = anonymous.post("gitops/webhook", body, "X-Hub-Signature-256",
                WebhookSignature.sign("wrong".getBytes(StandardCharsets.UTF_8), body.getBytes(StandardCharsets.UTF_8)));
        assertEquals(401, bad.status(), bad.toString());
        assertEquals(401, anonymous.post("gitops/webhook", body).status());
        // a signature of another body does not verify either
        assertEquals(401, anonymous.post("gitops/webhook", body + " ", "X-Hub-Signature-256", sign(body)).status());
        assertNotEquals(next, api.get("gitops/status").json().get("last_attempted_commit").asText());
        assertEquals(404, api.get("routes/orders").status());

        JsonNode status = webhookAndWait(s -> next.equals(s.path("last_applied_commit").asText()));
        assertEquals("Synced", status.get("sync").asText());
        assertEquals(200, api.get("routes/orders").status());
    }

    @Test
    void rollbackIsRefusedWhileGitOpsAppliesAndRestoresTheExportWhenSuspended() throws Exception {
        repo.pushOnly("config", "users", "config/upstreams.yaml", UPSTREAMS, "config/users.yaml", USERS);
        long revision = sync().get("applied_revision").asLong();
        String export = api.get("config").body();
        repo.push("orders", "config/orders.yaml", ORDERS);
        sync();
        String rollback = "{\"revision\": " + revision + "}";
        Api.Reply refused = api.post("rollback", rollback);
        assertEquals(409, refused.status(), refused.toString());
        assertTrue(refused.json().get("detail").asText().contains("gitops/suspend"), refused.toString());

        assertTrue(api.post("gitops/suspend", "").json().get("suspended").asBoolean());
        try {
            Api.Reply restored = api.post("rollback", rollback);
            assertEquals(200, restored.status(), restored.toString());
            assertEquals("-1 route", restored.json().get("summary").asText());
            assertEquals(export, api.get("config").body());
            JsonNode audit = api.get("audit?limit=1").json().get("items").get(0);
            assertEquals("rollback", audit.get("source").asText());
            assertEquals("alice", audit.get("who").asText());
            // suspended: a forced sync applies nothing
            assertEquals("suspended", api.post("gitops/sync", "").json().get("role").asText());
            assertEquals(export, api.get("config").body());
        } finally {
            assertFalse(api.post("gitops/resume", "").json().get("suspended").asBoolean());
        }
        assertEquals("Synced", sync().get("sync").asText());
        assertEquals(200, api.get("routes/orders").status());
    }

    @Test
    void ofTwoControllersOnOneEtcdOnlyTheLockHolderApplies() throws Exception {
        repo.pushOnly("config", "users", "config/upstreams.yaml", UPSTREAMS, "config/users.yaml", USERS);
        JsonNode first = sync();
        String leader = first.get("this_controller").asText();
        String next = repo.push("orders", "config/orders.yaml", ORDERS);
        GitSettings settings = settings();
        EtcdStore store = CDI.current().select(EtcdStore.class).get();
        try (GitSource source = new GitSource(settings);
             Leadership other = store.leadership(Reconciler.LOCK_KEY, "second-controller", Duration.ofSeconds(15))) {
            ObjectNode standby = new Reconciler(settings, source, CDI.current().select(ConfigService.class).get(), store, rollouts(), other,
                    Clock.systemUTC()).reconcile(true);
            assertEquals("standby", standby.get("role").asText(), standby.toString());
            assertEquals(leader, standby.get("leader").asText());
            assertEquals(first.get("last_applied_commit").asText(), standby.get("last_applied_commit").asText());
            assertEquals(404, api.get("routes/orders").status());
        }
        assertEquals(next, sync().get("last_applied_commit").asText());
    }

    @Test
    void withGitRolloutANewCommitBakesOnCanariesIsAppliedWhenPromotedAndFailsWhenRolledBack() throws Exception {
        String first = repo.pushOnly("config", "users", "config/upstreams.yaml", UPSTREAMS, "config/users.yaml", USERS);
        assertEquals(first, sync().get("last_applied_commit").asText(), "applied at once: the running GitOps has no rollout");
        node("n1", "{\"canary\": \"true\"}", null);
        node("n2", "{}", null);
        GitSettings canary = new GitSettings(settings().url(), settings().branch(), settings().path(), settings().interval(),
                settings().secretFile(), settings().tokenFile(), settings().workdir(), false, true, false,
                java.util.Optional.of("canary"), java.util.Optional.of("{\"bake\": \"1h\", \"min_requests\": 10}"));

        String good = repo.push("orders", "config/orders.yaml", ORDERS);
        ObjectNode rolling = passAsThisController(canary, false);
        assertEquals("OutOfSync", rolling.get("sync").asText(), rolling.toString());
        assertEquals("RollingOut", rolling.get("reason").asText());
        assertEquals("canary", rolling.get("rollout_mode").asText());
        String id = rolling.get("rollout").asText();
        JsonNode r = api.get("rollouts/" + id).json();
        assertEquals(good, r.get("commit").asText(), r.toString());
        assertEquals("gitops", r.get("created_by").asText());
        assertEquals("[\"n1\"]", r.get("canaries").toString());
        assertEquals("1h", r.get("policy").get("bake").asText(), "--git-rollout-policy over the defaults");
        assertEquals(404, api.get("routes/orders").status(), "nothing written while it bakes");
        assertEquals(id, passAsThisController(canary, true).get("rollout").asText(), "a pass waits for the rollout, forced too");
        assertEquals(1, api.get("rollouts").json().get("items").size());

        assertEquals(200, api.post("rollouts/" + id + "/promote", "").status());
        JsonNode applied = passAsThisController(canary, false);
        assertEquals("Synced", applied.get("sync").asText(), applied.toString());
        assertEquals(good, applied.get("last_applied_commit").asText());
        assertEquals("promoted", applied.get("last_rollout").get("state").asText());
        assertFalse(applied.has("rollout"));
        JsonNode meta = JSON.readTree(TestController.get().etcdValue(TestController.PREFIX + "/routes/orders")).get("meta");
        assertEquals("git", meta.get("owner").asText(), "the promotion is the commit's apply: Git owns what it wrote");
        assertEquals(good, meta.get("git_commit").asText());
        JsonNode written = api.get("audit?limit=1").json().get("items");
        assertEquals("rollout_promoted", written.get(0).get("event").asText(), written.toString());
        assertEquals(good, written.get(0).get("rollout_commit").asText());
        assertEquals("git", written.get(1).get("source").asText());
        assertEquals(good, written.get(1).get("commit").asText());
        assertTrue(written.get(1).get("note").asText().startsWith("rollout " + id + ": promoted by alice"), written.toString());

        String bad = repo.push("users to v2", "config/users.yaml", USERS.replace("upstream: users-svc",
                "upstream: users-svc, rewrite: {path: /v2}"));
        String badId = passAsThisController(canary, false).get("rollout").asText();
        node("n1", "{\"canary\": \"true\"}", figures(badId, "canary", 20, 20));
        node("n2", "{}", figures(badId, "baseline", 100, 0));
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!api.get("rollouts/" + badId).json().get("state").asText().equals("rolled_back") && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        JsonNode failed = passAsThisController(canary, false);
        assertEquals("Failed", failed.get("sync").asText(), failed.toString());
        assertEquals("RolledBack", failed.get("reason").asText());
        assertTrue(failed.get("message").asText().startsWith("commit " + bad + " was rolled back by rollout " + badId
                + ": canary 5xx rate 100.00% (20 of 20)"), failed.toString());
        assertEquals(bad, failed.get("last_attempted_commit").asText());
        assertEquals(good, failed.get("last_applied_commit").asText());
        assertFalse(api.get("routes/users").json().has("rewrite"), "the bad change never reached the config");
        JsonNode again = passAsThisController(canary, false);
        assertEquals("RolledBack", again.get("reason").asText(), "a rolled-back commit waits for the next one");
        assertEquals(2, api.get("rollouts").json().get("items").size(), "and starts no new rollout");
    }

    /** A node key as nodes write it; {@code generation} null = outside any rollout. */
    private static void node(String id, String labels, String generation) throws Exception {
        TestController.get().etcdPut(TestController.PREFIX + "/nodes/" + id, "{\"address\": \"127.0.0.1:1\", "
                + "\"applied_revision\": 1, \"labels\": " + labels + (generation == null ? "" : ", \"generation\": " + generation) + "}");
    }

    private static String figures(String rollout, String role, long requests, long errors) {
        long[] counts = new long[stargate.model.rollout.LatencyBuckets.SIZE];
        counts[0] = requests;
        return "{\"rollout\": \"" + rollout + "\", \"role\": \"" + role + "\", \"requests\": " + requests
                + ", \"errors_5xx\": " + errors + ", \"latency_counts\": " + java.util.Arrays.toString(counts) + "}";
    }

    private static stargate.controller.rollout.Rollouts rollouts() {
        return CDI.current().select(stargate.controller.rollout.Rollouts.class).get();
    }

    @Test
    void aLockPassesToTheNextHolderWhenItsHolderLetsGo() throws Exception {
        EtcdStore store = CDI.current().select(EtcdStore.class).get();
        try (Leadership a = store.leadership("test/lock", "a", Duration.ofSeconds(15));
             Leadership b = store.leadership("test/lock", "b", Duration.ofSeconds(15))) {
            assertEquals("a", a.tryLead());
            assertEquals("a", b.tryLead());
            assertEquals("a", a.tryLead());
            a.close();
            assertEquals("b", b.tryLead());
            assertEquals("b", a.tryLead());
        }
    }

    /** A routes file: one route per id, on the path /id, to users-svc. */
    private static String routes(String... ids) {
        StringBuilder yaml = new StringBuilder("routes:\n");
        for (String id : ids) {
            yaml.append("  - {id: ").append(id).append(", paths: [/").append(id).append("], upstream: users-svc}\n");
        }
        return yaml.toString();
    }

    /** The settings this test's controller was started with. */
    private static GitSettings settings() {
        return GitSettings.from(ConfigProvider.getConfig()).orElseThrow();
    }

    private static GitSettings withPath(GitSettings s, String path, boolean allowEmpty) {
        return new GitSettings(s.url(), s.branch(), path, s.interval(), s.secretFile(), s.tokenFile(), s.workdir(),
                s.selfHeal(), s.prune(), allowEmpty, s.rollout(), s.rolloutPolicy());
    }

    /** One pass with other settings, as the controller under test (the GitOps lock holder). */
    private ObjectNode passAsThisController(GitSettings settings, boolean force) throws Exception {
        EtcdStore store = CDI.current().select(EtcdStore.class).get();
        String holder = api.get("gitops/status").json().get("this_controller").asText();
        try (GitSource source = new GitSource(settings);
             Leadership same = store.leadership(Reconciler.LOCK_KEY, holder, Duration.ofSeconds(15))) {
            return new Reconciler(settings, source, CDI.current().select(ConfigService.class).get(), store, rollouts(), same,
                    Clock.systemUTC()).reconcile(force);
        }
    }

    private JsonNode sync() {
        Api.Reply reply = api.post("gitops/sync", "");
        assertEquals(200, reply.status(), reply.toString());
        return reply.json();
    }

    private static String sign(String body) {
        return WebhookSignature.sign(SECRET.getBytes(StandardCharsets.UTF_8), body.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends a signed webhook and polls the status (bounded: 20 s) until {@code done} holds. */
    private JsonNode webhookAndWait(java.util.function.Predicate<JsonNode> done) throws InterruptedException {
        String body = "{\"ref\": \"refs/heads/main\"}";
        Api.Reply accepted = Api.as(null).post("gitops/webhook", body, "X-Hub-Signature-256", sign(body));
        assertEquals(202, accepted.status(), accepted.toString());
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        JsonNode status = api.get("gitops/status").json();
        while (!done.test(status) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            status = api.get("gitops/status").json();
        }
        assertTrue(done.test(status), status.toString());
        return status;
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

}
