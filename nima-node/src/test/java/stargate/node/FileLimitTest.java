package stargate.node;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Connections past the process's open file limit must not kill the listener. A node in a process of its own
 * with {@code ulimit -n 1024}; 1,200 silent connections from two addresses (under every connection limit of
 * the node's) are held open, then closed; a well-behaved client is then served. Before the listener's
 * accepts were bounded by the file limit, the accept that met EMFILE ended Helidon's accept loop ("this
 * server socket is terminating now") and the port served nobody again.
 */
class FileLimitTest {
    private static final int HELD_PER_ADDRESS = 600;

    @Test
    void connectionsPastTheFileLimitDoNotKillTheListener(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("stargate.yaml");
        Files.writeString(config, """
                routes:
                  - {id: r, paths: ["/*"], upstream: u}
                upstreams:
                  - id: u
                    targets: [{url: "http://127.0.0.1:9"}]
                """);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String command = "ulimit -n 1024 && exec " + java + " -Xmx128m -cp " + System.getProperty("java.class.path")
                + " stargate.node.Main node --config " + config + " --host 127.0.0.1 --port 0 --https-port 0 --admin-port 0"
                + " --access-log off --client-header-timeout 60s --client-timeout 60s";
        Process node = new ProcessBuilder("nice", "-n", "19", "bash", "-c", command).redirectErrorStream(true).start();
        List<String> output = new CopyOnWriteArrayList<>();
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            Pattern listening = Pattern.compile("event=listening proxy=127\\.0\\.0\\.1:(\\d+)");
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                    output.add(line);
                    Matcher m = listening.matcher(line);
                    if (m.find()) {
                        port.complete(Integer.parseInt(m.group(1)));
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
            port.completeExceptionally(new AssertionError("the node did not start: " + String.join("\n", output)));
        });
        List<Socket> held = new ArrayList<>();
        try {
            int proxy = port.get(120, TimeUnit.SECONDS);
            for (String from : List.of("127.0.0.2", "127.0.0.3")) {
                for (int i = 0; i < HELD_PER_ADDRESS; i++) {
                    Socket socket = new Socket();
                    socket.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
                    socket.connect(new InetSocketAddress("127.0.0.1", proxy), 10_000);     // the kernel's backlog takes it
                    held.add(socket);
                }
            }
            Thread.sleep(3_000);        // the listener accepts what it may meanwhile
            for (Socket socket : held) {
                socket.close();
            }
            held.clear();
            String answer = answer(proxy);
            assertTrue(answer.startsWith("HTTP/1.1 502 "), "the listener serves again: " + answer);
            assertTrue(output.stream().noneMatch(l -> l.contains("terminating now") || l.contains("Too many open files")),
                    String.join("\n", output));
            assertTrue(output.stream().anyMatch(l -> l.contains("event=file_limit_low")), "the node said its file limit "
                    + "is below --max-connections: " + String.join("\n", output));
        } finally {
            for (Socket socket : held) {
                socket.close();
            }
            node.destroy();
            if (!node.waitFor(30, TimeUnit.SECONDS)) {
                node.destroyForcibly();
            }
        }
    }

    /** A request's answer, tried again (bounded: 60 s) while the node is still closing the held connections. */
    private static String answer(int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        IOException last = null;
        while (System.nanoTime() < deadline) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write("GET /after HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                return RunningNode.readResponse(socket.getInputStream());
            } catch (IOException e) {
                last = e;
                Thread.sleep(500);
            }
        }
        throw new AssertionError("no answer within 60 s", last);
    }
}
