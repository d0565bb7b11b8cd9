package stargate.node.listener;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataWriter;
import java.io.UncheckedIOException;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The socket writer of an HTTP/2 connection: the frames its streams write go out together, in one socket
 * write per batch, from a virtual thread of the connection's own.
 *
 * <p>Why: Helidon 4.5 writes each HTTP/2 frame with a socket write of its own, on the stream's thread, under a
 * fair lock per connection: an answer is a HEADERS and a DATA write, and with many streams open their threads
 * queue on that lock, each handing it to the next. Here a frame is queued (in the order Helidon writes them,
 * under that lock) and the stream goes on; the writer thread sends all that is queued in one write, as nginx
 * gathers the frames ready in one turn of its event loop (docs/http2.md, bench/README.md: fewer syscalls and
 * less CPU per request under many streams).
 *
 * <p>Bounds: at most {@value #MAX_QUEUED_BYTES} bytes wait; past that a stream waits for the socket, as it did
 * in its own socket write, so a client that does not read holds no more than that. A failed socket write
 * closes the socket (the connection's reader then ends) and fails every later write, as a broken socket
 * would. {@link #drain} waits for what is queued: the connection calls it before its socket closes, so a
 * last GOAWAY is sent.
 */
final class Http2SocketWriter implements DataWriter {
    static final int MAX_QUEUED_BYTES = 256 * 1024;

    private final DataWriter socket;
    private final Runnable closeSocket;
    private final ReentrantLock lock = new ReentrantLock();
    /** The writer thread waits here for frames. */
    private final Condition queued = lock.newCondition();
    /** Streams over the bound, and {@link #drain}, wait here for the writer to have written. */
    private final Condition written = lock.newCondition();
    private List<BufferData> queue = new ArrayList<>();    // guarded by lock
    /** Bytes queued or being written. */
    private int pendingBytes;                              // guarded by lock
    private boolean writing;                               // guarded by lock
    private boolean stopped;                               // guarded by lock
    private RuntimeException failure;                      // guarded by lock
    private Thread writer;                                 // guarded by lock; started by the first frame

    /**
     * @param socket      the connection's own writer
     * @param closeSocket closes the connection's socket (after a failed write)
     */
    Http2SocketWriter(DataWriter socket, Runnable closeSocket) {
        this.socket = socket;
        this.closeSocket = closeSocket;
    }

    @Override
    public void write(BufferData... buffers) {
        enqueue(buffers);
    }

    @Override
    public void write(BufferData buffer) {
        enqueue(buffer);
    }

    @Override
    public void writeNow(BufferData... buffers) {
        enqueue(buffers);
    }

    @Override
    public void writeNow(BufferData buffer) {
        enqueue(buffer);
    }

    private void enqueue(BufferData... buffers) {
        lock.lock();
        try {
            while (pendingBytes >= MAX_QUEUED_BYTES && failure == null && !stopped) {
                written.await();
            }
            if (failure != null) {
                throw closed("an earlier write to the client failed: " + failure.getMessage());
            }
            if (stopped) {
                throw closed("the connection is closing");
            }
            for (BufferData buffer : buffers) {
                queue.add(buffer);
                pendingBytes += buffer.available();
            }
            if (writer == null) {
                writer = Thread.ofVirtual().name("stargate-h2-writer").start(this::run);
            } else if (!writing) {
                queued.signal();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw closed("interrupted waiting to write to the client");
        } finally {
            lock.unlock();
        }
    }

    /** Helidon's HTTP/2 stream threads take a socket exception as the connection's end. */
    private static UncheckedIOException closed(String message) {
        return new UncheckedIOException(new SocketException(message));
    }

    private void run() {
        while (true) {
            List<BufferData> batch;
            int bytes;
            lock.lock();
            try {
                while (queue.isEmpty() && !stopped) {
                    queued.awaitUninterruptibly();
                }
                if (queue.isEmpty()) {
                    return;     // stopped, and everything was written
                }
                batch = queue;
                queue = new ArrayList<>();
                bytes = pendingBytes;
                writing = true;
            } finally {
                lock.unlock();
            }
            RuntimeException failed = null;
            try {
                socket.writeNow(joined(batch, bytes));
            } catch (RuntimeException e) {
                failed = e;
            }
            lock.lock();
            try {
                writing = false;
                pendingBytes -= bytes;
                if (failed != null) {
                    failure = failed;
                    queue.clear();
                    pendingBytes = 0;
                }
                written.signalAll();
            } finally {
                lock.unlock();
            }
            if (failed != null) {
                closeSocket.run();
                return;
            }
        }
    }

    /** The batch as one buffer: one socket write (pending bytes are all in this batch, as none were queued meanwhile). */
    private static BufferData joined(List<BufferData> batch, int bytes) {
        if (batch.size() == 1) {
            return batch.getFirst();
        }
        byte[] all = new byte[bytes];
        int at = 0;
        for (BufferData buffer : batch) {
            at += buffer.read(all, at, buffer.available());
        }
        return BufferData.create(all, 0, at);
    }

    /**
     * Waits until every queued frame was written (or writing failed), then stops the writer thread; later
     * writes fail. Returns early when the waiting thread is interrupted (the connection is being cut).
     */
    void drain() {
        lock.lock();
        try {
            stopped = true;
            queued.signal();
            while ((writing || !queue.isEmpty()) && failure == null) {
                written.await();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }
}
