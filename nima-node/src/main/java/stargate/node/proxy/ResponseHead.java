package stargate.node.proxy;

import java.io.IOException;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.helidon.http.HeaderValues;

/**
 * An upstream response's status line and header fields, and the body framing they imply
 * (RFC 9112 §6.3). Parsed in place from the connection's input buffer.
 */
final class ResponseHead implements ResponseFields {
    /** The whole head (status line, fields, blank line) must fit in this many bytes. */
    static final int MAX_HEAD_BYTES = UpstreamConnection.IN_BUFFER_SIZE;
    /** Interim (1xx) responses skipped before giving up: bounds a server that sends them forever. */
    private static final int MAX_INTERIM = 16;

    /** How the response body ends. */
    enum Framing { NONE, LENGTH, CHUNKED, CLOSE }

    final int status;
    final String reason;
    /** Field names and values in arrival order. */
    final List<FieldName> names = new ArrayList<>(16);
    final List<String> values = new ArrayList<>(16);
    /** Lower-case tokens of {@code Connection}: those fields are hop-by-hop too. */
    final List<String> connectionTokens = new ArrayList<>(2);
    Framing framing;
    /** The Content-Length to tell the client (body length, or for HEAD the GET's), else -1. */
    long contentLength = -1;
    /** Whether the upstream will not (or must not) take another request on this connection. */
    boolean closeAfter;
    /** Fields from here on were set by the proxy or its plugins ({@link ResponseFields}), not the upstream. */
    private int upstreamFields = Integer.MAX_VALUE;

    private ResponseHead(int status, String reason) {
        this.status = status;
        this.reason = reason;
    }

    /**
     * Reads the final response head, skipping interim 1xx responses (100 Continue, 103 Early Hints).
     *
     * @param headRequest whether the request was HEAD (then there is never a body)
     * @param upgrade     whether the request asked to switch protocols: then a 101 is the final head (no body)
     * @throws ProtocolException if the head is malformed or too large
     * @throws java.io.EOFException if the connection ends before a complete head
     */
    static ResponseHead read(UpstreamConnection conn, boolean headRequest, boolean upgrade) throws IOException {
        for (int interim = 0; interim <= MAX_INTERIM; interim++) {
            ResponseHead head = readOne(conn);
            if (head.status == 101) {
                if (!upgrade) {
                    throw new ProtocolException("upstream switched protocols without being asked to");
                }
                head.framing = Framing.NONE;
                return head;
            }
            if (head.status >= 200) {
                head.decideFraming(headRequest);
                head.upstreamFields = head.names.size();
                return head;
            }
        }
        throw new ProtocolException("upstream sent more than " + MAX_INTERIM + " interim responses");
    }

    private static ResponseHead readOne(UpstreamConnection conn) throws IOException {
        int budget = MAX_HEAD_BYTES;
        String statusLine = conn.readLine(budget);
        budget -= statusLine.length() + 2;
        ResponseHead head = parseStatusLine(statusLine);
        while (true) {
            int end = conn.bufferLine(budget);
            int start = conn.inPos;
            budget -= end - start + 2;
            if (end == start) {
                conn.consumeLine();
                return head;
            }
            head.addField(conn.in, start, end);
            conn.consumeLine();
        }
    }

    /** {@code HTTP/1.x SP 3DIGIT SP [reason]}; a missing SP before an empty reason is tolerated. */
    private static ResponseHead parseStatusLine(String line) throws ProtocolException {
        if (line.length() < 12 || !line.startsWith("HTTP/1.") || line.charAt(8) != ' '
                || (line.length() > 12 && line.charAt(12) != ' ')) {
            throw new ProtocolException("malformed upstream status line: " + printable(line));
        }
        int status = 0;
        for (int i = 9; i < 12; i++) {
            char c = line.charAt(i);
            if (c < '0' || c > '9') {
                throw new ProtocolException("malformed upstream status line: " + printable(line));
            }
            status = status * 10 + (c - '0');
        }
        if (status < 100) {
            throw new ProtocolException("malformed upstream status line: " + printable(line));
        }
        ResponseHead head = new ResponseHead(status, line.length() > 13 ? line.substring(13) : "");
        // HTTP/1.0 closes after the response unless it says keep-alive; we never ask it to, so close.
        head.closeAfter = line.charAt(7) == '0';
        return head;
    }

    /** One {@code name: value} line, {@code line[from, to)}, parsed in place: the value is its one new String. */
    private void addField(byte[] line, int from, int to) throws ProtocolException {
        int colon = from;
        while (colon < to && line[colon] != ':') {
            colon++;
        }
        if (colon == from || colon == to || line[from] == ' ' || line[from] == '\t') {
            // also rejects obsolete line folding (RFC 9112 §5.2 allows a proxy to reject it)
            throw new ProtocolException("malformed upstream header line: " + printable(line, from, to));
        }
        for (int i = from; i < colon; i++) {
            int c = line[i] & 0xff;
            if (c <= ' ' || c >= 0x7f || c == '"' || c == '(' || c == ')' || c == ',' || c == '/' || c == '\\') {
                throw new ProtocolException("malformed upstream header name: " + printable(line, from, colon));
            }
        }
        int valueStart = colon + 1;
        int valueEnd = to;
        while (valueStart < valueEnd && isOws(line[valueStart])) {
            valueStart++;
        }
        while (valueEnd > valueStart && isOws(line[valueEnd - 1])) {
            valueEnd--;
        }
        FieldName name = FieldName.of(line, from, colon);
        String value = new String(line, valueStart, valueEnd - valueStart, StandardCharsets.ISO_8859_1);
        names.add(name);
        values.add(value);
        if (name.lower.equals("connection")) {
            for (String token : value.split(",")) {
                String t = token.strip().toLowerCase(Locale.ROOT);
                connectionTokens.add(t);
                closeAfter |= t.equals("close");
            }
        }
    }

