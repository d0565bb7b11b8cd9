package stargate.node.listener;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataReader;
import io.helidon.common.buffers.DataWriter;
import io.helidon.common.concurrency.limits.Limit;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.spi.ServerConnection;
import stargate.node.balancer.Balancer;
import stargate.node.config.CompiledRoute;
import stargate.node.config.Target;
import stargate.node.proxy.UpstreamTunnel;

/**
 * A client connection after a WebSocket handshake: bytes relayed both ways, unparsed, until a side
 * closes, nothing moved for the route's {@code timeouts.idle}, or a drain ends it. Each direction runs on a
 * virtual thread of its own; whichever ends first closes both sockets, which wakes the other.
 *
 * <p>Drain: at the drain deadline the client gets a close frame with code 1001 (going away) before the
 * sockets close. Frames are not parsed, but upstream-to-client frame boundaries are tracked
 * ({@link FrameBoundary}) so the close frame never lands inside another frame; a socket caught mid-frame
 * at the deadline is closed without one. Helidon's own "stop taking requests" ({@link #close} without
 * interrupt, sent to every connection when a listener stops) does not end a WebSocket; and config changes
 * never touch it: it holds its route and target from the handshake.
 */
final class WebSocketRelay implements ServerConnection {
    private static final int BUFFER_BYTES = 16 * 1024;
    /** A server close frame: FIN + opcode 8, unmasked, 2-byte payload 1001 ("going away", RFC 6455 §7.4.1). */
    private static final byte[] GOING_AWAY = {(byte) 0x88, 0x02, 0x03, (byte) 0xE9};

    /**
     * What the handshake decided, for the relay's limits, gauge and access-log line.
     *
     * @param handshakeNanos time spent on the upstream handshake
     */
    record Opened(String requestId, CompiledRoute route, Target target, String path, String clientIp,
                  long startMillis, long startNanos, long handshakeNanos) {
    }

    private final ConnectionContext ctx;
    private final UpstreamTunnel tunnel;
    private final Balancer.Pick<Target> pick;
    private final Opened opened;
    private final WebSockets sockets;
    private final long idleLimitNanos;
    /** Serializes writes to the client: relayed bytes and the drain's close frame. */
    private final ReentrantLock clientWrite = new ReentrantLock();
    private final FrameBoundary toClientFrames = new FrameBoundary();

    /** Reads the client; interrupted by {@link #end} to wake it (which closes the client's socket). */
    private volatile Thread clientReader;
    private volatile boolean ended;
    private volatile long lastActivityNanos = System.nanoTime();
    private volatile String endReason = "closed";
    /** Each written by one relay thread only. */
    private volatile long bytesFromClient;
    private volatile long bytesToClient;

    WebSocketRelay(ConnectionContext ctx, UpstreamTunnel tunnel, Balancer.Pick<Target> pick, Opened opened,
                   WebSockets sockets) {
        this.ctx = ctx;
        this.tunnel = tunnel;
        this.pick = pick;
        this.opened = opened;
        this.sockets = sockets;
        this.idleLimitNanos = opened.route().route().timeouts().idleOrDefault().toNanos();
    }

    Opened opened() {
        return opened;
    }

    long bytesFromClient() {
        return bytesFromClient;
    }

    long bytesToClient() {
        return bytesToClient;
    }

    String endReason() {
        return endReason;
    }

    /**
     * Runs the relay until both directions ended. The two directions run on threads of their own, and this one
     * (Helidon's connection thread) only waits: Helidon interrupts an upgraded connection's thread as soon as
     * its listener stops, and a drain must keep the WebSocket open until the deadline.
     */
    @Override
    public void handle(Limit limit) {
        sockets.opened(this);
        clientReader = Thread.ofVirtual().name("ws-up-" + opened.requestId()).start(this::clientToUpstream);
        Thread toClient = Thread.ofVirtual().name("ws-down-" + opened.requestId()).start(this::upstreamToClient);
        try {
            awaitEnd(clientReader);
            awaitEnd(toClient);
        } finally {
            end("closed");
            pick.close();
            sockets.closed(this);
        }
    }

