package stargate.node.proxy;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataWriter;
import io.helidon.http.DateTime;
import io.helidon.http.Status;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.ServerResponse;

/**
 * Relays an upstream's HTTP/1.1 answer to an HTTP/1.1 client by writing the head and body straight to the
 * client connection's socket writer, past Helidon's response layer.
 *
 * <p>Why: on the proxy's hot path Helidon's response layer was the largest cost left (bench/README.md):
 * a {@code Header} object per upstream field, a validation pass over every name and value, the head
 * serialised into a buffer that is grown (and the body copied) once per response. Here the head is
 * assembled once, from the field names' bytes and the values as read, into one array that also holds a
 * small body, and goes out in one write; a large body is then relayed from the upstream read buffer.
 * The upstream head was already checked as it was read ({@link ResponseHead}: token names, no control
 * characters in any line), which is the validation Helidon would repeat.
 *
 * <p>Answers with a fixed-length or no body to HTTP/1.1 requests take this path, plugins that edit the
 * response head included (they edit the {@link ResponseHead}, which checks what they set). Everything
 * else (chunked and close-delimited bodies, a plugin copying the body, HTTP/2, HTTP/1.0) goes through
 * Helidon's response as before.
 *
 * <p>How: Helidon 4.5's {@code Http1ServerResponse} holds the connection's {@link DataWriter}; after
 * writing to it, the response is marked sent (and its byte count set) so that Helidon neither answers
 * again nor loses the count the access log reads. These are private fields, found once by name; when
 * they are not there (another Helidon version) the path is off, logged once at start, and every answer
 * goes through Helidon's response ({@code DirectResponseTest} fails then, so an upgrade notices).
 */
final class DirectResponse {
    private static final byte[] HTTP_11 = "HTTP/1.1 ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OK_200 = "HTTP/1.1 200 OK\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONTENT_LENGTH = "Content-Length: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] REQUEST_ID = (RequestId.HEADER.defaultCase() + ": ").getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATE = "Date: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONNECTION_CLOSE = "Connection: close\r\n".getBytes(StandardCharsets.US_ASCII);

    private static final Class<?> HTTP1_RESPONSE;
    private static final VarHandle DATA_WRITER;
    private static final VarHandle KEEP_ALIVE;
    private static final VarHandle IS_SENT;
    private static final VarHandle BYTES_WRITTEN;

