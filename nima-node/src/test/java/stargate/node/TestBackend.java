package stargate.node;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback HTTP/1.1 upstream whose behaviour a test switches at any time ({@link #mode}), that can die
 * ({@link #stop}: listener and every connection closed, so connects are refused) and come back on the same
 * port ({@link #restart}). Keep-alive; answers {@code {"backend":"NAME"}}. Requests to {@code /healthz}
 * (the active checks) are counted apart from the others.
 */
final class TestBackend implements AutoCloseable {
    enum Mode {
        /** 200 with the backend's name. */
        OK,
        /** 503 with the backend's name. */
        UNAVAILABLE,
        /** 500 with the backend's name. */
        ERROR,
        /** Reads the request, never answers. */
        HANG,
        /** Reads the request, then resets the connection (RST, no response byte). */
        RESET
    }

    final String name;
    volatile Mode mode = Mode.OK;
    /** Requests other than {@code /healthz}. */
    final AtomicInteger requests = new AtomicInteger();
    final AtomicInteger probes = new AtomicInteger();
    /** The body of the last request with a Content-Length, as text. */
    volatile String lastBody;
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private volatile ServerSocket server;
    private final int port;

    private TestBackend(String name) throws IOException {
        this.name = name;
        this.server = listen(0);
        this.port = server.getLocalPort();
        accept(server);
    }

    static TestBackend start(String name) throws IOException {
        return new TestBackend(name);
    }

    int port() {
        return port;
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    /** Dies: the port refuses connections and open ones are closed. */
    void stop() throws IOException {
        server.close();
        for (Socket socket : connections) {
            socket.close();
        }
    }

    /** Comes back on the same port. */
    void restart() throws IOException {
        server = listen(port);
        accept(server);
    }

    @Override
    public void close() throws IOException {
        stop();
    }

    private static ServerSocket listen(int port) throws IOException {
        ServerSocket socket = new ServerSocket();
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
        return socket;
    }

    private void accept(ServerSocket listener) {
        Thread.ofVirtual().start(() -> {
            while (!listener.isClosed()) {
                try {
                    Socket socket = listener.accept();
                    connections.add(socket);
                    Thread.ofVirtual().start(() -> serve(socket));
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    private void serve(Socket socket) {
        try (socket) {
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            while (true) {
                String head = readHead(in);
                if (head == null) {
                    return;
                }
                readBody(in, head);
                boolean probe = head.startsWith("GET /healthz ");
                (probe ? probes : requests).incrementAndGet();
                Mode now = mode;
                switch (now) {
                    case HANG -> {
                        in.read();           // until the proxy gives up and closes
                        return;
                    }
                    case RESET -> {
                        socket.setSoLinger(true, 0);
                        return;
                    }
                    default -> {
                        int status = now == Mode.OK ? 200 : now == Mode.UNAVAILABLE ? 503 : 500;
                        String body = "{\"backend\":\"" + name + "\"}";
                        out.write(("HTTP/1.1 " + status + " X\r\nContent-Type: application/json\r\nContent-Length: "
                                + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                    }
                }
            }
        } catch (IOException e) {
            // the peer or stop() closed it
        } finally {
            connections.remove(socket);
        }
    }

    /** The request head up to the blank line; null at end of stream. */
    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder(256);
        while (true) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            head.append((char) b);
            if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
                return head.toString();
            }
        }
    }

    private void readBody(InputStream in, String head) throws IOException {
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                lastBody = new String(in.readNBytes(Integer.parseInt(line.substring(15).strip())),
                        StandardCharsets.ISO_8859_1);
            }
        }
    }
}
