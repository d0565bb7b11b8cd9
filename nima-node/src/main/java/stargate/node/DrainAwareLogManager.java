package stargate.node;

import java.util.logging.LogManager;

/**
 * Keeps logging alive during a graceful shutdown. The JDK's LogManager closes every handler from
 * its own shutdown hook, which runs concurrently with the drain hook, so the drain's log lines
 * would be lost; this manager defers that reset until the drain is done.
 */
public final class DrainAwareLogManager extends LogManager {
    private static volatile boolean held;

    static void holdHandlers() {
        held = true;
    }

    /** Closes the handlers for real once the drain has logged its last line. */
    static void releaseHandlers() {
        held = false;
        if (LogManager.getLogManager() instanceof DrainAwareLogManager manager) {
            manager.resetNow();
        }
    }

    @Override
    public void reset() {
        if (!held) {
            super.reset();
        }
    }

    private void resetNow() {
        super.reset();
    }
}
