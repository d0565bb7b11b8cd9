package stargate.model.routing;

import java.util.Locale;

/**
 * One route host, parsed: exact ({@code api.example.com}), leading wildcard ({@code *.example.org},
 * which takes {@code a.example.org} and {@code a.b.example.org} but not {@code example.org}), or any
 * host (a route without hosts). Names compare case-insensitively; {@code key} is lower case, without
 * the {@code *.} of a wildcard.
 */
record HostPattern(Tier tier, String key) {
    /** Declaration order is precedence. */
    enum Tier {
        EXACT("exact host"), WILDCARD("wildcard host"), ANY("any host");

        final String label;

        Tier(String label) {
            this.label = label;
        }
    }

    static final HostPattern ANY = new HostPattern(Tier.ANY, "");

    /** @throws IllegalArgumentException with a reason an operator can act on */
    static HostPattern parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("host must not be empty");
        }
        String lower = text.toLowerCase(Locale.ROOT);
        if (lower.startsWith("*.") && lower.length() > 2 && lower.indexOf('*', 1) < 0) {
            return new HostPattern(Tier.WILDCARD, lower.substring(2));
        }
        if (lower.indexOf('*') >= 0) {
            throw new IllegalArgumentException("host \"" + text + "\": only a leading *. wildcard is allowed");
        }
        return new HostPattern(Tier.EXACT, lower);
    }

    /**
     * The end of the name in a request's Host value: before a {@code :port} and a trailing dot.
     * An IPv6 literal keeps its brackets ({@code [::1]:8080} gives {@code [::1]}).
     */
    static int nameEnd(String host) {
        int end = host.length();
        int colon = host.startsWith("[") ? host.indexOf(':', Math.max(0, host.indexOf(']'))) : host.indexOf(':');
        if (colon >= 0) {
            end = colon;
        }
        if (end > 0 && host.charAt(end - 1) == '.') {
            end--;
        }
        return end;
    }

    /** The single-pattern check (explain's near misses, not the index): does {@code host[0, end)} match? */
    boolean matches(String host, int end) {
        return switch (tier) {
            case ANY -> true;
            case EXACT -> end == key.length() && RegionMap.regionEquals(key, host, 0, true);
            case WILDCARD -> end > key.length() + 1 && host.charAt(end - key.length() - 1) == '.'
                    && RegionMap.regionEquals(key, host, end - key.length(), true);
        };
    }

    @Override
    public String toString() {
        return switch (tier) {
            case ANY -> "any host";
            case EXACT -> key;
            case WILDCARD -> "*." + key;
        };
    }
}
