package stargate.model.codec;

/**
 * A size in bytes, written {@code 512}, {@code 64KiB}, {@code 10MiB} or {@code 1GiB} in a config
 * (see {@link Units#parseSize}); a bare integer is bytes too. Printed in its shortest exact form.
 *
 * @param bytes the size in bytes, not negative
 */
public record ByteSize(long bytes) {
    public ByteSize {
        if (bytes < 0) {
            throw new IllegalArgumentException("negative size: " + bytes);
        }
    }

    /** @param mebibytes a size in MiB, e.g. {@code 1} for the 1MiB defaults of the plugins */
    public static ByteSize ofMebibytes(long mebibytes) {
        return new ByteSize(Math.multiplyExact(mebibytes, 1L << 20));
    }

    @Override
    public String toString() {
        return Units.formatSize(bytes);
    }
}
