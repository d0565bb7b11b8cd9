package stargate.node.listener;

/**
 * An HTTP/1 request target in absolute form ({@code GET http://api.test/a HTTP/1.1}), as a client set up to use a
 * proxy sends it. RFC 9112 §3.2.2: a server MUST accept it, and MUST then ignore Host and take the host from the
 * target. So the authority is the request's one host (it routes, plugins and the upstream's Host policy see it) and
 * the path goes on in origin form, normalized like any other.
 *
 * <p>Only {@code http} and {@code https} URIs; a userinfo part ({@code http://user@host/}) is refused, as RFC 9110
 * §4.2.4 asks of a recipient, since it passes for a host to a reader who does not parse it.
 *
 * @param authority the host and optional port, checked as a Host value is ({@link HostHeader#authorityProblem})
 * @param path      the path from the first {@code /} after the authority, {@code /} when there is none; Helidon has
 *                  already split off the query
 */
record AbsoluteForm(String authority, String path) {
    /**
     * @param target an HTTP/1 request target without its query, not in origin form (it does not start with {@code /})
     * @return its authority and path; null for the asterisk form ({@code *}), which matches no route as it stands
     * @throws MalformedTargetException when it is not an http or https URI with a valid host
     */
    static AbsoluteForm parse(String target) throws MalformedTargetException {
        if (target.equals("*")) {
            return null;
        }
        int colon = target.indexOf(':');
        boolean web = colon == 4 && target.regionMatches(true, 0, "http", 0, 4)
                || colon == 5 && target.regionMatches(true, 0, "https", 0, 5);
        if (!web || !target.startsWith("//", colon + 1)) {
            throw new MalformedTargetException("the request target is neither a path nor an http or https URI");
        }
        int from = colon + 3;
        int slash = target.indexOf('/', from);
        String authority = target.substring(from, slash < 0 ? target.length() : slash);
        if (authority.isEmpty()) {
            throw new MalformedTargetException("the request target's URI names no host");
        }
        if (authority.indexOf('@') >= 0) {
            throw new MalformedTargetException("the request target's URI carries userinfo");
        }
        String problem = HostHeader.authorityProblem(authority);
        if (problem != null) {
            throw new MalformedTargetException("the request target's URI has an invalid host: " + problem);
        }
        return new AbsoluteForm(authority, slash < 0 ? "/" : target.substring(slash));
    }

    /** A request target refused with 400; no stack trace, as it answers hostile input that may come often. */
    static final class MalformedTargetException extends Exception {
        MalformedTargetException(String message) {
            super(message, null, false, false);
        }
    }
}
