package stargate.node.listener;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

import stargate.node.observe.AccessLog;
import stargate.node.observe.Metrics;

/**
 * The node's open WebSockets ({@link WebSocketRelay}s): the gauge {@code stargate_websocket_connections{route}},
 * one access-log line per WebSocket when it closes, the idle timeout (one virtual thread checks every open
 * socket each {@link #TICK}) and the drain deadline's close frames.
 */
final class WebSockets implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(WebSockets.class.getName());
    /** Idle timeouts are enforced this late at most. */
    static final Duration TICK = Duration.ofMillis(200);

    private final Set<WebSocketRelay> open = ConcurrentHashMap.newKeySet();
    private final Metrics metrics;
    private final AccessLog accessLog;
    private final Thread idleWatch;
    private volatile boolean draining;

    WebSockets(Metrics metrics, AccessLog accessLog) {
        this.metrics = metrics;
        this.accessLog = accessLog;
        this.idleWatch = Thread.ofVirtual().name("websocket-idle").start(this::watchIdle);
    }

    /** Whether a drain has set the WebSockets' deadline: until then nothing else closes them. */
    boolean draining() {
        return draining;
    }

    void opened(WebSocketRelay relay) {
        open.add(relay);
        metrics.webSocketOpened(relay.opened().route().id());
    }

    void closed(WebSocketRelay relay) {
        open.remove(relay);
        WebSocketRelay.Opened o = relay.opened();
        metrics.webSocketClosed(o.route().id());
        long lifeNanos = System.nanoTime() - o.startNanos();
        if (accessLog.keeps(101)) {
            accessLog.log(new AccessLog.Entry(o.startMillis(), o.requestId(), o.route().id(),
                    o.route().upstream().id(), o.target().url(), "GET", o.path(), 101, relay.bytesToClient(),
                    lifeNanos, o.handshakeNanos(), o.clientIp(), relay.bytesFromClient()));
        }
        LOG.log(Level.FINE, () -> "event=websocket_closed request_id=" + o.requestId() + " route=" + o.route().id()
                + " reason=" + relay.endReason() + " duration_ms=" + lifeNanos / 1_000_000);
    }

    private void watchIdle() {
        try {
            while (true) {
                Thread.sleep(TICK);
                long now = System.nanoTime();
                for (WebSocketRelay relay : open) {
                    relay.closeIfIdle(now);
                }
            }
        } catch (InterruptedException e) {
            // closed
        }
    }

    /**
     * Sends every open WebSocket a close frame 1001 and closes it once {@code delay} has passed, on a thread
     * of its own (the caller goes on draining the listeners meanwhile).
     */
    void goAwayAfter(Duration delay) {
        draining = true;
        Thread.ofVirtual().name("websocket-drain").start(() -> {
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                return;
            }
            int count = open.size();
            open.forEach(WebSocketRelay::goAway);
            LOG.info("event=websockets_going_away count=" + count);
        });
    }

    /**
     * Waits until no WebSocket is open (after {@link #goAwayAfter}: until their close frames went out), at most
     * {@code timeout}. Helidon's listener stop does not wait for upgraded connections.
     *
     * @return whether none is left open
     */
    boolean awaitClosed(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!open.isEmpty()) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    @Override
    public void close() {
        idleWatch.interrupt();
        open.forEach(WebSocketRelay::goAway);
    }
}
