package stargate.node.plugin.transform;

import stargate.model.plugin.HeaderEdits;
import stargate.node.plugin.Exchange;
import stargate.node.plugin.Plugin;
import stargate.node.plugin.Response;

/** Edits the response headers (remove, then set, then add) before they reach the client. */
final class ResponseTransformerPlugin implements Plugin {
    private final HeaderEdits headers;

    ResponseTransformerPlugin(HeaderEdits headers) {
        this.headers = headers;
    }

    @Override
    public void onResponse(Exchange exchange, Response response) {
        headers.remove().forEach(response::removeHeader);
        headers.set().forEach(response::setHeader);
        headers.add().forEach(response::addHeader);
    }
}
