package stargate.controller.grpc;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Semaphore;
import java.util.function.Function;
import stargate.admin.v1.DiffResponse;
import stargate.admin.v1.Format;
import stargate.admin.v1.PutConfigRequest;

/**
 * A whole config sent in pieces (at most {@value #MAX_CONFIG_BYTES} bytes, as REST takes one), written
 * or validated through {@link stargate.controller.api.WholeConfig} once the client ends its stream. Options come in the first
 * message; a later message that sets one is refused rather than ignored.
 */
final class ConfigUpload<Q> implements StreamObserver<Q> {
    /** A whole config in bytes, as REST takes one ({@code server.max-payload-size}). */
    static final long MAX_CONFIG_BYTES = 256L * 1024 * 1024;

    /** What is done with the text once it is all there: the write or validation, and its answer. */
    interface Write {
        /** @param options the first message's options (its data aside) */
        DiffResponse apply(String text, PutConfigRequest options, boolean dryRun);
    }

    private final Write write;
    private final Semaphore slots;
    private final StreamObserver<DiffResponse> out;
    private final boolean validateOnly;
    private final Function<Q, PutConfigRequest> read;
    private final ByteArrayOutputStream text = new ByteArrayOutputStream();
    private PutConfigRequest options;
    private boolean failed;
    private boolean holding;

    /** @param slots taken from the first message until the end, refused with RESOURCE_EXHAUSTED when none is left */
    ConfigUpload(Write write, Semaphore slots, StreamObserver<DiffResponse> out, boolean validateOnly,
                 Function<Q, PutConfigRequest> read) {
        this.write = write;
        this.slots = slots;
        this.out = out;
        this.validateOnly = validateOnly;
        this.read = read;
    }

    @Override
    public void onNext(Q message) {
        if (failed) {
            return;
        }
        PutConfigRequest piece = read.apply(message);
        if (options == null) {
            if (!slots.tryAcquire()) {
                fail(Status.RESOURCE_EXHAUSTED.withDescription("too many whole-config uploads at once on this "
                        + "controller; retry later").asRuntimeException());
                return;
            }
            holding = true;
            options = piece;
        } else if (piece.getFormat() != Format.FORMAT_UNSPECIFIED || piece.hasIfRevision() || piece.getDryRun()
                || !piece.getRollout().isEmpty() || !piece.getRolloutPolicy().isEmpty()) {
            fail(GrpcErrors.invalid("options after the first message", "format",
                    "format, if_revision, dry_run, rollout and rollout_policy go in the first message only"));
            return;
        }
        if ((long) text.size() + piece.getData().size() > MAX_CONFIG_BYTES) {
            fail(Status.RESOURCE_EXHAUSTED.withDescription("a config is at most " + MAX_CONFIG_BYTES + " bytes")
                    .asRuntimeException());
            return;
        }
        text.writeBytes(piece.getData().toByteArray());
    }

    private void fail(RuntimeException e) {
        failed = true;
        release();
        out.onError(GrpcErrors.of(e));
    }

    private void release() {
        text.reset();
        if (holding) {
            holding = false;
            slots.release();
        }
    }

    @Override
    public void onError(Throwable t) {
        failed = true; // the client gave up: nothing is written
        release();
    }

    @Override
    public void onCompleted() {
        if (failed) {
            return;
        }
        PutConfigRequest first = options == null ? PutConfigRequest.getDefaultInstance() : options;
        boolean dryRun = validateOnly || first.getDryRun();
        try {
            AdminService.answer(out, () -> {
                if (text.size() == 0) { // a client that sent nothing must not empty the config
                    throw GrpcErrors.invalid("no config text", "data", "send the config file's text; an empty config is {}");
                }
                String body = utf8(text.toByteArray());
                text.reset();
                return write.apply(body, first, dryRun);
            });
        } finally {
            release(); // once the write is done with the text
        }
    }

    /** The config text; malformed UTF-8 is refused, not replaced (a secret would change silently). */
    private static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw GrpcErrors.invalid("the config is not UTF-8", "data", "malformed UTF-8");
        }
    }
}