    /** Waits for {@code thread} through interrupts (those that matter end the relay through {@link #close}). */
    private static void awaitEnd(Thread thread) {
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.interrupted();       // Helidon's "listener stopping" call: answered by the drain instead
        }
    }

    private void clientToUpstream() {
        DataReader reader = ctx.dataReader();
        byte[] buffer = new byte[BUFFER_BYTES];
        try {
            while (!ended) {
                if (reader.available() == 0) {
                    reader.pullData();
                }
                int n = Math.min(reader.available(), buffer.length);
                reader.readBuffer(n).read(buffer, 0, n);
                tunnel.write(buffer, 0, n);
                bytesFromClient += n;
                lastActivityNanos = System.nanoTime();
            }
        } catch (IOException | RuntimeException e) {
            // the client went (Helidon: InsufficientDataAvailable-, ServerConnectionException), the upstream
            // stopped taking bytes, or we closed a socket to end the relay
        } finally {
            end("closed");
        }
    }

    private void upstreamToClient() {
        DataWriter writer = ctx.dataWriter();
        byte[] buffer = new byte[BUFFER_BYTES];
        try {
            int n;
            while ((n = tunnel.read(buffer)) >= 0) {
                clientWrite.lock();
                try {
                    writer.writeNow(BufferData.create(buffer, 0, n));
                    toClientFrames.feed(buffer, 0, n);
                } finally {
                    clientWrite.unlock();
                }
                bytesToClient += n;
                lastActivityNanos = System.nanoTime();
            }
        } catch (IOException | RuntimeException e) {
            // the upstream went, the client's socket failed, or we closed the tunnel to end the relay
        } finally {
            end("closed");
        }
    }

    /** Ends the relay if it carried nothing for the route's {@code timeouts.idle}; called by {@link WebSockets}. */
    void closeIfIdle(long nowNanos) {
        if (nowNanos - lastActivityNanos >= idleLimitNanos) {
            end("idle_timeout");
        }
    }

    /** Drain deadline: a close frame 1001 to the client (when between frames), then both sockets close. */
    void goAway() {
        clientWrite.lock();
        try {
            if (!ended && toClientFrames.atBoundary()) {
                ctx.dataWriter().writeNow(BufferData.create(GOING_AWAY));
            }
        } catch (RuntimeException e) {
            // the client is gone already
        } finally {
            clientWrite.unlock();
        }
        end("drain");
    }

    /** Closes the upstream socket and wakes the client reader (which closes the client socket). */
    private void end(String reason) {
        if (ended) {
            return;
        }
        ended = true;
        endReason = reason;
        tunnel.close();
        Thread thread = clientReader;
        if (thread != null && thread != Thread.currentThread()) {
            thread.interrupt();
        }
    }

    /** The route's {@code timeouts.idle} decides when a quiet WebSocket ends, not the listener's idle timeout. */
    @Override
    public Duration idleTime() {
        return Duration.ZERO;
    }

    /**
     * Helidon's close: without interrupt when a listener stops taking requests (a WebSocket has none to
     * refuse), with interrupt right after (Helidon 4.5 does not wait for upgraded connections). During a
     * drain the relay runs on to the drain deadline ({@link WebSockets#goAwayAfter}); otherwise it ends.
     */
    @Override
    public void close(boolean interrupt) {
        if (interrupt && !sockets.draining()) {
            end("server_stopped");
        }
    }

    /**
     * Where the upstream-to-client byte stream stands in RFC 6455 framing (§5.2): only the header fields that
     * give a frame's length are read, so a byte count tells whether the stream is between two frames.
     */
    static final class FrameBoundary {
        /** Header bytes of the current frame seen so far; 0 between frames. */
        private int headerSeen;
        private int headerLength = 2;
        private int extendedBytes;
        private long payloadLength;
        /** Payload bytes still to come of the current frame, once its header is complete. */
        private long payloadLeft;
        private boolean inPayload;

        void feed(byte[] bytes, int offset, int length) {
            int i = offset;
            int end = offset + length;
            while (i < end) {
                if (inPayload) {
                    long take = Math.min(payloadLeft, end - i);
                    i += (int) take;
                    payloadLeft -= take;
                    if (payloadLeft == 0) {
                        inPayload = false;
                    }
                    continue;
                }
                header(bytes[i++] & 0xff);
            }
        }

        private void header(int b) {
            int at = headerSeen++;
            if (at == 1) {
                int length7 = b & 0x7f;
                extendedBytes = length7 == 126 ? 2 : length7 == 127 ? 8 : 0;
                headerLength = 2 + extendedBytes + ((b & 0x80) != 0 ? 4 : 0);   // + the masking key, if any
                payloadLength = extendedBytes == 0 ? length7 : 0;
            } else if (at >= 2 && at < 2 + extendedBytes) {
                payloadLength = (payloadLength << 8) | b;
            }
            if (headerSeen == headerLength) {
                headerSeen = 0;
                headerLength = 2;
                // a 64-bit length with the top bit set is malformed: never call the stream aligned again
                payloadLeft = payloadLength < 0 ? Long.MAX_VALUE : payloadLength;
                inPayload = payloadLeft > 0;
            }
        }

        boolean atBoundary() {
            return headerSeen == 0 && !inPayload;
        }
    }
}
