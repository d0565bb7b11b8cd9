package stargate.node.balancer;

/**
 * The 64-bit hashing behind {@code ip-hash} and {@code consistent-hash}.
 *
 * <p>{@link #of} runs FNV-1a over the UTF-16 code units of the key (one xor and one multiply per char,
 * no allocation), then {@link #mix}: FNV-1a alone diffuses its low input bits poorly into the high output
 * bits, which the ring's binary search compares first; the finaliser makes every input bit flip each output
 * bit with probability about 1/2. Keys are short (addresses, user ids, paths), so a block-wise hash such as
 * xxHash would buy nothing here. This is not a keyed hash: a client that chooses its key can choose its
 * target, which consistent hashing allows anyway (it can simply resend the same key).
 *
 * <p>References: Fowler, Noll, Vo, "FNV hash" (IETF draft-eastlake-fnv); D. Stafford, "Better bit mixing"
 * (2011), variant 13, the finaliser of SplitMix64 (Steele, Lea, Flood, OOPSLA 2014).
 */
final class KeyHash {
    private static final long FNV_OFFSET_BASIS = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;
    /** 2^64 / golden ratio: SplitMix64's increment, spreads consecutive counters over the 64-bit space. */
    static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

    private KeyHash() {
    }

    static long of(CharSequence key) {
        long hash = FNV_OFFSET_BASIS;
        for (int i = 0; i < key.length(); i++) {
            hash = (hash ^ key.charAt(i)) * FNV_PRIME;
        }
        return mix(hash);
    }

    /** Stafford's mix13: a bijection on 64-bit values with full avalanche. */
    static long mix(long value) {
        long z = (value ^ (value >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