    /**
     * Whether field {@code i} goes to the client: one the proxy or a plugin set, or an upstream's that is not
     * hop-by-hop, not named by {@code Connection} and not one the proxy sets itself.
     */
    boolean forwarded(int i) {
        if (i >= upstreamFields) {
            return true;
        }
        FieldName name = names.get(i);
        return !name.notForwarded && (connectionTokens.isEmpty() || !connectionTokens.contains(name.lower));
    }

    /** Whether the proxy or a plugin set this field (see {@link #forwarded}). */
    boolean hasOwn(String name) {
        for (int i = upstreamFields; i < names.size(); i++) {
            if (names.get(i).lower.equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    // ---- ResponseFields: the head as plugins see and edit it before it is written past Helidon

    @Override
    public String first(String name) {
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i).lower.equalsIgnoreCase(name) && forwarded(i)) {
                return values.get(i);
            }
        }
        return null;
    }

    @Override
    public void set(String name, String value) {
        remove(name);
        add(name, value);
    }

    @Override
    public void add(String name, String value) {
        String stripped = value.strip();
        // the check Helidon's response layer makes of what plugins set (a token name, no control character)
        HeaderValues.create(name, stripped).validate();
        for (int i = 0; i < stripped.length(); i++) {
            if (stripped.charAt(i) > 0xff) {     // written as one octet per char
                throw new IllegalArgumentException("invalid value of response header " + name + ": " + printable(value));
            }
        }
        byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        names.add(FieldName.of(bytes, 0, bytes.length));
        values.add(stripped);
    }

    @Override
    public void remove(String name) {
        for (int i = names.size() - 1; i >= 0; i--) {
            if (names.get(i).lower.equalsIgnoreCase(name)) {
                names.remove(i);
                values.remove(i);
                if (i < upstreamFields) {
                    upstreamFields--;
                }
            }
        }
    }

    /** Whether the upstream sent a {@code Date} (else the client's answer gets the node's). */
    boolean hasDate() {
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i).lower.equals("date")) {
                return true;
            }
        }
        return false;
    }

    private static boolean isOws(byte b) {
        return b == ' ' || b == '\t';
    }

    /** RFC 9112 §6.3: no body for HEAD, 204 and 304; Transfer-Encoding over Content-Length; else until close. */
    private void decideFraming(boolean headRequest) throws ProtocolException {
        String transferEncoding = null;
        String length = null;
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i).lower;
            if (name.equals("transfer-encoding")) {
                transferEncoding = transferEncoding == null ? values.get(i) : transferEncoding + "," + values.get(i);
            } else if (name.equals("content-length")) {
                if (length != null && !length.equals(values.get(i))) {
                    throw new ProtocolException("upstream sent conflicting Content-Length values");
                }
                length = values.get(i);
            }
        }
        if (status == 204 || status == 304) {
            framing = Framing.NONE;
            return;
        }
        if (transferEncoding != null) {
            String[] codings = transferEncoding.split(",");
            boolean chunked = codings[codings.length - 1].strip().equalsIgnoreCase("chunked");
            framing = headRequest ? Framing.NONE : chunked ? Framing.CHUNKED : Framing.CLOSE;
            // Both headers: a smuggling vector; honour Transfer-Encoding but never reuse the connection.
            closeAfter |= length != null || !chunked;
        } else if (length != null) {
            contentLength = parseLength(length);    // for HEAD: the length a GET would have
            framing = headRequest ? Framing.NONE : Framing.LENGTH;
        } else {
            framing = headRequest ? Framing.NONE : Framing.CLOSE;
            closeAfter |= !headRequest;
        }
    }

    private static long parseLength(String value) throws ProtocolException {
        if (value.isEmpty() || value.length() > 18) {
            throw new ProtocolException("invalid upstream Content-Length: " + printable(value));
        }
        long length = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                throw new ProtocolException("invalid upstream Content-Length: " + printable(value));
            }
            length = length * 10 + (c - '0');
        }
        return length;
    }

    private static String printable(byte[] line, int from, int to) {
        return printable(new String(line, from, to - from, StandardCharsets.ISO_8859_1));
    }

    /** Quotes upstream text for an error message: bounded, so a huge line cannot flood logs or error bodies. */
    private static String printable(String text) {
        return '"' + (text.length() > 64 ? text.substring(0, 64) + "…" : text) + '"';
    }
}
