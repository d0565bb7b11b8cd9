package stargate.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lingering close (nginx's {@code lingering_close}): when the node answers before reading a request's body
 * and closes, it first ends its side and reads and discards what the client still sends, so the client
 * gets the answer instead of a reset; and, tried as an attacker would, a client that keeps sending is cut
 * after a bound in bytes, and one that trickles or goes silent after a bound in time.
 */
class LingeringCloseTest {
    /** The part of a chunked upload a client sends after its 413 (under the node's 1 MiB linger bound). */
    private static final int REST = 256 * 1024;
    private ServerSocket upstream;
    @TempDir
    Path dir;

    @BeforeEach
    void startUpstream() throws IOException {
        // never reached: the body is refused before any upstream is called; a port that is listening all the same
        upstream = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    }

    @AfterEach
    void stopUpstream() throws IOException {
        upstream.close();
    }

    private RunningNode start(String... flags) throws IOException {
        return RunningNode.start(dir, """
                routes:
                  - {id: limited, paths: ["/limited"], upstream: u, plugins: {request-size-limit: {max_body_size: 1KiB}}}
                upstreams:
                  - {id: u, targets: [{url: "http://127.0.0.1:%d"}]}
                """.formatted(upstream.getLocalPort()), flags);
    }

    /** Opens a chunked upload to /limited, sends 2 KiB of it (over the limit) and reads the 413. */
    private static Socket uploadPastTheLimit(RunningNode node) throws Exception {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), node.node.port());
        socket.setSoTimeout(20_000);
        String firstChunk = Integer.toHexString(2048) + "\r\n" + "x".repeat(2048) + "\r\n";
        socket.getOutputStream().write(("POST /limited HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                + firstChunk).getBytes(StandardCharsets.US_ASCII));
        String answer = RunningNode.readResponse(socket.getInputStream());
        assertTrue(answer.startsWith("HTTP/1.1 413 "), answer);
        assertTrue(answer.contains("\"error\":\"body_too_large\""), answer);
        return socket;
    }

    /** A 16 KiB chunk of an upload. */
    private static byte[] chunk() {
        return (Integer.toHexString(16 * 1024) + "\r\n" + "y".repeat(16 * 1024) + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** Writes {@code piece} until a write fails (the node cut the connection) or {@code limit} bytes went; returns bytes written. */
    private static long writeUntilCut(OutputStream out, byte[] piece, long limit, Duration pause) throws InterruptedException {
        long written = 0;
        try {
            while (written < limit) {
                out.write(piece);
                out.flush();
                written += piece.length;
                if (!pause.isZero()) {
                    Thread.sleep(pause);
                }
            }
        } catch (IOException e) {
            return written;     // reset or broken pipe: the node closed the connection
        }
        return -1;
    }

    /**
     * Lingering against a drain: many clients that got their 413 go on trickling bytes while the node drains
     * (SIGTERM). They are no requests in flight, so the drain must not wait for them, and each is closed.
     */
    @Test
    void tricklingLingerersDoNotHoldUpTheDrain() throws Exception {
        int lingerers = 40;
        RunningNode node = start();
        List<Socket> sockets = new ArrayList<>();
        List<Thread> tricklers = new ArrayList<>();
        java.util.concurrent.atomic.AtomicInteger cut = new java.util.concurrent.atomic.AtomicInteger();
        try {
            for (int i = 0; i < lingerers; i++) {
                Socket socket = uploadPastTheLimit(node);
                sockets.add(socket);
                tricklers.add(Thread.ofVirtual().start(() -> {
                    try {       // a byte every 500 ms: under the linger's 5 s pause bound, for up to its 30 s
                        for (int b = 0; b < 60; b++) {
                            socket.getOutputStream().write('y');
                            socket.getOutputStream().flush();
                            Thread.sleep(500);
                        }
                    } catch (IOException closed) {
                        cut.incrementAndGet();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
            }
            assertEquals(200, node.adminGet("/health/ready").statusCode(), "the node is up beside the lingerers");
            long start = System.nanoTime();
            boolean finished = node.node.drainAndStop(Duration.ofSeconds(5));
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            System.out.println("event=drain_with_lingerers lingerers=" + lingerers + " took_ms=" + tookMs);
            assertTrue(finished, "no request was in flight");
            assertTrue(tookMs < 4_000, "the drain waited " + tookMs + " ms for connections that had their answers");
            for (Thread trickler : tricklers) {
                trickler.join(10_000);
            }
            assertEquals(lingerers, cut.get(), "every lingering connection was closed");
        } finally {
            for (Socket socket : sockets) {
                socket.close();
            }
            node.close();
        }
    }

    @Test
    void aClientStillUploadingAfterItsEarly413SendsTheRestAndSeesTheAnswerEnd() throws Exception {
        try (RunningNode node = start(); Socket socket = uploadPastTheLimit(node)) {
            // the node answered before the body ended; the client goes on sending it, as HTTP clients do
            OutputStream out = socket.getOutputStream();
            for (int sent = 0; sent < REST; sent += 16 * 1024) {
                out.write(chunk());
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();        // no reset: the node still reads (and discards) the upload after its answer
            InputStream in = socket.getInputStream();
            assertEquals(-1, in.read(), "the answer ends with the node's FIN: nothing follows it, and no reset");
        }
    }

    @Test
    void aClientThatKeepsSendingAfterItsAnswerIsCutAfterTheByteBound() throws Exception {
        try (RunningNode node = start(); Socket socket = uploadPastTheLimit(node)) {
            long written = writeUntilCut(socket.getOutputStream(), chunk(), 256L << 20, Duration.ZERO);
            // the node discards 1 MiB, then closes; the socket buffers of both sides take some more
            assertTrue(written > 0, "cut before 256 MiB went: the node does not read an endless upload");
            assertTrue(written >= 1 << 20, "cut only after the linger bound: " + written);
        }
    }

    @Test
    void aClientThatTricklesAfterItsAnswerIsCutAfterTheTimeBound() throws Exception {
        try (RunningNode node = start("--client-body-timeout", "3s"); Socket socket = uploadPastTheLimit(node)) {
            long start = System.nanoTime();
            // a byte every 100 ms: never a pause, so only the bound on the whole linger ends it
            long written = writeUntilCut(socket.getOutputStream(), new byte[] {'y'}, 400, Duration.ofMillis(100));
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(written > 0, "cut before 40 s of trickling: the linger is bounded in time");
            assertTrue(millis >= 1_000, "lingered about the body timeout (3 s) first: " + millis + " ms");
        }
    }

    @Test
    void aSilentClientIsCutAfterThePauseBoundAndHeldItsConnectionSlotTillThen() throws Exception {
        // one connection per client address: while the first lingers, no second one is served
        try (RunningNode node = start("--max-connections-per-ip", "1"); Socket silent = uploadPastTheLimit(node)) {
            long start = System.nanoTime();
            String answer = "";
            for (int attempt = 0; attempt < 150 && !answer.startsWith("HTTP/1.1 413 "); attempt++) {   // bounded: 30 s
                try (Socket next = new Socket(InetAddress.getLoopbackAddress(), node.node.port())) {
                    next.setSoTimeout(10_000);
                    next.getOutputStream().write("POST /limited HTTP/1.1\r\nHost: x\r\nContent-Length: 2048\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                    answer = RunningNode.readResponse(next.getInputStream());
                } catch (IOException refused) {
                    answer = "";    // closed unanswered: the silent connection still holds the slot
                }
                if (!answer.startsWith("HTTP/1.1 413 ")) {
                    Thread.sleep(200);
                }
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(answer.startsWith("HTTP/1.1 413 "), "the silent connection was cut, freeing its slot: " + answer);
            assertTrue(millis >= 3_000, "after the 5 s pause bound, not before: " + millis + " ms");
            assertEquals(-1, silent.getInputStream().read(), "the silent client saw the answer end, then the close");
        }
    }
}
