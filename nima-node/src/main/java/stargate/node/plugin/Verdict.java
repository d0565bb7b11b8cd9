package stargate.node.plugin;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a plugin's request phase decided: {@link #PASS}, or an answer sent instead of proxying, either
 * the gateway's JSON error (SPEC §5: {@code {"status", "error", "message", "request_id"}}) or a response
 * of the plugin's own (a CORS preflight, a cache hit). Answers pass through the response phase of the
 * plugins that ran, like an upstream response.
 *
 * <p>Immutable once returned; {@link #header} is for building one.
 */
public final class Verdict {
    /** Continue with the next plugin, and finally the upstream. */
    public static final Verdict PASS = new Verdict(0, null, null, null, null);

    private final int status;
    private final String error;
    private final String message;
    private final byte[] body;
    private final String contentType;
    private final List<String[]> headers = new ArrayList<>(2);
    private boolean closeConnection;

    private Verdict(int status, String error, String message, byte[] body, String contentType) {
        this.status = status;
        this.error = error;
        this.message = message;
        this.body = body;
        this.contentType = contentType;
    }

    /**
     * Refuses the request with the gateway's JSON error body.
     *
     * @param status  4xx or 5xx
     * @param error   machine-readable code, e.g. {@code rate_limited}
     * @param message human-readable detail; must not echo secrets
     */
    public static Verdict reject(int status, String error, String message) {
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("a rejection is 4xx or 5xx, got " + status);
        }
        return new Verdict(status, Objects.requireNonNull(error, "error"), message, null, null);
    }

    /** Answers with {@code status} and {@code body} (may be empty) of {@code contentType} (null with no body). */
    public static Verdict respond(int status, byte[] body, String contentType) {
        if (status < 200 || status > 599) {
            throw new IllegalArgumentException("a response status is 200..599, got " + status);
        }
        return new Verdict(status, null, null, body == null ? new byte[0] : body, contentType);
    }

    /** Answers with a UTF-8 text body. */
    public static Verdict respond(int status, String body, String contentType) {
        return respond(status, body.getBytes(StandardCharsets.UTF_8), contentType);
    }

    /** Adds a response header to this answer; returns it. */
    public Verdict header(String name, String value) {
        if (this == PASS) {
            throw new IllegalStateException("PASS carries no headers: set request headers on the Exchange");
        }
        headers.add(new String[] {name, value});
        return this;
    }

    /**
     * Closes the client connection after this answer: for a refused body the client may still be
     * sending, which is not worth reading. Returns this answer.
     */
    public Verdict closeConnection() {
        if (this == PASS) {
            throw new IllegalStateException("PASS does not answer");
        }
        closeConnection = true;
        return this;
    }

    public boolean closesConnection() {
        return closeConnection;
    }

    public boolean passes() {
        return this == PASS;
    }

    public int status() {
        return status;
    }

    /** The error code of a rejection, null for a plugin's own response. */
    public String error() {
        return error;
    }

    public String message() {
        return message;
    }

    /** The body of a plugin's own response, null for a rejection (whose body is the JSON error). */
    public byte[] body() {
        return body;
    }

    public String contentType() {
        return contentType;
    }

    public List<String[]> headers() {
        return headers;
    }
}
