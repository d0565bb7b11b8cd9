package stargate.node.listener;

import stargate.node.proxy.UpstreamException;

/**
 * The way out for every answer the gateway makes itself on one request (502, 503, 504, 500...): straight
 * to the client when the route has no plugins, else through the response phase of the plugins that ran,
 * so a 502 carries the CORS, request-id and rate-limit headers a 200 would (SPEC §13).
 */
@FunctionalInterface
interface GatewayAnswer {
    /** Sends the JSON error answer; the response must not have been started. */
    void send(int status, String error, String message);

    /** Sends the error {@code failure} maps to (see {@link UpstreamException.Kind}). */
    default void send(UpstreamException failure) {
        send(failure.kind().status(), failure.kind().error(), failure.getMessage());
    }
}
