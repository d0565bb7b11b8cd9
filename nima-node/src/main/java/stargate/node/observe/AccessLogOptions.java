package stargate.node.observe;

import java.nio.file.Path;

/**
 * Where the access log goes and how it is kept (SPEC §23), from the node's {@code --access-log*} flags.
 *
 * @param target       {@code stdout}, {@code off} or a file path (appended to); default {@code stdout}
 * @param maxSizeBytes {@code --access-log-max-size}: the file is rotated once it reaches this many bytes;
 *                     0 (the default) = never rotated by the node (logrotate may still rotate it)
 * @param keep         {@code --access-log-keep}: rotated files kept, {@code FILE.1} (newest) to {@code FILE.N};
 *                     default 10; 0 = a full file is discarded
 * @param gzip         {@code --access-log-compress gzip}: rotated files are compressed to {@code FILE.N.gz} on a
 *                     background thread; default {@code none}
 * @param sample       {@code --access-log-sample}: the share of 2xx lines kept, 0 to 1; every other status is
 *                     always kept; default 1
 */
public record AccessLogOptions(String target, long maxSizeBytes, int keep, boolean gzip, double sample) {

    public static final AccessLogOptions STDOUT = new AccessLogOptions("stdout", 0, 10, false, 1);
    public static final AccessLogOptions OFF = new AccessLogOptions("off", 0, 10, false, 1);

    public AccessLogOptions {
        java.util.Objects.requireNonNull(target, "target");
        if (maxSizeBytes < 0) {
            throw new IllegalArgumentException("--access-log-max-size must not be negative");
        }
        if (keep < 0) {
            throw new IllegalArgumentException("--access-log-keep must be 0 or more, got " + keep);
        }
        if (!(sample >= 0 && sample <= 1)) {
            throw new IllegalArgumentException("--access-log-sample must be between 0 and 1, got " + sample);
        }
        if (maxSizeBytes > 0 && (target.equals("stdout") || target.equals("off"))) {
            throw new IllegalArgumentException("--access-log-max-size needs --access-log FILE, not " + target);
        }
    }

    /** The log file, or null for {@code stdout} and {@code off}. */
    public Path file() {
        return target.equals("stdout") || target.equals("off") ? null : Path.of(target);
    }

    public boolean off() {
        return target.equals("off");
    }
}
