package stargate.model.plugin;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An IPv4 or IPv6 address range: {@code 10.0.0.0/8}, {@code 2001:db8::/32}; a bare address is
 * one host ({@code /32}, {@code /128}). Immutable.
 *
 * <p>Parsing is strict, because these ranges decide who gets in: IPv4 is four decimal octets
 * without leading zeros ({@code 010} reads as octal in some tools); IPv6 is hex groups with at
 * most one {@code ::}, without zone ids or an embedded IPv4 tail (write IPv4 ranges as IPv4).
 * Host bits set below the prefix ({@code 10.0.0.1/8}) are an error, not silently cleared: such a
 * range is usually a typo for a narrower or a wider one, and the message shows the network that
 * was probably meant. Both parsers are hand-written and never touch DNS.
 */
public final class Cidr {
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:]{2,39}");
    private static final Pattern PREFIX = Pattern.compile("0|[1-9]\\d{0,2}");

    private final byte[] network;
    private final int prefixLength;

    private Cidr(byte[] network, int prefixLength) {
        this.network = network;
        this.prefixLength = prefixLength;
    }

    /** @throws IllegalArgumentException with a message fit for a config error */
    public static Cidr parse(String text) {
        int slash = text.indexOf('/');
        String address = slash < 0 ? text : text.substring(0, slash);
        byte[] bytes = address.indexOf(':') >= 0 ? ipv6(address) : ipv4(address);
        if (bytes == null) {
            throw new IllegalArgumentException("expected an IP address or CIDR like 10.0.0.0/8 or 2001:db8::/32, got \"" + text + "\"");
        }
        int bits = bytes.length * 8;
        int prefix = bits;
        if (slash >= 0) {
            String length = text.substring(slash + 1);
            if (!PREFIX.matcher(length).matches() || Integer.parseInt(length) > bits) {
                throw new IllegalArgumentException("the prefix length of an " + (bits == 32 ? "IPv4" : "IPv6")
                        + " range is 0.." + bits + ", got \"" + text + "\"");
            }
            prefix = Integer.parseInt(length);
        }
        Cidr cidr = new Cidr(bytes, prefix);
        byte[] masked = cidr.mask(bytes);
        if (!Arrays.equals(masked, bytes)) {
            throw new IllegalArgumentException("host bits are set in \"" + text + "\": did you mean "
                    + new Cidr(masked, prefix) + "?");
        }
        return cidr;
    }

    /**
     * A bare IPv4 or IPv6 address under the same strict rules as {@link #parse}, or null when
     * {@code text} is not one (never a DNS lookup): for addresses read from request headers.
     */
    public static InetAddress address(String text) {
        if (text.isEmpty() || text.length() > 39) {
            return null;
        }
        byte[] bytes = text.indexOf(':') >= 0 ? ipv6(text) : ipv4(text);
        try {
            return bytes == null ? null : InetAddress.getByAddress(bytes);
        } catch (java.net.UnknownHostException impossible) {   // thrown only for a wrong array length
            throw new IllegalStateException(impossible);
        }
    }

    public int prefixLength() {
        return prefixLength;
    }

    /** Whether {@code address} is in this range; an IPv4 address is never in an IPv6 range, nor the reverse. */
    public boolean contains(InetAddress address) {
        byte[] bytes = address.getAddress();
        return bytes.length == network.length && Arrays.equals(mask(bytes), network);
    }

    private byte[] mask(byte[] address) {
        byte[] out = address.clone();
        for (int i = 0; i < out.length; i++) {
            int keep = Math.clamp(prefixLength - i * 8L, 0, 8);
            out[i] &= (byte) (0xff00 >> keep);
        }
        return out;
    }

    private static byte[] ipv4(String text) {
        Matcher m = IPV4.matcher(text);
        if (!m.matches()) {
            return null;
        }
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            String octet = m.group(i + 1);
            int value = Integer.parseInt(octet);
            if (value > 255 || octet.length() > 1 && octet.charAt(0) == '0') {
                return null;
            }
            out[i] = (byte) value;
        }
        return out;
    }

    /** Eight 16-bit groups, or fewer with one {@code ::} standing for the missing zero groups. */
    private static byte[] ipv6(String text) {
        int gap = text.indexOf("::");
        if (!IPV6.matcher(text).matches() || gap != text.lastIndexOf("::")) {
            return null;
        }
        String[] head = groups(gap < 0 ? text : text.substring(0, gap));
        String[] tail = gap < 0 ? new String[0] : groups(text.substring(gap + 2));
        if (head == null || tail == null || (gap < 0 ? head.length != 8 : head.length + tail.length > 7)) {
            return null;
        }
        byte[] out = new byte[16];
        for (int i = 0; i < head.length; i++) {
            put(out, i, head[i]);
        }
        for (int i = 0; i < tail.length; i++) {
            put(out, 8 - tail.length + i, tail[i]);
        }
        return out;
    }

    /** {@code "a:b"} to its groups; {@code ""} to none; null when a group is empty or longer than 4 digits. */
    private static String[] groups(String part) {
        if (part.isEmpty()) {
            return new String[0];
        }
        String[] groups = part.split(":", -1);
        for (String g : groups) {
            if (g.isEmpty() || g.length() > 4) {
                return null;
            }
        }
        return groups;
    }

    private static void put(byte[] out, int group, String hex) {
        int value = Integer.parseInt(hex, 16);
        out[2 * group] = (byte) (value >> 8);
        out[2 * group + 1] = (byte) value;
    }

    /** {@code 10.0.0.0/8}, {@code 2001:db8::/32}: IPv6 in the RFC 5952 form (lower case, longest zero run as "::"). */
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder();
        if (network.length == 4) {
            for (int i = 0; i < 4; i++) {
                out.append(i == 0 ? "" : ".").append(network[i] & 0xff);
            }
        } else {
            int[] groups = new int[8];
            for (int i = 0; i < 8; i++) {
                groups[i] = (network[2 * i] & 0xff) << 8 | network[2 * i + 1] & 0xff;
            }
            int runStart = -1;
            int runLength = 1; // RFC 5952 §4.2.2: a single zero group is not shortened
            for (int i = 0; i < 8; i++) {
                int end = i;
                while (end < 8 && groups[end] == 0) {
                    end++;
                }
                if (end - i > runLength) {
                    runStart = i;
                    runLength = end - i;
                }
            }
            for (int i = 0; i < 8; i++) {
                if (i == runStart) {
                    out.append("::");
                    i += runLength - 1;
                } else {
                    boolean afterGap = i == 0 || i == runStart + runLength && runStart >= 0;
                    out.append(afterGap ? "" : ":").append(Integer.toHexString(groups[i]));
                }
            }
        }
        return out.append('/').append(prefixLength).toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr other && prefixLength == other.prefixLength && Arrays.equals(network, other.network);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(network) + prefixLength;
    }
}
