package stargate.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class OptionsTest {
    @Test
    void flagsWinOverEnvVars() throws Exception {
        Options o = Options.parse(new String[] {"--port", "9999", "--etcd=http://a:2379"},
                Map.of("STARGATE_PORT", "1234", "STARGATE_ETCD", "http://b:2379", "STARGATE_PREFIX", "/sg"));
        assertEquals("9999", o.mpConfig().get("server.port"));
        assertEquals("http://a:2379", o.mpConfig().get("stargate.etcd"));
        assertEquals("/sg", o.mpConfig().get("stargate.prefix"));
    }

    @Test
    void logsAreTextUnlessTheFlagOrItsVariableSaysJson() throws Exception {
        assertEquals(stargate.model.telemetry.LogFormat.TEXT, Options.parse(new String[] {"--etcd", "x"}, Map.of()).logFormat());
        assertEquals(stargate.model.telemetry.LogFormat.JSON,
                Options.parse(new String[] {"--etcd", "x"}, Map.of("STARGATE_LOG_FORMAT", "json")).logFormat());
    }

    @Test
    void withoutAuthTheControllerBindsToLoopbackWhateverHostSays() throws Exception {
        Options open = Options.parse(new String[] {"--etcd", "http://e:2379", "--host", "0.0.0.0"}, Map.of());
        assertFalse(open.authConfigured());
        assertEquals("127.0.0.1", open.mpConfig().get("server.host"));
        Options keyed = Options.parse(new String[] {"--etcd", "http://e:2379", "--host", "0.0.0.0"},
                Map.of("STARGATE_API_KEYS", "/etc/keys.yaml"));
        assertTrue(keyed.authConfigured());
        assertEquals("0.0.0.0", keyed.mpConfig().get("server.host"));
        assertEquals("/etc/keys.yaml", keyed.mpConfig().get("stargate.api-keys"));
    }

    @Test
    void gitFlagsAndSwitchesBecomeGitOpsConfig() throws Exception {
        Options o = Options.parse(new String[] {"--etcd", "x", "--git", "file:///r", "--git-path", "config", "--git-self-heal",
                "--git-no-prune", "--git-interval=1m"}, Map.of("STARGATE_GIT_BRANCH", "prod", "STARGATE_GIT_ALLOW_EMPTY", "true"));
        Map<String, String> mp = o.mpConfig();
        assertEquals("file:///r", mp.get("stargate.git.url"));
        assertEquals("prod", mp.get("stargate.git.branch"));
        assertEquals("config", mp.get("stargate.git.path"));
        assertEquals("1m", mp.get("stargate.git.interval"));
        assertEquals("true", mp.get("stargate.git.self-heal"));
        assertEquals("false", mp.get("stargate.git.prune"));
        assertEquals("true", mp.get("stargate.git.allow-empty"));
        assertFalse(Options.parse(new String[] {"--etcd", "x"}, Map.of()).mpConfig().containsKey("stargate.git.url"));
    }

    @Test
    void unusableCommandLinesSayWhy() {
        assertTrue(assertThrows(Options.UsageException.class, () -> Options.parse(new String[0], Map.of()))
                .getMessage().contains("--etcd"));
        assertThrows(Options.UsageException.class, () -> Options.parse(new String[] {"--etcd", "x", "--jwt-issuer", "i"}, Map.of()));
        assertThrows(Options.UsageException.class, () -> Options.parse(new String[] {"--etcd", "x", "--port", "http"}, Map.of()));
        assertThrows(Options.UsageException.class, () -> Options.parse(new String[] {"--etcd", "x", "--colour", "red"}, Map.of()));
        assertTrue(assertThrows(Options.UsageException.class,
                () -> Options.parse(new String[] {"--etcd", "x", "--git-branch", "b"}, Map.of())).getMessage().contains("--git URL"));
        assertThrows(Options.UsageException.class,
                () -> Options.parse(new String[] {"--etcd", "x", "--git", "file:///r", "--git-interval", "soon"}, Map.of()));
        assertThrows(Options.UsageException.class, () -> Options.parse(new String[] {"--etcd", "x", "--history-keep", "0"}, Map.of()));
        assertThrows(Options.UsageException.class, () -> Options.parse(new String[] {"--etcd"}, Map.of()));
        assertEquals("--log-format must be text or json, got \"xml\"", assertThrows(Options.UsageException.class,
                () -> Options.parse(new String[] {"--etcd", "x", "--log-format", "xml"}, Map.of())).getMessage());
        assertTrue(assertThrows(Options.UsageException.class, () -> Options.parse(new String[] {"--etcd", "x",
                "--grpc-tls-cert", "c.pem"}, Map.of())).getMessage().contains("go together"));
        assertTrue(assertThrows(Options.UsageException.class, () -> Options.parse(new String[] {"--etcd", "x",
                "--grpc-tls-cert", "c.pem", "--grpc-tls-key", "k.pem", "--grpc-port", "0"}, Map.of())).getMessage()
                .contains("turns it off"), "TLS for a port that is off is refused, not ignored");
        assertEquals("--rollout-policy: rollout-policy.bake: expected a duration from 1s to 24h, got \"0s\"",
                assertThrows(Options.UsageException.class, () -> Options.parse(new String[] {"--etcd", "x",
                        "--rollout-policy", "{\"bake\": \"0s\"}"}, Map.of())).getMessage());
        assertTrue(assertThrows(Options.UsageException.class, () -> Options.parse(new String[] {"--etcd", "x",
                "--rollout-policy", "bake=2m"}, Map.of())).getMessage().startsWith("--rollout-policy: not JSON"));
    }

    @Test
    void theRolloutPolicyFlagBecomesTheDefaultPolicy() throws Exception {
        Map<String, String> mp = Options.parse(new String[] {"--etcd", "x", "--rollout-policy", "{\"bake\": \"30s\"}"},
                Map.of()).mpConfig();
        assertEquals(java.time.Duration.ofSeconds(30),
                stargate.controller.rollout.Rollouts.defaults(mp.get("stargate.rollout.policy")).bake());
    }

    @Test
    void gitRolloutFlagsAreCheckedAndReachTheGitSettings() throws Exception {
        Map<String, String> mp = Options.parse(new String[] {"--etcd", "x", "--git", "file:///r", "--git-rollout", "canary",
                "--git-rollout-policy", "{\"bake\": \"5m\"}"}, Map.of()).mpConfig();
        assertEquals("canary", mp.get("stargate.git.rollout"));
        assertEquals("{\"bake\": \"5m\"}", mp.get("stargate.git.rollout-policy"));
        assertEquals("--git-rollout must be canary (the one kind of rollout), got linear", assertThrows(Options.UsageException.class,
                () -> Options.parse(new String[] {"--etcd", "x", "--git", "file:///r", "--git-rollout", "linear"}, Map.of()))
                .getMessage());
        assertTrue(assertThrows(Options.UsageException.class, () -> Options.parse(new String[] {"--etcd", "x",
                "--git-rollout", "canary"}, Map.of())).getMessage().contains("--git URL"));
        assertEquals("--git-rollout-policy needs --git-rollout canary", assertThrows(Options.UsageException.class,
                () -> Options.parse(new String[] {"--etcd", "x", "--git", "file:///r", "--git-rollout-policy", "{}"}, Map.of()))
                .getMessage());
        assertTrue(assertThrows(Options.UsageException.class, () -> Options.parse(new String[] {"--etcd", "x", "--git", "file:///r",
                "--git-rollout", "canary", "--git-rollout-policy", "{\"canary_percent\": 0}"}, Map.of())).getMessage()
                .startsWith("--git-rollout-policy: "));
    }
}
