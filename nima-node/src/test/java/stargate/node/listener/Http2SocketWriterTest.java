package stargate.node.listener;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataWriter;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The HTTP/2 connection's writer over a real loopback connection: order, batching, its bound, failure and drain. */
@Timeout(60)
class Http2SocketWriterTest {
    private static final int FRAME = 100;

    private ServerSocket server;
    private Socket socket;      // the node's side
    private Socket peer;        // the client's side

    @BeforeEach
    void connect() throws IOException {
        server = new ServerSocket();
        server.setReceiveBufferSize(64 * 1024);     // bounded kernel buffers: the bound test counts on them
        server.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        socket = new Socket();
        socket.setSendBufferSize(64 * 1024);
        socket.connect(server.getLocalSocketAddress());
        peer = server.accept();
    }

    @AfterEach
    void close() throws IOException {
        socket.close();
        peer.close();
        server.close();
    }

    @Test
    void framesOfManyStreamsArriveInTheOrderWrittenAndGoOutTogether() throws Exception {
        int streams = 8;
        int perStream = 500;
        int frames = streams * perStream;
        CountDownLatch gate = new CountDownLatch(1);
        SocketWrites writes = new SocketWrites(socket.getOutputStream(), gate);
        Http2SocketWriter writer = new Http2SocketWriter(writes, () -> { });
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                DataInputStream in = new DataInputStream(peer.getInputStream());
                byte[] frame = new byte[FRAME];
                for (int i = 0; i < frames; i++) {
                    in.readFully(frame);
                    assertEquals(i, ByteBuffer.wrap(frame).getInt(), "frame " + i + " in place");
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        // Helidon writes a connection's frames under one lock: its order is the order on the wire
        ReentrantLock connectionLock = new ReentrantLock(true);
        AtomicInteger sequence = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int s = 0; s < streams; s++) {
            threads.add(Thread.ofVirtual().start(() -> {
                for (int i = 0; i < perStream; i++) {
                    connectionLock.lock();
                    try {
                        byte[] frame = new byte[FRAME];
                        ByteBuffer.wrap(frame).putInt(sequence.getAndIncrement());
                        writer.writeNow(BufferData.create(frame));
                    } finally {
                        connectionLock.unlock();
                    }
                }
            }));
        }
        // the first socket write is held (a client slow to read) until a thousand frames wait behind it
        awaitTrue(() -> sequence.get() >= 1000, "frames queued behind the held write");
        gate.countDown();
        for (Thread thread : threads) {
            thread.join();
        }
        writer.drain();
        reader.join();
        assertEquals((long) frames * FRAME, writes.bytes.get(), "every byte written");
        assertTrue(writes.largest.get() >= 999L * FRAME,
                "the frames queued meanwhile went out in one write: largest write " + writes.largest.get() + " bytes");
        assertTrue(writes.count.get() < frames, writes.count.get() + " socket writes for " + frames + " frames");
    }

    @Test
    void aClientThatDoesNotReadHoldsAtMostTheBoundAndGetsEverythingOnceItReads() throws Exception {
        int frame = 16 * 1024;
        int total = 1000;
        SocketWrites writes = new SocketWrites(socket.getOutputStream(), null);
        Http2SocketWriter writer = new Http2SocketWriter(writes, () -> { });
        AtomicLong accepted = new AtomicLong();
        Thread stream = Thread.ofVirtual().start(() -> {
            for (int i = 0; i < total; i++) {
                writer.writeNow(BufferData.create(new byte[frame]));
                accepted.addAndGet(frame);
            }
        });
        long held = awaitSteady(accepted);
        // what the writer took: its bound, one frame over it, and what the kernel buffers (64 KiB each side, doubled)
        long kernel = 4L * 64 * 1024;
        assertTrue(held <= Http2SocketWriter.MAX_QUEUED_BYTES + frame + kernel,
                held + " bytes taken from a client that reads nothing");
        assertTrue(stream.isAlive(), "the stream waits for the socket");

        long received = 0;
        InputStream in = peer.getInputStream();
        byte[] buffer = new byte[64 * 1024];
        while (received < (long) frame * total) {       // the client reads at last: the stream goes on to its end
            int n = in.read(buffer);
            assertTrue(n > 0, "the connection stays open");
            received += n;
        }
        stream.join();
        writer.drain();
        assertEquals((long) frame * total, writes.bytes.get());
    }

