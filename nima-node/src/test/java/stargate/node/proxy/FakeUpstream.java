package stargate.node.proxy;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32;

import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLSocket;

/**
 * A loopback upstream whose every connection runs a script on a virtual thread: either raw bytes
 * ({@link #raw}) or a keep-alive HTTP/1.1 loop that parses requests and lets a handler write each
 * response ({@link #http}). Counts connections and records requests.
 */
final class FakeUpstream implements AutoCloseable {
    /** Scripts one accepted connection. */
    interface Script {
        void serve(Socket socket, InputStream in, OutputStream out) throws Exception;
    }

    /** Writes the raw response to one parsed request. Return false to close the connection after it. */
    interface Handler {
        boolean respond(Request request, OutputStream out) throws Exception;
    }

    /** A parsed request; the body is kept up to {@link #KEPT_BODY} bytes, and always counted and checksummed. */
    record Request(String method, String target, List<String[]> headers, byte[] body, long bodyLength, long bodyCrc,
                   boolean chunked) {
        /** All values of a header, case-insensitively. */
        List<String> all(String name) {
            return RawHeaders.all(headers, name);
        }

        String header(String name) {
            return RawHeaders.first(headers, name);
        }

        String bodyText() {
            return new String(body, StandardCharsets.ISO_8859_1);
        }
    }

    static final int KEPT_BODY = 1 << 20;

    private final ServerSocket server;
    private final Script script;
    final AtomicInteger connections = new AtomicInteger();
    final AtomicInteger openNow = new AtomicInteger();
    final AtomicInteger maxOpen = new AtomicInteger();
    final BlockingQueue<Request> requests = new LinkedBlockingQueue<>();
    /** On a TLS server socket: the SNI host names clients asked for. */
    final List<String> serverNames = new CopyOnWriteArrayList<>();

    private FakeUpstream(ServerSocket server, Script script) {
        this.server = server;
        this.script = script;
        Thread.ofVirtual().start(this::acceptLoop);
    }

    static FakeUpstream raw(Script script) throws IOException {
        return new FakeUpstream(loopback(), script);
    }

    static FakeUpstream http(Handler handler) throws IOException {
        return http(loopback(), handler);
    }

    /** An HTTP upstream on a given (e.g. TLS) server socket. */
    static FakeUpstream http(ServerSocket server, Handler handler) {
        FakeUpstream[] self = new FakeUpstream[1];
        self[0] = new FakeUpstream(server, (socket, in, out) -> {
            while (true) {
                Request request = readRequest(in);
                if (request == null) {
                    return;
                }
                self[0].requests.add(request);
                boolean keepAlive = handler.respond(request, out);
                out.flush();
                if (!keepAlive) {
                    return;
                }
            }
        });
        return self[0];
    }

    /** A handler answering 200 with {@code body} and a Content-Length. */
    static Handler ok(String body) {
        return (request, out) -> {
            write(out, "HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
            return true;
        };
    }

    private static ServerSocket loopback() throws IOException {
        return new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
    }

    String url() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    int port() {
        return server.getLocalPort();
    }

    Request nextRequest() throws InterruptedException {
        Request request = requests.poll(10, java.util.concurrent.TimeUnit.SECONDS);
        if (request == null) {
            throw new AssertionError("upstream received no request");
        }
        return request;
    }

    @Override
    public void close() throws IOException {
        server.close();
    }

    static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                return;
            }
            connections.incrementAndGet();
            maxOpen.accumulateAndGet(openNow.incrementAndGet(), Math::max);
            Thread.ofVirtual().start(() -> {
                try (socket) {
                    socket.setTcpNoDelay(true);
                    if (socket instanceof SSLSocket tls && tls.getSession() instanceof ExtendedSSLSession session) {
                        session.getRequestedServerNames().forEach(name -> serverNames.add(((SNIHostName) name).getAsciiName()));
                    }
                    script.serve(socket, new BufferedInputStream(socket.getInputStream(), 65536), socket.getOutputStream());
                } catch (Exception ignored) {
                    // the proxy hung up; that is what some tests do
                } finally {
                    openNow.decrementAndGet();
                }
            });
        }
    }

    /** @return the next request, or null if the connection closed before one started */
    static Request readRequest(InputStream in) throws IOException {
        String requestLine = readLine(in);
        if (requestLine == null) {
            return null;
        }
        String[] parts = requestLine.split(" ");
        List<String[]> headers = new ArrayList<>();
        for (String line = readLine(in); line != null && !line.isEmpty(); line = readLine(in)) {
            int colon = line.indexOf(':');
            headers.add(new String[] {line.substring(0, colon), line.substring(colon + 1).strip()});
        }
        String length = null;
        boolean chunked = false;
        for (String[] h : headers) {
            String name = h[0].toLowerCase(Locale.ROOT);
            length = name.equals("content-length") ? h[1] : length;
            chunked |= name.equals("transfer-encoding") && h[1].equalsIgnoreCase("chunked");
        }
        BodySink body = new BodySink();
        if (chunked) {
            for (long size = Long.parseLong(readLine(in).split(";")[0].strip(), 16); size > 0;
                 size = Long.parseLong(readLine(in).split(";")[0].strip(), 16)) {
                body.copy(in, size);
                readLine(in);
            }
            for (String line = readLine(in); line != null && !line.isEmpty(); line = readLine(in)) {
                // trailers
            }
        } else if (length != null) {
            body.copy(in, Long.parseLong(length));
        }
        return new Request(parts[0], parts[1], headers, body.kept.toByteArray(), body.length, body.crc.getValue(), chunked);
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                return line.isEmpty() ? null : line.toString();
            }
            line.append((char) b);
        }
        int end = line.length();
        return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
    }

    private static final class BodySink {
        final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        final CRC32 crc = new CRC32();
        final byte[] buffer = new byte[65536];
        long length;

        void copy(InputStream in, long size) throws IOException {
            for (long remaining = size; remaining > 0; ) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, remaining));
                if (n < 0) {
                    throw new EOFException();
                }
                crc.update(buffer, 0, n);
                if (length < KEPT_BODY) {
                    kept.write(buffer, 0, (int) Math.min(n, KEPT_BODY - length));
                }
                length += n;
                remaining -= n;
            }
        }
    }
}
