package stargate.node.plugin.proxycache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * proxy-cache's defaults against a flood of distinct keys, in a child JVM with a 256 MiB heap
 * ({@link ProxyCacheSmallHeapMain}): before {@code max_memory}, 10,000 entries of 1 MiB could be held.
 */
class ProxyCacheMemoryTest {
    private static final long MAX_MEMORY = 64L << 20;

    @Test
    void threeHundredDistinctOneMebibyteAnswersStayWithinMaxMemoryOnA256MiBHeap() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process child = new ProcessBuilder(java.toString(), "-Xmx256m", "-XX:+ExitOnOutOfMemoryError",
                "-cp", System.getProperty("java.class.path"), ProxyCacheSmallHeapMain.class.getName())
                .redirectErrorStream(true).start();
        byte[] output = child.getInputStream().readAllBytes();       // until the child exits and closes it
        assertTrue(child.waitFor(120, TimeUnit.SECONDS), "child still running");
        String log = new String(output, StandardCharsets.UTF_8);
        assertEquals(0, child.exitValue(), log);
        List<String> held = log.lines().filter(l -> l.startsWith("held_bytes=")).toList();
        assertEquals(1, held.size(), log);
        long heldBytes = Long.parseLong(held.get(0).substring("held_bytes=".length()));
        assertTrue(heldBytes <= MAX_MEMORY, "held " + heldBytes);
        assertTrue(heldBytes > MAX_MEMORY - 2 * ProxyCacheSmallHeapMain.BODY_BYTES,
                "the budget is used, not just respected: held " + heldBytes);
        System.out.println("proxy-cache after " + ProxyCacheSmallHeapMain.REQUESTS + " x 1 MiB: " + held.get(0));
    }
}
