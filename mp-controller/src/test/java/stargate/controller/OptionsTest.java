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
    void unusableCommandLinesSayWhy() {
        assertTrue(assertThrows(Options.UsageException.class, () -> Options.parse(new String[0], Map.of()))
                .getMessage().contains("--etcd"));
        assertThrows(Options.UsageException.class, () -> Options.parse(new String[] {"--etcd", "x", "--jwt-issuer", "i"}, Map.of()));
        assertThrows(Options.UsageException.class, () -> Options.parse(new String[] {"--etcd", "x", "--port", "http"}, Map.of()));
        assertThrows(Options.UsageException.class, () -> Options.parse(new String[] {"--etcd", "x", "--colour", "red"}, Map.of()));
        assertTrue(assertThrows(Options.UsageException.class,
                () -> Options.parse(new String[] {"--etcd", "x", "--git", "file:///r"}, Map.of())).getMessage().contains("GitOps"));
        assertThrows(Options.UsageException.class, () -> Options.parse(new String[] {"--etcd"}, Map.of()));
    }
}
