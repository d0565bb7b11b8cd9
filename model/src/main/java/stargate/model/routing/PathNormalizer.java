package stargate.model.routing;

/**
 * Normalizes a request path before routing (SPEC §13), so that the route chosen, the plugins that
 * check it and the upstream that serves it all see one and the same path.
 *
 * <p>Without this a route guard is bypassed: with {@code /public/*} open and {@code /admin/*} behind
 * auth, {@code /public/../admin/x} matches the open route while the upstream resolves it to
 * {@code /admin/x}; {@code %2e%2e} and {@code ..%2f} do the same through percent-encoding.
 *
 * <h2>Rules, in order</h2>
 * <ol>
 *   <li>Percent-encoded unreserved characters ({@code A-Z a-z 0-9 - . _ ~}) are decoded; any other
 *       escape stays encoded, its hex digits upper-cased ({@code %c3%a9} becomes {@code %C3%A9}).</li>
 *   <li>Dot segments are removed (RFC 3986 §5.2.4), after step 1, so {@code %2e%2e} is {@code ..}.
 *       A final {@code .} or {@code ..} leaves a trailing slash ({@code /a/b/..} is {@code /a/}).</li>
 *   <li>Repeated slashes are merged ({@code //a//b/} is {@code /a/b/}).</li>
 * </ol>
 * Refused ({@link MalformedPathException}): an escape of {@code /}, {@code \} or NUL ({@code %2F},
 * {@code %5C}, {@code %00}, any case), since the upstream may read it as a separator or a terminator
 * while we could not route on it; a raw backslash (some servers read it as {@code /}); a raw byte that
 * is not printable ASCII (the request line is ASCII; such a byte cannot be sent upstream as is); a
 * truncated or non-hex escape; a {@code ..} that would climb above {@code /}; and a dot segment carrying
 * {@code ;} parameters ({@code ..;x}, {@code .;x}), which servers that strip parameters resolve as a dot
 * segment.
 *
 * <p>A query ({@code ?...}) is returned unchanged after the normalized path. A path that does not
 * start with {@code /} (such as {@code *}) is only checked, not rewritten: it matches no route.
 *
 * <h2>Cost</h2>
 * Runs on every request. One scan decides whether anything can change; a path with no {@code %}, no
 * {@code //} and no {@code /.} (the common case) is returned as the same instance, allocating nothing.
 * Otherwise one pass over the path builds the result, dropping a segment in O(1) amortized by
 * searching back for the previous slash: O(path length) overall.
 */
public final class PathNormalizer {
    /** For each ASCII character, whether it is unreserved (RFC 3986 §2.3) and so decoded when escaped. */
    private static final boolean[] UNRESERVED = new boolean[128];
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    static {
        for (char c = 'A'; c <= 'Z'; c++) {
            UNRESERVED[c] = true;
            UNRESERVED[Character.toLowerCase(c)] = true;
        }
        for (char c = '0'; c <= '9'; c++) {
            UNRESERVED[c] = true;
        }
        for (char c : "-._~".toCharArray()) {
            UNRESERVED[c] = true;
        }
    }

    private PathNormalizer() {
    }

    /** Whether {@code c} is unreserved (RFC 3986 §2.3): a letter, a digit, or one of {@code - . _ ~}. */
    public static boolean isUnreserved(char c) {
        return c < UNRESERVED.length && UNRESERVED[c];
    }

    /**
     * @param target a request target's path, query allowed ({@code /a/../b?x=1}); null or empty is {@code /}
     * @return the normalized path and the unchanged query; {@code target} itself when nothing changes
     * @throws MalformedPathException when the path must be refused with 400 {@code bad_request}
     */
    public static String normalize(String target) throws MalformedPathException {
        if (target == null || target.isEmpty()) {
            return "/";
        }
        int query = target.indexOf('?');
        int end = query < 0 ? target.length() : query;
        if (end == 0) {
            return "/" + target;
        }
        if (!needsRewrite(target, end) || target.charAt(0) != '/') {
            return target;
        }
        StringBuilder out = rewrite(target, end);
        if (sameAs(target, end, out)) {
            return target;      // only a segment like "/.well-known" made us look
        }
        return out.append(target, end, target.length()).toString();
    }

