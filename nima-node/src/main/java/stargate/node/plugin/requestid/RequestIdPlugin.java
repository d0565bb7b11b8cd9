package stargate.node.plugin.requestid;

import stargate.model.plugin.RequestIdConfig;
import stargate.node.plugin.Exchange;
import stargate.node.plugin.Plugin;
import stargate.node.plugin.Response;
import stargate.node.plugin.Verdict;
import stargate.node.proxy.RequestId;

/**
 * The exchange's request id under the configured header: a sane id the client sent in it (printable
 * ASCII, at most 128 characters) becomes the exchange's id, else the proxy's id is used. It is sent
 * upstream and returned to the client under that name, besides {@code X-Request-Id}, and is the id in
 * error bodies and the access log. With the default name the proxy already does all of this.
 */
final class RequestIdPlugin implements Plugin {
    private final String header;
    private final boolean proxyDefault;

    RequestIdPlugin(RequestIdConfig config) {
        this.header = config.header();
        this.proxyDefault = header.equalsIgnoreCase("X-Request-Id");
    }

    @Override
    public Verdict onRequest(Exchange exchange) {
        if (proxyDefault) {
            return Verdict.PASS;
        }
        String incoming = exchange.request().header(header);
        if (RequestId.isSane(incoming)) {
            exchange.requestId(incoming);
        }
        exchange.setRequestHeader(header, exchange.requestId());
        return Verdict.PASS;
    }

    @Override
    public void onResponse(Exchange exchange, Response response) {
        if (!proxyDefault) {
            response.setHeader(header, exchange.requestId());
        }
    }
}
