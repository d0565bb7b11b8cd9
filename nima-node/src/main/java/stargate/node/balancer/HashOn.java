package stargate.node.balancer;

import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

/**
 * The request key a hashing balancer places a request by, from {@code hash_on}: {@code header:NAME},
 * {@code cookie:NAME}, {@code ip} or {@code path} (absent = {@code ip}).
 *
 * <p>A request without the key (no such header or cookie, or an empty value) is placed by its client
 * address instead, so one client without the key still sticks to one target. A request without even a
 * client address gets a random point: spread like round-robin rather than all piled onto one target.
 */
final class HashOn {
    static final HashOn CLIENT_IP = new HashOn(PickContext::clientIp);

    private final Function<PickContext, String> key;

    private HashOn(Function<PickContext, String> key) {
        this.key = key;
    }

    static HashOn parse(String spec) {
        if (spec == null || spec.equals("ip")) {
            return CLIENT_IP;
        }
        if (spec.equals("path")) {
            return new HashOn(PickContext::path);
        }
        int colon = spec.indexOf(':');
        String name = spec.substring(colon + 1);
        String lowerCaseName = name.toLowerCase(Locale.ROOT);
        HashOn named = colon < 0 || name.isEmpty() ? null : switch (spec.substring(0, colon)) {
            case "header" -> new HashOn(request -> request.header(lowerCaseName));
            case "cookie" -> new HashOn(request -> request.cookie(name));
            default -> null;
        };
        if (named == null) {
            throw new IllegalArgumentException("hash_on must be header:NAME, cookie:NAME, ip or path, not \"" + spec + "\"");
        }
        return named;
    }

    /** The 64-bit hash of the request's key, with the fallbacks above. */
    long hash(PickContext request) {
        String value = key.apply(request);
        if (value == null || value.isEmpty()) {
            value = request.clientIp();
        }
        return value == null ? ThreadLocalRandom.current().nextLong() : KeyHash.of(value);
    }
}
