package stargate.it.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import stargate.model.codec.Units;

/**
 * The units of etc/systemd: what each must set (Type=exec, EnvironmentFile, restart policy, a stop
 * timeout longer than the node's drain, hardening), and {@code systemd-analyze verify} on them when
 * the tool is on this machine (any warning fails: verify exits 0 on unknown keys).
 */
class SystemdUnitTest {
    private static final Path DIR = HelmChart.ROOT.resolve("etc/systemd");
    private static final List<String> HARDENING = List.of("NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes",
            "PrivateTmp=yes", "PrivateDevices=yes", "CapabilityBoundingSet=", "RestrictSUIDSGID=yes",
            "ProtectKernelTunables=yes", "ProtectControlGroups=yes", "SystemCallArchitectures=native");

    @Test
    void nodeUnitStopsAfterTheDrainAndIsHardened() throws IOException {
        Map<String, List<String>> unit = parse(DIR.resolve("stargate-node.service"));
        commonSettings(unit, "/etc/stargate/node.env");
        String cache = "/var/cache/stargate/node.aot";
        assertEquals("/usr/bin/java $STARGATE_JAVA_OPTS -XX:AOTCache=" + cache + " -jar /opt/stargate/stargate-node.jar node",
                one(unit, "ExecStart"));
        // the cache ExecStart loads is (re)made first for this jar and JDK, and a failed training does not stop the start
        assertEquals("-/opt/stargate/stargate-aot-cache ensure --java /usr/bin/java --jar /opt/stargate/stargate-node.jar --cache "
                + cache + " -- node", one(unit, "ExecStartPre"));
        assertTrue(cache.startsWith("/var/cache/" + one(unit, "CacheDirectory") + "/"), "the cache is in the unit's writable CacheDirectory");
        long training = Long.parseLong(one(unit, "Environment").replace("STARGATE_AOT_TRAIN_TIMEOUT=", ""));
        assertTrue(training < Long.parseLong(one(unit, "TimeoutStartSec")) / 2,
                "a training that cannot get ready gives up while the start still has most of TimeoutStartSec: " + training);
        Map<String, String> env = envFile(DIR.resolve("node.env"));
        long drain = Units.parseDuration(env.get("STARGATE_DRAIN_TIMEOUT")).toSeconds();
        long stop = Long.parseLong(one(unit, "TimeoutStopSec"));
        assertTrue(stop > drain, "TimeoutStopSec " + stop + " > drain " + drain + " s, or systemd kills a drain");
        assertNotNull(env.get("STARGATE_JAVA_OPTS"));
    }

    @Test
    void controllerUnitHasAuthAndIsHardened() throws IOException {
        Map<String, List<String>> unit = parse(DIR.resolve("stargate-controller.service"));
        commonSettings(unit, "/etc/stargate/controller.env");
        assertTrue(one(unit, "ExecStart").endsWith("-jar /opt/stargate/stargate-controller.jar"), one(unit, "ExecStart"));
        assertEquals("143", one(unit, "SuccessExitStatus"), "the JVM exits 143 after SIGTERM");
        Map<String, String> env = envFile(DIR.resolve("controller.env"));
        assertTrue(env.containsKey("STARGATE_API_KEYS") || env.containsKey("STARGATE_JWT_ISSUER"),
                "without auth the controller binds 127.0.0.1 only");
    }

    @Test
    void systemdAnalyzeVerifiesTheUnits(@TempDir Path dir) throws Exception {
        Path tool = Path.of("/usr/bin/systemd-analyze");
        assumeTrue(Files.isExecutable(tool), "systemd-analyze is not on this machine");
        // verify checks that ExecStart's binary exists: point it at the JDK running this test
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(tool.toString(), "verify"));
        for (String name : List.of("stargate-node.service", "stargate-controller.service")) {
            Path copy = dir.resolve(name);
            Files.writeString(copy, Files.readString(DIR.resolve(name)).replace("/usr/bin/java ", java + " ")
                    .replace("/opt/stargate/stargate-aot-cache", HelmChart.ROOT.resolve("bin/stargate-aot-cache").toString()));
            command.add(copy.toString());
        }
        Process verify = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(verify.waitFor(30, TimeUnit.SECONDS), "systemd-analyze verify hangs");
        String output = new String(verify.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, verify.exitValue(), output);
        assertEquals("", output.strip(), "systemd-analyze verify warns");
    }

    private static void commonSettings(Map<String, List<String>> unit, String envFile) {
        assertEquals("exec", one(unit, "Type"));
        assertEquals(envFile, one(unit, "EnvironmentFile"));
        assertEquals("on-failure", one(unit, "Restart"));
        assertEquals("SIGTERM", one(unit, "KillSignal"));
        assertEquals("stargate", one(unit, "User"));
        assertFalse(unit.containsKey("MemoryDenyWriteExecute"), "the JIT needs W+X memory");
        for (String setting : HARDENING) {
            String key = setting.substring(0, setting.indexOf('='));
            assertEquals(setting.substring(key.length() + 1), one(unit, key), key);
        }
        assertEquals("multi-user.target", one(unit, "WantedBy"));
    }

    private static String one(Map<String, List<String>> unit, String key) {
        List<String> values = unit.get(key);
        assertNotNull(values, key + " is not set");
        assertEquals(1, values.size(), key + " is set more than once");
        return values.get(0);
    }

    private static Map<String, List<String>> parse(Path file) throws IOException {
        Map<String, List<String>> settings = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#") || t.startsWith("[")) {
                continue;
            }
            int eq = t.indexOf('=');
            settings.computeIfAbsent(t.substring(0, eq), k -> new ArrayList<>()).add(t.substring(eq + 1));
        }
        return settings;
    }

    private static Map<String, String> envFile(Path file) throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            if (!line.isBlank() && !line.startsWith("#")) {
                env.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
            }
        }
        return env;
    }
}
