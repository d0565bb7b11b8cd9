package stargate.bench;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * WebSocket echo round trips (bench/websocket-echo.sh), JDK only, run as a single-file program:
 *
 * <pre>
 *   java WebSocketEcho.java server PORT                         # echo server: every frame back, unmasked
 *   java WebSocketEcho.java client URL SOCKETS SECONDS BYTES    # round trips per second over SOCKETS sockets
 * </pre>
 *
 * The client (the JDK's java.net.http.WebSocket) keeps one text message of BYTES in flight per socket and
 * prints {@code round_trips_per_second=N}.
 */
public final class WebSocketEcho {
    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private WebSocketEcho() {
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("server")) {
            serve(Integer.parseInt(args[1]));
        } else {
            System.out.println("round_trips_per_second=" + Math.round(client(URI.create(args[1]),
                    Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]))));
        }
    }

    private static void serve(int port) throws IOException {
        try (ServerSocket server = new ServerSocket(port, 4096, InetAddress.getLoopbackAddress())) {
            while (true) {
                Socket socket = server.accept();
                socket.setTcpNoDelay(true);
                Thread.ofVirtual().start(() -> echo(socket));
            }
        }
    }

    private static void echo(Socket socket) {
        try (socket) {
            DataInputStream in = new DataInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            String key = handshakeKey(in);
            String accept = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
                    .digest((key + GUID).getBytes(StandardCharsets.ISO_8859_1)));
            out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Accept: " + accept + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            while (true) {
                int b0 = in.readUnsignedByte();
                int b1 = in.readUnsignedByte();
                long length = b1 & 0x7f;
                if (length == 126) {
                    length = in.readUnsignedShort();
                } else if (length == 127) {
                    length = in.readLong();
                }
                byte[] mask = new byte[4];
                if ((b1 & 0x80) != 0) {
                    in.readFully(mask);
                }
                byte[] payload = new byte[(int) length];
                in.readFully(payload);
                for (int i = 0; i < payload.length; i++) {
                    payload[i] ^= mask[i & 3];
                }
                byte[] head = length < 126 ? new byte[] {(byte) b0, (byte) length}
                        : new byte[] {(byte) b0, 126, (byte) (length >> 8), (byte) length};
                if (length > 0xffff) {
                    throw new IOException("frames up to 64 KiB only");
                }
                out.write(head);
                out.write(payload);
                out.flush();
                if ((b0 & 0x0f) == 8) {
                    return;     // close: echoed, done
                }
            }
        } catch (Exception e) {
            // the client went
        }
    }

    private static String handshakeKey(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed in the handshake");
            }
            head.append((char) b);
        }
        for (String line : head.toString().split("\r\n")) {
            if (line.regionMatches(true, 0, "Sec-WebSocket-Key:", 0, 18)) {
                return line.substring(18).trim();
            }
        }
        throw new IOException("no Sec-WebSocket-Key");
    }

    private static double client(URI url, int sockets, int seconds, int bytes) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String message = "x".repeat(bytes);
        LongAdder roundTrips = new LongAdder();
        AtomicBoolean counting = new AtomicBoolean();
        AtomicBoolean running = new AtomicBoolean(true);
        List<WebSocket> open = new ArrayList<>();
        for (int i = 0; i < sockets; i++) {
            Echoer echoer = new Echoer(message, roundTrips, counting, running);
            open.add(http.newWebSocketBuilder().buildAsync(url, echoer).get(30, TimeUnit.SECONDS));
        }
        open.forEach(ws -> ws.sendText(message, true));
        Thread.sleep(2_000);                // warm-up, not counted
        counting.set(true);
        long start = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        counting.set(false);
        double perSecond = roundTrips.sum() / ((System.nanoTime() - start) / 1e9);
        running.set(false);
        for (WebSocket ws : open) {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "").exceptionally(e -> null);
        }
        return perSecond;
    }

    /** Sends the next message when the echo of the previous one is complete. */
    private record Echoer(String message, LongAdder roundTrips, AtomicBoolean counting, AtomicBoolean running)
            implements WebSocket.Listener {
        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            ws.request(1);
            if (last && running.get()) {
                if (counting.get()) {
                    roundTrips.increment();
                }
                ws.sendText(message, true);
            }
            return CompletableFuture.completedFuture(null);
        }
    }
}
