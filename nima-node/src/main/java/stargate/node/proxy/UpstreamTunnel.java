package stargate.node.proxy;

import java.io.IOException;

import io.helidon.http.HeaderNames;
import io.helidon.http.WritableHeaders;

/**
 * The upstream end of a switched connection (a WebSocket after the upstream's 101), made by
 * {@link ProxyExchange#upgrade}: raw bytes both ways, no framing. One thread may {@link #read} while another
 * {@link #write}s; {@link #close} from any thread wakes both.
 */
public final class UpstreamTunnel implements AutoCloseable {
    private final TargetPool pool;
    private final UpstreamConnection conn;
    private final ResponseHead head;

    UpstreamTunnel(TargetPool pool, UpstreamConnection conn, ResponseHead head) {
        this.pool = pool;
        this.conn = conn;
        this.head = head;
    }

    /**
     * The fields of the 101 to send the client: the upstream's end-to-end ones ({@code Sec-WebSocket-Accept},
     * {@code -Protocol}, {@code -Extensions}...), its {@code Upgrade}, {@code Connection: Upgrade} and the
     * exchange's {@code X-Request-Id}.
     */
    public WritableHeaders<?> switchingHeaders(String requestId) {
        WritableHeaders<?> headers = WritableHeaders.create();
        for (int i = 0; i < head.names.size(); i++) {
            FieldName name = head.names.get(i);
            if (name.lower.equals("upgrade")) {
                headers.add(HeaderNames.UPGRADE, head.values.get(i));
            } else if (!name.notForwarded && !head.connectionTokens.contains(name.lower)) {
                headers.add(ObsText.responseHeader(name.headerName, head.values.get(i)));
            }
        }
        headers.set(HeaderNames.CONNECTION, "Upgrade");
        headers.set(RequestId.HEADER, requestId);
        return headers;
    }

    /** Reads what the upstream sends (bytes that came with the 101 first); -1 when it closed. */
    public int read(byte[] buffer) throws IOException {
        return conn.readTunnel(buffer);
    }

    /** Sends bytes to the upstream now. */
    public void write(byte[] bytes, int offset, int length) throws IOException {
        conn.writeTunnel(bytes, offset, length);
    }

    /** Closes the upstream connection (idempotent); a blocked {@link #read} or {@link #write} fails. */
    @Override
    public void close() {
        pool.release(conn, false);
    }
}
