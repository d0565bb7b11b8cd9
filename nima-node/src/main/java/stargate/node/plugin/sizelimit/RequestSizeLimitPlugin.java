package stargate.node.plugin.sizelimit;

import stargate.node.plugin.Exchange;
import stargate.node.plugin.Plugin;
import stargate.node.plugin.Verdict;

/**
 * A {@code Content-Length} above the limit is refused up front (413 {@code body_too_large}), before a
 * byte of the body is read or anything is sent upstream. A body without a length (chunked) is
 * limited while it streams: the proxy stops at the first byte past the limit, drops the upstream
 * connection, and answers 413 with {@code Connection: close}. No body is ever read whole to be measured.
 */
final class RequestSizeLimitPlugin implements Plugin {
    private final long maxBytes;

    RequestSizeLimitPlugin(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    @Override
    public Verdict onRequest(Exchange exchange) {
        long length = exchange.request().contentLength();
        if (length > maxBytes) {
            return Verdict.reject(413, "body_too_large", "request body of " + length + " bytes exceeds "
                    + maxBytes + " bytes").closeConnection();
        }
        if (length < 0) {
            exchange.limitRequestBody(maxBytes);
        }
        return Verdict.PASS;
    }
}
