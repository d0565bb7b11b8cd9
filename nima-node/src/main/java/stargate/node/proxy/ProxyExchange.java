package stargate.node.proxy;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ProtocolException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.IntPredicate;

import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.RequestException;
import io.helidon.http.ServerRequestHeaders;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * Forwards one client request to a target over a pooled HTTP/1.1 connection and streams the response
 * back, on the caller's (virtual) thread with blocking I/O.
 *
 * <p>The life of an exchange: borrow a connection; write the request head (end-to-end headers, the
 * forwarding headers) and stream the body (Content-Length kept, else chunked); read the response head,
 * skipping 1xx; copy status and end-to-end headers to the client; stream the body; return the
 * connection to the pool if the response ended on a message boundary and neither side closes.
 *
 * <p>Stale connections: a pooled connection may have been closed by the server while idle. If the
 * exchange on a reused connection fails with no response byte received and no request body byte
 * consumed, it is sent once more on a new connection, but only if it is idempotent or carries
 * {@code Idempotency-Key} (SPEC §13, as Go's transport decides): a server may have acted on a request
 * and closed before answering, and a POST must not be sent twice. The request is otherwise sent in full
 * before the response is read (no full duplex: an upstream that answers a large upload before reading it
 * stalls).
 */
public final class ProxyExchange {
    private static final System.Logger LOG = System.getLogger(ProxyExchange.class.getName());

    /** Request fields not copied: the proxy sets these itself. */
    private static final Set<String> REPLACED = Set.of(
            "host", "content-length", "expect", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host",
            "x-request-id", "traceparent");
    private static final io.helidon.http.HeaderName IDEMPOTENCY_KEY = HeaderNames.create("Idempotency-Key");
    /** Chunk data per upstream request chunk; four hex digits always fit its size line. */
    private static final int MAX_CHUNK = 0xFFFF;
    private static final int CHUNK_SIZE_LINE = 6;  // "hhhh\r\n"
    private static final char[] HEX = "0123456789abcdef".toCharArray();
    /** Fixed-length bodies up to this size are relayed in one write (see {@link #sendSmall}). */
    static final int SMALL_BODY_BYTES = 16 * 1024;

    private ProxyExchange() {
    }

    /**
     * Forwards {@code req} to {@code pool}'s target and writes the answer to {@code res}.
     *
     * <p>If the upstream fails after the response started, the client connection is aborted (a
     * {@link CloseConnectionException} goes up to Helidon) so the client sees a truncated response,
     * never a silently corrupt one.
     *
     * @throws UpstreamException if it failed before any response byte was sent; {@code res} is untouched
     *                           and the caller answers with {@link ErrorResponse#send(ServerResponse, UpstreamException, String)}
     */
    public static void forward(ServerRequest req, ServerResponse res, TargetPool pool, ForwardPlan plan)
            throws UpstreamException {
        forward(req, res, pool, plan, null);
    }

    /**
     * Like {@link #forward(ServerRequest, ServerResponse, TargetPool, ForwardPlan)}, but lets the caller keep a
     * response from the client to retry it elsewhere.
     *
     * @param holdBack asked at most once, with the response's status, and only if no byte of the request body
     *                 was read; when it answers true the response is discarded unsent (its connection closed)
     *                 and {@code res} stays untouched. Null sends every response.
     * @return the upstream response's status (not sent if {@code holdBack} accepted it)
     */
    public static int forward(ServerRequest req, ServerResponse res, TargetPool pool, ForwardPlan plan,
                              IntPredicate holdBack) throws UpstreamException {
        boolean headRequest = Method.HEAD.equals(req.prologue().method());
        RequestBody body = new RequestBody(req, plan.edits() == null ? -1 : plan.edits().maxBodyBytes(),
                plan.replayableBody(), plan.clientWatch());
        long connectNanos = plan.connectTimeout().toNanos();
        boolean fresh = false;
        while (true) {
            UpstreamConnection conn = pool.acquire(connectNanos, fresh);
            ResponseHead head;
            try {
                conn.receivedByte = false;
                conn.stallLimit(plan.readTimeout().toNanos());
                writeRequest(conn, req, pool, plan, body, null);
                head = ResponseHead.read(conn, headRequest, false);
            } catch (IOException e) {
                pool.release(conn, false);
                if (conn.timedOut()) {
                    throw new UpstreamException(UpstreamException.Kind.TIMEOUT, "upstream " + pool.authority()
                            + " made no progress for " + plan.readTimeout().toMillis() + " ms", body.consumed, e);
                }
                if (!(e instanceof ProtocolException) && conn.reused && !conn.receivedByte && !body.consumed && !fresh
                        && replayable(req)) {
                    fresh = true;
                    continue;
                }
                throw new UpstreamException(UpstreamException.Kind.BAD_RESPONSE,
                                            "upstream " + pool.authority() + ": " + e.getMessage(), body.consumed, e);
            } catch (RuntimeException | Error e) {      // reading the client's body failed: not the upstream's fault
                pool.release(conn, false);
                throw e;
            }
            if (holdBack != null && !body.consumed && holdBack.test(head.status)) {
                pool.release(conn, false);
                return head.status;
            }
            respond(res, http11(req), pool, conn, head, plan);
            return head.status;
        }
    }

    /**
     * Forwards a protocol switch (a WebSocket handshake: {@code GET} with {@code Upgrade}) on a connection of
     * its own, never pooled: after a 101 it carries the new protocol until a side closes. The request goes up
     * with {@code Upgrade: protocol} and {@code Connection: Upgrade} next to its end-to-end fields (the
     * {@code Sec-WebSocket-*} ones among them).
     *
     * @param protocol the client's {@code Upgrade} value
     * @return the open tunnel when the upstream switched (101; {@code res} untouched, the caller sends the
     *         101); null when it answered anything else, which went to {@code res} as is
     * @throws UpstreamException if it failed before any response byte was sent; {@code res} is untouched
     */
    public static UpstreamTunnel upgrade(ServerRequest req, ServerResponse res, TargetPool pool, ForwardPlan plan,
                                         String protocol) throws UpstreamException {
        UpstreamConnection conn = pool.openUnpooled(plan.connectTimeout().toNanos());
        ResponseHead head;
        try {
            conn.stallLimit(plan.readTimeout().toNanos());
            writeRequest(conn, req, pool, plan, new RequestBody(req, -1, null, plan.clientWatch()), protocol);
            head = ResponseHead.read(conn, false, true);
        } catch (IOException e) {
            pool.release(conn, false);
            if (conn.timedOut()) {
                throw new UpstreamException(UpstreamException.Kind.TIMEOUT, "upstream " + pool.authority()
                        + " made no progress for " + plan.readTimeout().toMillis() + " ms", false, e);
            }
            throw new UpstreamException(UpstreamException.Kind.BAD_RESPONSE,
                                        "upstream " + pool.authority() + ": " + e.getMessage(), false, e);
        }
        if (head.status != 101) {
            respond(res, http11(req), pool, conn, head, plan);
            return null;
        }
        conn.stallLimit(Long.MAX_VALUE);
        return new UpstreamTunnel(pool, conn, head);
    }

    /** RFC 9110 §9.2.2's idempotent methods (minus the rarely proxied ones), or a client that made it safe. */
    private static boolean replayable(ServerRequest req) {
        return switch (req.prologue().method().text()) {
            case "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE" -> true;
            default -> req.headers().contains(IDEMPOTENCY_KEY);
        };
    }

    private static boolean http11(ServerRequest req) {
        return "1.1".equals(req.prologue().protocolVersion());
    }

    /** @param http11 whether the client's request was HTTP/1.1 (HTTP/1.0 and HTTP/2 go through Helidon's response) */
    private static void respond(ServerResponse res, boolean http11, TargetPool pool, UpstreamConnection conn, ResponseHead head,
                                ForwardPlan plan) {
        Status status = Status.create(head.status);
        if (status.reasonPhrase().isEmpty() && !head.reason.isEmpty()) {
            status = Status.create(head.status, head.reason);     // a code Helidon does not know: keep the upstream's reason
        }
        res.status(status);
        ForwardEdits edits = plan.edits();
        boolean reusable = !head.closeAfter;
        if (http11 && (edits == null || edits.leavesBody()) && DirectResponse.fits(res, head)) {
            if (edits != null && edits.responseHook() != null) {
                head.set(RequestId.HEADER.defaultCase(), plan.requestId());      // as plugins see it on Helidon's path
                beforeSend(edits, head.status, head, pool, conn);
            }
            DirectResponse.relay(res, status, pool, conn, head, plan, reusable);
            return;
        }
        ServerResponseHeaders headers = res.headers();
        for (int i = 0; i < head.names.size(); i++) {
            if (head.forwarded(i)) {
                headers.add(ObsText.responseHeader(head.names.get(i).headerName, head.values.get(i)));
            }
        }
        if (head.contentLength >= 0) {
            headers.contentLength(head.contentLength);     // Helidon then streams fixed-length, not chunked
        }
        headers.set(RequestId.HEADER, plan.requestId());
        ForwardEdits.BodySink copy = null;
        if (edits != null) {
            if (edits.responseTap() != null) {
                copy = edits.responseTap().open(head.status, headers);
            }
            if (edits.responseHook() != null) {
                beforeSend(edits, head.status, ResponseFields.of(headers), pool, conn);
            }
        }
        if (head.framing == ResponseHead.Framing.NONE) {
            pool.release(conn, reusable && conn.buffered() == 0);
            res.send();
            if (copy != null) {
                copy.complete();
            }
            return;
        }
        if (head.framing == ResponseHead.Framing.LENGTH && head.contentLength <= SMALL_BODY_BYTES) {
            sendSmall(res, pool, conn, head, plan, reusable, copy);
            return;
        }
        OutputStream client = res.outputStream();
        try {
            OutputStream body = new FirstByteAlone(plan.clientWatch() == ClientWatch.NONE ? client
                    : new WatchedStream(client, plan.clientWatch()));
            ResponseBody.transfer(conn, head, copy == null ? body : new TeeStream(body, copy));
        } catch (IOException e) {
            throw abortMidResponse(pool, conn, plan, e);
        } catch (RuntimeException e) {
            pool.release(conn, false);
            throw clientGone(plan, e);
        }
        pool.release(conn, reusable && conn.buffered() == 0);
        try {
            client.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (copy != null) {
            copy.complete();
        }
    }

    /**
     * Passes the first byte on in a write of its own. Helidon copies a response's first write into a new
     * buffer behind the head (and buffers a chunked response's first write whole); later writes go from
     * our read buffer to the socket. One byte first keeps that copy to one byte: a 64 KiB response
     * allocated ~150 KB without this, a few hundred bytes with it (bench/alloc-per-request.sh).
     */
    private static final class FirstByteAlone extends OutputStream {
        private final OutputStream client;
        private boolean started;

        FirstByteAlone(OutputStream client) {
            this.client = client;
        }

        @Override
        public void write(int b) throws IOException {
            started = true;
            client.write(b);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            if (!started && length > 1) {
                write(bytes[offset]);
                offset++;
                length--;
            }
            started = true;
            client.write(bytes, offset, length);
        }

        @Override
        public void flush() throws IOException {
            client.flush();
        }
    }

    /** The client stream with each write timed by the listener ({@link ClientWatch#write}: HTTP/2 streams). */
    private static final class WatchedStream extends OutputStream {
        private final OutputStream client;
        private final ClientWatch watch;

        WatchedStream(OutputStream client, ClientWatch watch) {
            this.client = client;
            this.watch = watch;
        }

        @Override
        public void write(int b) throws IOException {
            watch.write(() -> client.write(b));
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            watch.write(() -> client.write(bytes, offset, length));
        }

        @Override
        public void flush() throws IOException {
            watch.write(client::flush);
        }
    }

    /** The client stream, copying what is written to a {@link ForwardEdits.BodySink} (only when a plugin taps the response). */
    private static final class TeeStream extends OutputStream {
        private final OutputStream client;
        private final ForwardEdits.BodySink copy;

        TeeStream(OutputStream client, ForwardEdits.BodySink copy) {
            this.client = client;
            this.copy = copy;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            client.write(bytes, offset, length);
            copy.write(bytes, offset, length);
        }

        @Override
        public void flush() throws IOException {
            client.flush();
        }
    }

    /**
     * A small fixed-length body is read whole and sent with its head in one write: no streaming
     * buffers per response and one syscall instead of several (measured with bench/proxy-vs-nginx.sh).
     * Like nginx's proxy buffers, it holds at most {@link #SMALL_BODY_BYTES} per exchange.
     */
    private static void sendSmall(ServerResponse res, TargetPool pool, UpstreamConnection conn, ResponseHead head,
                                  ForwardPlan plan, boolean reusable, ForwardEdits.BodySink copy) {
        byte[] body;
        try {
            body = ResponseBody.readFixed(conn, (int) head.contentLength);
        } catch (IOException e) {
            throw abortMidResponse(pool, conn, plan, e);
        }
        pool.release(conn, reusable && conn.buffered() == 0);
        try {
            plan.clientWatch().write(() -> res.send(body));
        } catch (IOException | RuntimeException e) {
            // the client went away, or took nothing of the answer within the send timeout (HTTP/2)
            throw clientGone(plan, e instanceof RuntimeException r ? r : new UncheckedIOException((IOException) e));
        }
        if (copy != null) {
            copy.write(body, 0, body.length);
            copy.complete();
        }
    }

    /** The plugins' response phase; when a plugin fails, the upstream connection (its body unread) is closed. */
    private static void beforeSend(ForwardEdits edits, int status, ResponseFields fields, TargetPool pool,
                                   UpstreamConnection conn) {
        try {
            edits.responseHook().beforeSend(status, fields);
        } catch (RuntimeException e) {
            pool.release(conn, false);
            throw e;
        }
    }

    /** Writing to the client failed mid-response: the client connection is done for. */
    static CloseConnectionException clientGone(ForwardPlan plan, RuntimeException e) {
        LOG.log(System.Logger.Level.DEBUG, "request " + plan.requestId() + ": client went away mid-response", e);
        return new CloseConnectionException("client write failed mid-response", e);
    }

    /** The upstream failed after its head: release the connection, log, and abort the client's. */
    static CloseConnectionException abortMidResponse(TargetPool pool, UpstreamConnection conn, ForwardPlan plan,
                                                             IOException e) {
        pool.release(conn, false);
        String why = conn.timedOut() ? "made no progress for " + plan.readTimeout().toMillis() + " ms" : e.getMessage();
        LOG.log(System.Logger.Level.WARNING, "request " + plan.requestId() + " route " + plan.routeId()
                + ": upstream " + pool.authority() + " failed mid-response (" + why + "), aborting the client connection");
        return new CloseConnectionException("upstream failed mid-response", e);
    }

    // ---- request

    /** @param upgrade the protocol to switch to ({@code Upgrade} and {@code Connection: Upgrade} go up), or null */
    private static void writeRequest(UpstreamConnection conn, ServerRequest req, TargetPool pool, ForwardPlan plan,
                                     RequestBody body, String upgrade) throws IOException {
        ServerRequestHeaders headers = req.headers();
        conn.writeText(req.prologue().method().text());
        conn.writeText(" ");
        conn.writeText(plan.upstreamPathAndQuery());
        conn.writeText(" HTTP/1.1\r\n");

        // values() tokenizes through streams even when the field is absent, as it is on most requests
        List<String> connectionTokens = headers.contains(HeaderNames.CONNECTION)
                ? tokens(headers.all(HeaderNames.CONNECTION, List::of)) : List.of();
        ForwardEdits edits = plan.edits();
        ClientAddress client = plan.client();
        String forwardedFor = null;
        String forwardedProto = null;
        String forwardedHost = null;
        for (Header header : headers) {
            String lower = header.headerName().lowerCase();
            if (isForwardingHeader(lower)) {
                if (!client.trustedPeer()) {
                    continue;       // a client's own claims about where it came from: dropped, set afresh below
                }
                switch (lower) {
                    case "x-forwarded-for" -> forwardedFor = String.join(", ", header.allValues());
                    case "x-forwarded-proto" -> forwardedProto = header.get();
                    case "x-forwarded-host" -> forwardedHost = header.get();
                    default -> {
                    }
                }
            }
            if (REPLACED.contains(lower) || HopByHopHeaders.isHopByHop(lower, connectionTokens)
                    || edits != null && edits.removesHeader(lower)) {
                continue;
            }
            writeValues(conn, header);
        }
        if (edits != null) {
            for (String[] added : edits.addedHeaders()) {
                conn.writeField(added[0], added[1]);
            }
        }
        String clientHost = headers.first(HeaderNames.HOST).orElseGet(req::authority);
        conn.writeField("Host", plan.preserveHost() ? clientHost : pool.authority());
        String peerIp = client.peerIp();
        conn.writeField("X-Forwarded-For", forwardedFor == null ? peerIp : forwardedFor + ", " + peerIp);
        conn.writeField("X-Forwarded-Proto", forwardedProto != null ? forwardedProto : req.isSecure() ? "https" : "http");
        conn.writeField("X-Forwarded-Host", forwardedHost != null ? forwardedHost : clientHost);
        conn.writeField("X-Request-Id", plan.requestId());
        conn.writeField("traceparent", plan.traceparent());
        if (upgrade != null) {
            conn.writeField("Upgrade", upgrade);
            conn.writeField("Connection", "Upgrade");
        }
        if (body.length >= 0) {
            conn.writeField("Content-Length", Long.toString(body.length));
        } else if (body.length == RequestBody.CHUNKED) {
            conn.writeField("Transfer-Encoding", "chunked");
        }
        conn.writeText("\r\n");
        if (body.length > 0) {
            body.writeFixed(conn);
        } else if (body.length == RequestBody.CHUNKED) {
            body.writeChunked(conn);
        }
        conn.flush();
    }

    /**
     * Headers that say where a request came from: kept only from a trusted proxy (SPEC §13), since any
     * client can write them.
     */
    private static boolean isForwardingHeader(String lower) {
        return lower.startsWith("x-forwarded-") || lower.equals("forwarded") || lower.equals("x-real-ip");
    }

    /** Every value of a client header, the first one with the octets the client sent (see {@link ObsText}). */
    private static void writeValues(UpstreamConnection conn, Header header) throws IOException {
        List<String> values = header.allValues();
        for (int i = 0; i < values.size(); i++) {
            String value = values.get(i);
            byte[] sent = i == 0 && ObsText.decodedLossily(value) ? ObsText.clientBytes(header) : null;
            if (sent == null) {
                conn.writeField(header.name(), value);
            } else {
                conn.writeText(header.name());
                conn.writeText(": ");
                conn.writeBytes(sent);
                conn.writeText("\r\n");
            }
        }
    }

    /** Lower-case comma-separated tokens of all values. */
    private static List<String> tokens(List<String> values) {
        if (values.isEmpty()) {
            return List.of();
        }
        List<String> tokens = new ArrayList<>(4);
        for (String value : values) {
            for (String token : value.split(",")) {
                tokens.add(token.strip().toLowerCase(Locale.ROOT));
            }
        }
        return tokens;
    }

    /**
     * The client's request body as it goes upstream: read from Helidon's stream straight into the
     * connection's output buffer. Reading it makes Helidon answer the client's {@code Expect: 100-continue}.
     * Client-side read failures surface as unchecked exceptions, never as upstream {@link IOException}s.
     */
    private static final class RequestBody {
        static final long NONE = -2;
        static final long CHUNKED = -1;

        private final ServerRequest req;
        /** Largest body forwarded ({@link BodyTooLargeException} past it), or -1 for no limit. */
        private final long maxBytes;
        /** The body read ahead of time (see {@link ForwardPlan#replayableBody()}), or null. */
        private final byte[] replayable;
        private final ClientWatch clientWatch;
        /** Content-Length, or {@link #CHUNKED}, or {@link #NONE}. */
        final long length;
        private InputStream in;
        /** Whether any byte may have been taken from the client: then a retry cannot resend the body. */
        boolean consumed;

        RequestBody(ServerRequest req, long maxBytes, byte[] replayable, ClientWatch clientWatch) {
            this.req = req;
            this.clientWatch = clientWatch;
            this.maxBytes = maxBytes;
            this.replayable = replayable;
            OptionalLong contentLength = req.headers().contentLength();
            this.length = replayable != null ? replayable.length
                    : contentLength.isPresent() ? contentLength.getAsLong()
                    : req.content().hasEntity() ? CHUNKED : NONE;
        }

        void writeFixed(UpstreamConnection conn) throws IOException {
            if (replayable != null) {
                conn.writeBytes(replayable);        // never consumed: the next attempt sends it again
                return;
            }
            long remaining = length;
            while (remaining > 0) {
                if (conn.outPos == conn.out.length) {
                    conn.flush();
                }
                int max = (int) Math.min(remaining, conn.out.length - conn.outPos);
                int n = read(conn.out, conn.outPos, max);
                if (n < 0) {
                    throw new UncheckedIOException(new EOFException("client body ended " + remaining + " bytes early"));
                }
                conn.outPos += n;
                remaining -= n;
                if (n < max) {
                    conn.flush();       // the client paused: pass on what arrived
                }
            }
        }

        /** Chunks of at most {@link #MAX_CHUNK} bytes, sized with four zero-padded hex digits (RFC 9112 §7.1 allows them). */
        void writeChunked(UpstreamConnection conn) throws IOException {
            byte[] out = conn.out;
            while (true) {
                if (out.length - conn.outPos < CHUNK_SIZE_LINE + 2 + 64) {
                    conn.flush();
                }
                int start = conn.outPos;
                int max = Math.min(MAX_CHUNK, out.length - start - CHUNK_SIZE_LINE - 2);
                int n = read(out, start + CHUNK_SIZE_LINE, max);
                if (n < 0) {
                    break;
                }
                if (n == 0) {
                    continue;
                }
                out[start] = (byte) HEX[(n >> 12) & 15];
                out[start + 1] = (byte) HEX[(n >> 8) & 15];
                out[start + 2] = (byte) HEX[(n >> 4) & 15];
                out[start + 3] = (byte) HEX[n & 15];
                out[start + 4] = '\r';
                out[start + 5] = '\n';
                int end = start + CHUNK_SIZE_LINE + n;
                out[end] = '\r';
                out[end + 1] = '\n';
                conn.outPos = end + 2;
                if (n < max) {
                    conn.flush();
                }
            }
            conn.writeText("0\r\n\r\n");
        }

        private int read(byte[] buffer, int offset, int length) {
            consumed = true;
            try {
                if (in == null) {
                    in = clientWatch.body(req.content().inputStream());
                    if (maxBytes >= 0) {
                        in = new LimitedInputStream(in, maxBytes);
                    }
                }
                return in.read(buffer, offset, length);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (BodyTooLargeException e) {
                throw e;
            } catch (RequestException e) {
                throw e.status().code() == Status.REQUEST_ENTITY_TOO_LARGE_413.code() ? e : new MalformedBodyException(e);
            } catch (RuntimeException e) {      // Helidon's chunked decoder: NumberFormatException, a bare LF...
                throw new MalformedBodyException(e);
            }
        }
    }
}
