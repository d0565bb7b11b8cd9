package stargate.node.plugin;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.management.HotSpotDiagnosticMXBean;

/**
 * A loopback HTTP server that answers every request with its status line and headers at once (a
 * 1 MB {@code Content-Length}), then one body byte per {@code interval}, until the client goes.
 * It notes how long each connection lived: a client that enforces its deadline closes it in time.
 */
public final class TricklingServer implements AutoCloseable {
    private final ServerSocket listener;
    private final Duration interval;
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();
    private final List<Duration> lifetimes = new ArrayList<>();

    public TricklingServer(Duration interval) throws IOException {
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.interval = interval;
        Thread.ofVirtual().start(this::acceptLoop);
    }

    public String url(String path) {
        return "http://127.0.0.1:" + listener.getLocalPort() + path;
    }

    public int accepted() {
        return accepted.get();
    }

    /** How long each closed connection lived, accept to the client's close (EOF or reset), in closing order. */
    public List<Duration> lifetimes() {
        synchronized (lifetimes) {
            return List.copyOf(lifetimes);
        }
    }

    /** @return whether every accepted connection was closed by its client within {@code limit} */
    public boolean awaitAllClosed(Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (open.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return open.get() == 0;
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket connection = listener.accept();
                accepted.incrementAndGet();
                open.incrementAndGet();
                Thread.ofVirtual().start(() -> serve(connection));
            } catch (IOException e) {
                return;     // closed
            }
        }
    }

    private void serve(Socket connection) {
        long start = System.nanoTime();
        try (connection) {
            OutputStream out = connection.getOutputStream();
            Thread writer = Thread.ofVirtual().start(() -> trickle(out));
            InputStream in = connection.getInputStream();
            while (in.read() >= 0) {
                // the request, then nothing until the client closes (EOF) or resets (exception)
            }
            writer.interrupt();
        } catch (IOException e) {
            // reset by the client: closed as well
        } finally {
            synchronized (lifetimes) {
                lifetimes.add(Duration.ofNanos(System.nanoTime() - start));
            }
            open.decrementAndGet();
        }
    }

    private void trickle(OutputStream out) {
        try {
            out.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            while (true) {
                Thread.sleep(interval);
                out.write(' ');
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // the client went away
        }
    }

    /**
     * How many live threads (virtual ones included) have {@code frame} (e.g. {@code "JwksKeys.fetch("})
     * on their stack, from a JVM thread dump.
     */
    public static int threadsRunning(String frame) throws IOException {
        Path dump = Files.createTempFile("threads", ".json");
        Files.delete(dump);     // dumpThreads refuses to overwrite
        try {
            ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                    .dumpThreads(dump.toString(), HotSpotDiagnosticMXBean.ThreadDumpFormat.JSON);
            String text = Files.readString(dump);
            int count = 0;
            for (int at = text.indexOf(frame); at >= 0; at = text.indexOf(frame, at + 1)) {
                count++;
            }
            return count;
        } finally {
            Files.deleteIfExists(dump);
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
