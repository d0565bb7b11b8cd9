package io.helidon.webclient.http2;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataWriter;

/**
 * The socket writer under a {@link GrpcClientConnection}'s frames. Helidon writes every frame with its own socket
 * write; while a call holds the writer corked ({@link #cork()}), frames wait here, in the order written, and go out
 * in one write when the last cork is released: a unary call's HEADERS and DATA cost one syscall instead of two.
 *
 * <p>Every frame of the connection comes through here, so holding them keeps their order on the wire (the HPACK
 * table depends on it). A call never waits holding a cork: before a write waits for a flow-control window, its
 * thread releases its cork and what is held goes out ({@link #release()}). Helidon hands over a fresh buffer per
 * frame, so holding the buffers themselves is safe.
 */
final class CorkedWriter implements DataWriter {
    private final DataWriter socket;
    /** Every write of the connection, and the frame writer's window checks (see {@link GrpcClientConnection}). */
    private final ReentrantLock lock = new ReentrantLock();
    /** Guarded by {@link #lock}. */
    private final List<BufferData> held = new ArrayList<>();
    /** Guarded by {@link #lock}: the threads holding the writer corked (a few: the calls starting right now). */
    private final List<Thread> corks = new ArrayList<>(4);

    CorkedWriter(DataWriter socket) {
        this.socket = socket;
    }

    /** The current thread corks the writer: frames written from now on wait until every cork is released. */
    void cork() {
        lock.lock();
        try {
            corks.add(Thread.currentThread());
        } finally {
            lock.unlock();
        }
    }

    /** Releases the current thread's cork, if it holds one; the last one out writes what is held. */
    void uncork() {
        lock.lock();
        try {
            if (corks.remove(Thread.currentThread()) && corks.isEmpty()) {
                flushHeld();
            }
        } finally {
            lock.unlock();
        }
    }

    /** The current thread is about to wait (for a window): its cork goes, and what is held goes out now. */
    void release() {
        lock.lock();
        try {
            corks.remove(Thread.currentThread());
            flushHeld();
        } finally {
            lock.unlock();
        }
    }

    /** Taken around every write and window check of the frame writer, so that those are atomic. */
    ReentrantLock lock() {
        return lock;
    }

    @Override
    public void write(BufferData... buffers) {
        writeNow(buffers);
    }

    @Override
    public void write(BufferData buffer) {
        writeNow(buffer);
    }

    /** As one buffer, like the frames held while corked: a composite, which the socket copies and writes at once. */
    @Override
    public void writeNow(BufferData... buffers) {
        writeNow(BufferData.create(buffers));
    }

    @Override
    public void writeNow(BufferData buffer) {
        lock.lock();
        try {
            if (corks.isEmpty()) {
                socket.writeNow(buffer);
            } else {
                held.add(buffer);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void flush() {
        socket.flush();
    }

    private void flushHeld() {
        if (held.isEmpty()) {
            return;
        }
        BufferData all = held.size() == 1 ? held.getFirst() : BufferData.create(List.copyOf(held));
        held.clear();
        socket.writeNow(all);
    }
}