    static {
        Class<?> type = null;
        VarHandle writer = null;
        VarHandle keepAlive = null;
        VarHandle sent = null;
        VarHandle written = null;
        try {
            type = Class.forName("io.helidon.webserver.http1.Http1ServerResponse");
            MethodHandles.Lookup fields = MethodHandles.privateLookupIn(type, MethodHandles.lookup());
            writer = fields.findVarHandle(type, "dataWriter", DataWriter.class);
            keepAlive = fields.findVarHandle(type, "keepAlive", boolean.class);
            sent = fields.findVarHandle(type, "isSent", boolean.class);
            written = fields.findVarHandle(type, "bytesWritten", long.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            System.getLogger(DirectResponse.class.getName()).log(System.Logger.Level.WARNING,
                    "event=direct_response_unavailable note=\"HTTP/1.1 answers go through Helidon's response layer"
                    + " (slower)\" cause=\"" + e + "\"");
            type = null;
        }
        HTTP1_RESPONSE = type;
        DATA_WRITER = writer;
        KEEP_ALIVE = keepAlive;
        IS_SENT = sent;
        BYTES_WRITTEN = written;
    }

    private DirectResponse() {
    }

    /** Whether answers to HTTP/1.1 requests can be written past Helidon's response layer in this build. */
    static boolean available() {
        return HTTP1_RESPONSE != null;
    }

    /** Whether {@code head} can be relayed to {@code res} by {@link #relay}: an unstarted HTTP/1.1 response. */
    static boolean fits(ServerResponse res, ResponseHead head) {
        return HTTP1_RESPONSE != null && res.getClass() == HTTP1_RESPONSE && !res.isSent()
                && (head.framing == ResponseHead.Framing.NONE || head.framing == ResponseHead.Framing.LENGTH);
    }

    /**
     * Writes {@code head} (its end-to-end fields, {@code Content-Length}, the request id, a {@code Date} when the
     * upstream sent none, {@code Connection: close} when the client asked for it) and the body to the client.
     * The upstream connection is released as soon as its body is read, whatever happens.
     *
     * @throws CloseConnectionException if either side failed once the answer started (the client sees a
     *                                  truncated answer, never a corrupt one)
     */
    static void relay(ServerResponse res, Status status, TargetPool pool, UpstreamConnection conn, ResponseHead head,
                      ForwardPlan plan, boolean reusable) {
        DataWriter client = (DataWriter) DATA_WRITER.get(res);
        boolean keepAlive = (boolean) KEEP_ALIVE.get(res);
        long bodyLength = head.framing == ResponseHead.Framing.LENGTH ? head.contentLength : 0;
        // a small body rides in the head's array and write; a large one goes from the upstream read buffer
        int inline = bodyLength <= ProxyExchange.SMALL_BODY_BYTES ? (int) bodyLength : 0;
        Head out = new Head(status, head, plan.requestId(), keepAlive, inline);
        long remaining = bodyLength - inline;
        boolean released = false;
        try {
            ResponseBody.readFully(conn, out.bytes, out.length, inline);
            out.length += inline;
            if (remaining == 0) {
                pool.release(conn, reusable && conn.buffered() == 0);
                released = true;
            }
            write(client, out.bytes, 0, out.length);
            if (remaining > 0) {
                ResponseBody.copy(conn, remaining, new WriterStream(client));
                pool.release(conn, reusable && conn.buffered() == 0);
                released = true;
            }
        } catch (IOException e) {           // the upstream's side
            throw ProxyExchange.abortMidResponse(pool, conn, plan, e);
        } catch (RuntimeException e) {      // the client's side
            if (!released) {
                pool.release(conn, false);
            }
            throw ProxyExchange.clientGone(plan, e);
        }
        IS_SENT.set(res, true);
        BYTES_WRITTEN.set(res, out.length + remaining);
    }

    private static void write(DataWriter client, byte[] bytes, int offset, int length) {
        client.write(BufferData.create(bytes, offset, length));
    }

    /** The client's socket as a stream, each write going out at once (the upstream read decides the sizes). */
    private static final class WriterStream extends OutputStream {
        private final DataWriter client;

        WriterStream(DataWriter client) {
            this.client = client;
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            DirectResponse.write(client, bytes, offset, length);
        }
    }

    /** The response head in wire form, sized exactly, with {@code room} bytes left after it for the body. */
    private static final class Head {
        final byte[] bytes;
        int length;

        Head(Status status, ResponseHead head, String requestId, boolean keepAlive, int room) {
            byte[] date = head.hasDate() ? null : DateTime.http1Bytes();
            String reason = status.reasonPhrase() == null || status.reasonPhrase().isEmpty()
                    ? status.codeText() : status.reasonPhrase();
            boolean ok = status.code() == 200 && reason.equals("OK");
            boolean requestIdField = !head.hasOwn(RequestId.HEADER.defaultCase());    // unless a plugin set it
            int size = (ok ? OK_200.length : HTTP_11.length + 4 + reason.length() + 2)
                    + (requestIdField ? REQUEST_ID.length + requestId.length() + 2 : 0)
                    + (date == null ? 0 : DATE.length + date.length)
                    + (keepAlive ? 0 : CONNECTION_CLOSE.length)
                    + 2;
            if (head.contentLength >= 0) {
                size += CONTENT_LENGTH.length + digits(head.contentLength) + 2;
            }
            for (int i = 0; i < head.names.size(); i++) {
                if (head.forwarded(i)) {
                    size += head.names.get(i).bytes().length + 2 + head.values.get(i).length() + 2;
                }
            }
            bytes = new byte[size + room];
            if (ok) {
                put(OK_200);
            } else {
                put(HTTP_11);
                putNumber(status.code());
                bytes[length++] = ' ';
                putLatin1(reason);
                crlf();
            }
            for (int i = 0; i < head.names.size(); i++) {
                if (head.forwarded(i)) {
                    put(head.names.get(i).bytes());
                    bytes[length++] = ':';
                    bytes[length++] = ' ';
                    putLatin1(head.values.get(i));
                    crlf();
                }
            }
            if (head.contentLength >= 0) {
                put(CONTENT_LENGTH);
                putNumber(head.contentLength);
                crlf();
            }
            if (requestIdField) {
                put(REQUEST_ID);
                putLatin1(requestId);
                crlf();
            }
            if (date != null) {
                put(DATE);
                put(date);          // ends with its CRLF
            }
            if (!keepAlive) {
                put(CONNECTION_CLOSE);
            }
            crlf();
        }

        private void put(byte[] part) {
            System.arraycopy(part, 0, bytes, length, part.length);
            length += part.length;
        }

        /** Values were read as ISO-8859-1, so each char is one octet as it came (obs-text included). */
        @SuppressWarnings("deprecation")
        private void putLatin1(String text) {
            text.getBytes(0, text.length(), bytes, length);
            length += text.length();
        }

        private void putNumber(long value) {
            int end = length + digits(value);
            for (int i = end - 1; i >= length; i--) {
                bytes[i] = (byte) ('0' + value % 10);
                value /= 10;
            }
            length = end;
        }

        private void crlf() {
            bytes[length++] = '\r';
            bytes[length++] = '\n';
        }

        private static int digits(long value) {
            int digits = 1;
            while (value >= 10) {
                value /= 10;
                digits++;
            }
            return digits;
        }
    }
}
