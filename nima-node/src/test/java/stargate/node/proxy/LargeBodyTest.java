package stargate.node.proxy;

import java.io.BufferedInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import stargate.model.Upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 1 GiB each way through the proxy in a JVM whose heap is far smaller (surefire runs this class alone
 * with -Xmx256m): bytes are generated and checksummed on the fly, so passing proves nothing buffers a body.
 */
class LargeBodyTest {
    private static final long GIB = 1L << 30;
    private static final byte[] PATTERN = pattern();
    private static ProxyFront front;
    private FakeUpstream upstream;

    @BeforeAll
    static void startFront() {
        assertTrue(Runtime.getRuntime().maxMemory() < GIB / 2,
                   "run with a small heap (-Xmx256m), else this test proves nothing: " + Runtime.getRuntime().maxMemory());
        front = new ProxyFront();
    }

    @AfterAll
    static void stopFront() {
        front.close();
    }

    @AfterEach
    void stopUpstream() throws Exception {
        front.pool.close();
        upstream.close();
    }

    @Test
    void aOneGibUploadStreamsThrough() throws Exception {
        upstream = FakeUpstream.http((request, out) -> {
            String sum = request.bodyLength() + ":" + request.bodyCrc();
            FakeUpstream.write(out, "HTTP/1.1 200 OK\r\nContent-Length: " + sum.length() + "\r\n\r\n" + sum);
            return true;
        });
        front.pool = TargetPool.create(upstream.url(), Upstream.Pool.DEFAULT, null);
        CRC32 sent = new CRC32();
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), front.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(("PUT /upload HTTP/1.1\r\nHost: h\r\nContent-Length: " + GIB + "\r\n\r\n")
                              .getBytes(StandardCharsets.ISO_8859_1));
            for (long written = 0; written < GIB; written += PATTERN.length) {
                out.write(PATTERN);
                sent.update(PATTERN);
            }
            out.flush();
            RawClient.Response response = RawClient.read(new BufferedInputStream(socket.getInputStream()), false);
            assertEquals(200, response.status());
            assertEquals(GIB + ":" + sent.getValue(), response.bodyText());
        }
    }

    @Test
    void aOneGibDownloadStreamsThrough() throws Exception {
        CRC32 generated = new CRC32();
        upstream = FakeUpstream.http((request, out) -> {
            FakeUpstream.write(out, "HTTP/1.1 200 OK\r\nContent-Length: " + GIB + "\r\n\r\n");
            for (long written = 0; written < GIB; written += PATTERN.length) {
                out.write(PATTERN);
                generated.update(PATTERN);
            }
            return true;
        });
        front.pool = TargetPool.create(upstream.url(), Upstream.Pool.DEFAULT, null);
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), front.port())) {
            socket.getOutputStream().write("GET /download HTTP/1.1\r\nHost: h\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = new BufferedInputStream(socket.getInputStream(), 65536);
            String head = readHead(in);
            assertTrue(head.startsWith("HTTP/1.1 200"), head);
            assertTrue(head.contains("Content-Length: " + GIB), head);
            CRC32 received = new CRC32();
            byte[] buffer = new byte[65536];
            long total = 0;
            for (int n = in.read(buffer); n > 0 && total < GIB; n = in.read(buffer, 0, (int) Math.min(buffer.length, GIB - total))) {
                received.update(buffer, 0, n);
                total += n;
            }
            assertEquals(GIB, total);
            assertEquals(generated.getValue(), received.getValue());
        }
    }

    private static String readHead(InputStream in) throws Exception {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0 || head.length() > 16384) {
                break;
            }
            head.append((char) b);
        }
        return head.toString();
    }

    /** 64 KiB of non-repeating-looking bytes, so a misplaced or dropped piece changes the checksum. */
    private static byte[] pattern() {
        byte[] bytes = new byte[65536];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (i * 31 + (i >> 8) * 7);
        }
        return bytes;
    }
}