    @Test
    void aFailedSocketWriteClosesTheSocketAndFailsLaterWrites() throws Exception {
        peer.setSoLinger(true, 0);
        peer.close();                          // reset: the node's next writes fail
        CountDownLatch closed = new CountDownLatch(1);
        Http2SocketWriter writer = new Http2SocketWriter(new SocketWrites(socket.getOutputStream(), null),
                closed::countDown);
        UncheckedIOException failure = assertThrows(UncheckedIOException.class, () -> {
            for (int i = 0; i < 100_000; i++) {
                writer.writeNow(BufferData.create(new byte[16 * 1024]));
                Thread.sleep(1);
            }
        });
        assertInstanceOf(SocketException.class, failure.getCause(), "read by Helidon as a broken connection");
        assertTrue(closed.await(10, TimeUnit.SECONDS), "the socket was closed");
        assertThrows(UncheckedIOException.class, () -> writer.writeNow(BufferData.create(new byte[1])));
        writer.drain();     // returns: nothing can be written any more
    }

    @Test
    void drainReturnsOnceEverythingQueuedIsWrittenAndLaterWritesFail() throws Exception {
        SocketWrites writes = new SocketWrites(socket.getOutputStream(), null);
        Http2SocketWriter writer = new Http2SocketWriter(writes, () -> { });
        for (int i = 0; i < 50; i++) {
            writer.writeNow(BufferData.create(new byte[FRAME]));
        }
        writer.drain();
        assertEquals(50L * FRAME, writes.bytes.get(), "written before drain returned");
        byte[] received = peer.getInputStream().readNBytes(50 * FRAME);
        assertEquals(50 * FRAME, received.length);
        UncheckedIOException late = assertThrows(UncheckedIOException.class,
                () -> writer.writeNow(BufferData.create(new byte[FRAME])));
        assertInstanceOf(SocketException.class, late.getCause());

        new Http2SocketWriter(writes, () -> { }).drain();     // never written to: nothing to wait for
    }

    /** The connection's own writer: one socket write per call, counted; the first can be held by a gate. */
    private static final class SocketWrites implements DataWriter {
        final AtomicInteger count = new AtomicInteger();
        final AtomicLong bytes = new AtomicLong();
        final AtomicLong largest = new AtomicLong();
        private final OutputStream out;
        private final CountDownLatch gate;

        SocketWrites(OutputStream out, CountDownLatch gate) {
            this.out = out;
            this.gate = gate;
        }

        @Override
        public void writeNow(BufferData buffer) {
            try {
                if (gate != null) {
                    gate.await();
                }
                byte[] data = new byte[buffer.available()];
                buffer.read(data);
                out.write(data);
                count.incrementAndGet();
                bytes.addAndGet(data.length);
                largest.accumulateAndGet(data.length, Math::max);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void writeNow(BufferData... buffers) {
            for (BufferData buffer : buffers) {
                writeNow(buffer);
            }
        }

        @Override
        public void write(BufferData... buffers) {
            writeNow(buffers);
        }

        @Override
        public void write(BufferData buffer) {
            writeNow(buffer);
        }
    }

    private static long awaitSteady(AtomicLong value) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        long last = -1;
        while (System.nanoTime() < deadline) {
            long now = value.get();
            if (now == last && now > 0) {
                return now;
            }
            last = now;
            Thread.sleep(500);
        }
        throw new AssertionError("still taking bytes after 20 s: " + value.get());
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting: " + what);
            }
            Thread.sleep(5);
        }
    }
}
