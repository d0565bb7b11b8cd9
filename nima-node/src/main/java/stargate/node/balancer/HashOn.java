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
    static final HashOn CLIENT_IP = new HashOn("ip", PickContext::clientIp);

    private final String spec;
    private final Function<PickContext, String> key;

    private HashOn(String spec, Function<PickContext, String> key) {
        this.spec = spec;
        this.key = key;
    }

    static HashOn parse(String spec) {
        if (spec == null || spec.equals("ip")) {
            return CLIENT_IP;
        }
        if (spec.equals("path")) {
            return new HashOn(spec, PickContext::path);
        }
        int colon = spec.indexOf(':');
        String name = spec.substring(colon + 1);
        if (colon > 0 && !name.isEmpty()) {
            switch (spec.substring(0, colon)) {
                case "header" -> {
                    String lowerCaseName = name.toLowerCase(Locale.ROOT);
                    return new HashOn(spec, request -> request.header(lowerCaseName));
                }
                case "cookie" -> {
                    return new HashOn(spec, request -> request.cookie(name));
                }
                default -> {
                }
            }
        }
        throw new IllegalArgumentException("hash_on must be header:NAME, cookie:NAME, ip or path, not \"" + spec + "\"");
    }

    /** The 64-bit hash of the request's key, with the fallbacks above. */
    long hash(PickContext request) {
        String value = key.apply(request);
        if (value == null || value.isEmpty()) {
            value = request.clientIp();
        }
        return value == null ? ThreadLocalRandom.current().nextLong() : KeyHash.of(value);
    }

    @Override
    public String toString() {
        return spec;
    }
}
