package stargate.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The floor of the node's design, for bench/bare-floor.sh: a reverse proxy with nothing but what the node's
 * request path cannot do without, on the same JDK mechanisms (a virtual thread per client connection,
 * blocking java.net sockets, TCP_NODELAY, a keep-alive upstream connection per client connection, heap
 * buffers). No Helidon, no routing, no plugins, no metrics, no ids, no forwarding headers, no limits or
 * deadlines; GET without a body only, answers framed by Content-Length only. JDK only, run as a
 * single-file program:
 *
 * <pre>
 *   java BareProxy.java LISTEN_PORT UPSTREAM_PORT
 * </pre>
 *
 * Measured against nginx in the same harness, it tells what share of the gap to nginx is the
 * virtual-thread socket I/O itself (which no code of ours can remove) and what share is the rest of the
 * node (Helidon's request side and the gateway's own per-request work). Never a product path.
 */
public final class BareProxy {
    private static final int BUFFER = 32 * 1024;

    private BareProxy() {
    }

    public static void main(String[] args) throws IOException {
        int listenPort = Integer.parseInt(args[0]);
        int upstreamPort = Integer.parseInt(args[1]);
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ServerSocket server = new ServerSocket(listenPort, 8192, loopback)) {
            while (true) {
                Socket client = server.accept();
                Thread.ofVirtual().start(() -> serve(client, new InetSocketAddress(loopback, upstreamPort)));
            }
        }
    }

    private static void serve(Socket client, InetSocketAddress upstreamAddress) {
        try (client; Socket upstream = new Socket()) {
            client.setTcpNoDelay(true);
            upstream.setTcpNoDelay(true);
            upstream.connect(upstreamAddress);
            Relay fromClient = new Relay(client.getInputStream());
            Relay fromUpstream = new Relay(upstream.getInputStream());
            OutputStream toUpstream = upstream.getOutputStream();
            OutputStream toClient = client.getOutputStream();
            while (true) {
                int head = fromClient.head();       // a request head, CRLF CRLF included
                if (head < 0) {
                    return;
                }
                toUpstream.write(fromClient.buffer, fromClient.start, head);
                fromClient.consume(head);
                int responseHead = fromUpstream.head();
                if (responseHead < 0) {
                    return;
                }
                long length = contentLength(fromUpstream.buffer, fromUpstream.start, responseHead);
                toClient.write(fromUpstream.buffer, fromUpstream.start, responseHead);
                fromUpstream.consume(responseHead);
                fromUpstream.copy(length, toClient);
            }
        } catch (IOException e) {
            // the client or the upstream went away
        }
    }

    /** {@code Content-Length} of a head (case-insensitive), 0 when absent. */
    private static long contentLength(byte[] buffer, int from, int length) {
        String head = new String(buffer, from, length, StandardCharsets.ISO_8859_1);
        int at = head.toLowerCase(java.util.Locale.ROOT).indexOf("\r\ncontent-length:");
        if (at < 0) {
            return 0;
        }
        int end = head.indexOf('\r', at + 2);
        return Long.parseLong(head.substring(at + 17, end).trim());
    }

    /** One side's input: bytes read ahead in one buffer. */
    private static final class Relay {
        final byte[] buffer = new byte[BUFFER];
        private final InputStream in;
        int start;
        int end;

        Relay(InputStream in) {
            this.in = in;
        }

        /** @return the length of the next head, reading as needed; -1 at the end of the stream */
        int head() throws IOException {
            int checked = 0;        // bytes after start already scanned (fill may move them, not this count)
            while (true) {
                for (int i = start + Math.max(checked, 3); i < end; i++) {
                    if (buffer[i] == '\n' && buffer[i - 1] == '\r' && buffer[i - 2] == '\n' && buffer[i - 3] == '\r') {
                        return i + 1 - start;
                    }
                }
                checked = end - start;
                if (fill() < 0) {
                    return -1;
                }
            }
        }

        void consume(int n) {
            start += n;
        }

        /** Copies {@code length} body bytes: the buffered ones first, then straight from the socket. */
        void copy(long length, OutputStream out) throws IOException {
            while (length > 0) {
                if (start == end && fill() < 0) {
                    throw new IOException("upstream closed inside a body");
                }
                int n = (int) Math.min(length, end - start);
                out.write(buffer, start, n);
                start += n;
                length -= n;
            }
        }

        private int fill() throws IOException {
            if (start == 0 && end == buffer.length) {
                throw new IOException("a head larger than " + BUFFER + " bytes");
            }
            if (start == end) {
                start = 0;
                end = 0;
            } else if (end == buffer.length) {
                System.arraycopy(buffer, start, buffer, 0, end - start);
                end -= start;
                start = 0;
            }
            int n = in.read(buffer, end, buffer.length - end);
            if (n > 0) {
                end += n;
            }
            return n;
        }
    }
}
