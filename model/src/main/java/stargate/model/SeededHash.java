package stargate.model;

import java.security.SecureRandom;

/**
 * A 64-bit hash of a string from a random seed, for the compact tables that index a config by what
 * its authors wrote (ids, paths): {@link String#hashCode} collisions are easy to make in the id and
 * path alphabets ({@code "c-"} and {@code "ak"} share one, and so does every string built from such
 * pairs), and a table probing by it would scan them all on every lookup; with a seed nobody sees,
 * colliding strings cannot be chosen in advance. FNV-1a over the characters from the seed, then
 * SplitMix64's finalizer to spread the bits.
 */
public final class SeededHash {
    private static final SecureRandom SEEDS = new SecureRandom();

    private final long seed = SEEDS.nextLong();

    public long of(String text) {
        long h = seed;
        for (int i = 0; i < text.length(); i++) {
            h = (h ^ text.charAt(i)) * 0x100000001b3L;
        }
        h = (h ^ (h >>> 30)) * 0xbf58476d1ce4e5b9L;
        h = (h ^ (h >>> 27)) * 0x94d049bb133111ebL;
        return h ^ (h >>> 31);
    }
}