    /**
     * Checks every character and says whether one may change the path: an escape, an empty segment
     * ({@code //}) or a segment starting with a dot (a dot segment is one of those).
     */
    private static boolean needsRewrite(String target, int end) throws MalformedPathException {
        boolean rewrite = false;
        char previous = 0;
        for (int i = 0; i < end; i++) {
            char c = target.charAt(i);
            if (c <= ' ' || c >= 0x7f) {
                throw new MalformedPathException("the path holds a byte that is not printable ASCII (0x"
                        + Integer.toHexString(c) + "); percent-encode it");
            }
            if (c == '\\') {
                throw new MalformedPathException("the path holds a backslash");
            }
            if (c == '%' || previous == '/' && (c == '/' || c == '.')) {
                rewrite = true;
            }
            previous = c;
        }
        return rewrite;
    }

    /**
     * One pass over {@code target[0, end)}, which starts with '/': each segment is decoded onto the end of
     * {@code out}, then kept, dropped (empty or {@code .}) or dropped with its parent ({@code ..}).
     * {@code out} holds {@code /seg/seg} without a trailing slash between segments.
     */
    private static StringBuilder rewrite(String target, int end) throws MalformedPathException {
        StringBuilder out = new StringBuilder(end);
        int i = 1;
        while (true) {
            int segment = out.length();
            out.append('/');
            while (i < end && target.charAt(i) != '/') {
                i = appendDecoded(target, i, end, out);
            }
            int length = out.length() - segment - 1;
            if (isDotsWithParameters(out, segment + 1, length)) {
                throw new MalformedPathException("the path holds a dot segment with ';' parameters (..;)");
            }
            boolean dropped = length == 0 || isDots(out, segment + 1, length);
            if (dropped) {
                out.setLength(segment);
                if (length == 2) {      // ".."
                    int parent = lastSlash(out);
                    if (parent < 0) {
                        throw new MalformedPathException("the path climbs above / with ..");
                    }
                    out.setLength(parent);
                }
            }
            if (i >= end) {
                if (dropped) {          // a path ending in "/", "/." or "/.." names a directory
                    out.append('/');
                }
                return out;
            }
            i++;                        // the '/' that ends this segment
        }
    }

    /** Appends the character at {@code i} (decoded if it is an unreserved escape); returns the next index. */
    private static int appendDecoded(String target, int i, int end, StringBuilder out) throws MalformedPathException {
        char c = target.charAt(i);
        if (c != '%') {
            out.append(c);
            return i + 1;
        }
        int high = i + 2 < end ? Character.digit(target.charAt(i + 1), 16) : -1;
        int low = high < 0 ? -1 : Character.digit(target.charAt(i + 2), 16);
        if (low < 0) {
            throw new MalformedPathException("the path holds a '%' that is not followed by two hex digits");
        }
        int decoded = high << 4 | low;
        if (decoded == '/' || decoded == '\\' || decoded == 0) {
            throw new MalformedPathException("the path holds an encoded '/', '\\' or NUL (%2F, %5C, %00)");
        }
        if (isUnreserved((char) decoded)) {
            out.append((char) decoded);
        } else {
            out.append('%').append(HEX[high]).append(HEX[low]);
        }
        return i + 3;
    }

    /** Whether {@code out[from, from + length)} is {@code .} or {@code ..}. */
    private static boolean isDots(StringBuilder out, int from, int length) {
        return (length == 1 || length == 2 && out.charAt(from + 1) == '.') && out.charAt(from) == '.';
    }

    /**
     * Whether {@code out[from, from + length)} is {@code .;…} or {@code ..;…}: Tomcat, Jetty and Spring drop
     * {@code ;} path parameters before resolving dot segments, so behind them {@code /public/..;/admin}
     * is {@code /admin} while we would route it under {@code /public/}.
     */
    private static boolean isDotsWithParameters(StringBuilder out, int from, int length) {
        if (length < 2 || out.charAt(from) != '.') {
            return false;
        }
        char second = out.charAt(from + 1);
        return second == ';' || second == '.' && length > 2 && out.charAt(from + 2) == ';';
    }

    private static boolean sameAs(String target, int end, StringBuilder out) {
        if (out.length() != end) {
            return false;
        }
        for (int i = 0; i < end; i++) {
            if (out.charAt(i) != target.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static int lastSlash(StringBuilder out) {
        for (int i = out.length() - 1; i >= 0; i--) {
            if (out.charAt(i) == '/') {
                return i;
            }
        }
        return -1;
    }
}
