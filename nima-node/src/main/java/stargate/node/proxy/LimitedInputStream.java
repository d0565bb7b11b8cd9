package stargate.node.proxy;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Passes a body through and fails with {@link BodyTooLargeException} as soon as more than
 * {@code limit} bytes arrived: a chunked upload is stopped at the limit, never read in full first.
 */
final class LimitedInputStream extends FilterInputStream {
    private final long limit;
    private long count;

    LimitedInputStream(InputStream in, long limit) {
        super(in);
        this.limit = limit;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            counted(1);
        }
        return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        // Ask for at most one byte past the limit: enough to see it exceeded, never a whole large chunk more.
        int n = super.read(buffer, offset, (int) Math.min(length, limit - count + 1));
        if (n > 0) {
            counted(n);
        }
        return n;
    }

    private void counted(int n) {
        count += n;
        if (count > limit) {
            throw new BodyTooLargeException(limit);
        }
    }
}
