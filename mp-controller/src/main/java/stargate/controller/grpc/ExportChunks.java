package stargate.controller.grpc;

import com.google.protobuf.ByteString;
import io.grpc.stub.ServerCallStreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import stargate.admin.v1.ConfigText;

/**
 * The export's bytes as {@link ConfigText} messages of {@value #CHUNK_BYTES} bytes, each sent when the
 * client can take it (so a slow reader holds one chunk here, not the whole config). The first
 * message carries the revision the export was read at and the config's revision (its ETag).
 */
final class ExportChunks extends OutputStream {
    /** Bytes per message. */
    static final int CHUNK_BYTES = 64 * 1024;

    private final ServerCallStreamObserver<ConfigText> call;
    private final long revision;
    private final long configRevision;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(CHUNK_BYTES);
    private boolean sent;

    ExportChunks(ServerCallStreamObserver<ConfigText> call, long revision, long configRevision) {
        this.call = call;
        this.revision = revision;
        this.configRevision = configRevision;
    }

    @Override
    public void write(int b) throws IOException {
        buffer.write(b);
        if (buffer.size() >= CHUNK_BYTES) {
            send();
        }
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        buffer.write(bytes, offset, length);
        if (buffer.size() >= CHUNK_BYTES) {
            send();
        }
    }

    @Override
    public void close() throws IOException {
        if (buffer.size() > 0 || !sent) {
            send();
        }
    }

    private void send() throws IOException {
        // isReady is the transport's own state; its onReady callback would wait behind this very call
        while (!call.isReady()) {
            if (call.isCancelled()) {
                throw new IOException("the client cancelled the export");
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
        ConfigText.Builder text = ConfigText.newBuilder().setData(ByteString.copyFrom(buffer.toByteArray()));
        if (!sent) {
            text.setRevision(revision).setConfigRevision(configRevision);
            sent = true;
        }
        buffer.reset();
        call.onNext(text.build());
    }
}
