package stargate.node.plugin;

/**
 * The response head as the response phase sees it, before it is sent: the status, and headers to
 * read and edit. Names are case-insensitive. Headers the proxy owns (framing, hop-by-hop) cannot be
 * edited ({@link IllegalArgumentException}).
 */
public interface Response {
    int status();

    /** The first value of {@code name}, or null. */
    String header(String name);

    /** Replaces every value of {@code name} with {@code value}. */
    void setHeader(String name, String value);

    /** Adds a value, keeping those already there. */
    void addHeader(String name, String value);

    void removeHeader(String name);
}
