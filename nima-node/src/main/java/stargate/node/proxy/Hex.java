package stargate.node.proxy;

import java.nio.charset.StandardCharsets;

/** Lowercase hex digits of random ids, written into one byte array so that an id is one String and no more. */
final class Hex {
    private static final byte[] DIGITS = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private Hex() {
    }

    /** Writes {@code value}'s 16 hex digits at {@code at}, most significant first. */
    static void put(byte[] dst, int at, long value) {
        for (int i = at + 15; i >= at; i--) {
            dst[i] = DIGITS[(int) value & 0xf];
            value >>>= 4;
        }
    }

    /** Latin-1 bytes as a String: one copy into a compact string. */
    static String text(byte[] ascii) {
        return new String(ascii, StandardCharsets.ISO_8859_1);
    }
}
