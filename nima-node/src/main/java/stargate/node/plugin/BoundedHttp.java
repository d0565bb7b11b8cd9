package stargate.node.plugin;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * An HTTP call from the node to a service it depends on (a plugin's JWKS or token introspection
 * endpoint, a certificate's OCSP responder), bounded in time and size from connect to last body byte.
 *
 * <p>Why not {@link HttpRequest#timeout} alone: it bounds the wait for the response headers, not
 * the body, and a blocking read of a body stream has no deadline at all; a server that sends its
 * headers and then one byte a second would hold a thread and a connection for as long as it
 * likes. Why not {@code orTimeout} on a future: it completes the future, but the read goes on.
 * So the whole exchange is one {@link HttpClient#sendAsync} into a size-limited byte array (the
 * JDK's own {@code BodyHandlers.limiting} needs Java 25; we build for 21), and
 * at the deadline that future is cancelled with interruption, which aborts the exchange and
 * closes its connection.
 */
public final class BoundedHttp {
    private BoundedHttp() {
    }

    /**
     * @param maxBodyBytes a longer body fails the call (an {@link IOException}) as soon as it is exceeded
     * @param deadline     for the whole exchange; then the connection is closed and
     *                     {@link HttpTimeoutException} thrown
     * @return the response, with its whole body
     */
    public static HttpResponse<byte[]> send(HttpClient client, HttpRequest request, long maxBodyBytes, Duration deadline)
            throws IOException, InterruptedException {
        CompletableFuture<HttpResponse<byte[]>> exchange = client.sendAsync(request, info -> new LimitedBytes(maxBodyBytes));
        try {
            return exchange.get(deadline.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            exchange.cancel(true);
            throw new HttpTimeoutException("no complete answer within " + deadline.toMillis() + " ms");
        } catch (InterruptedException e) {
            exchange.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        }
    }

    /** The body as a byte array, failed (and the rest refused) once it grows past its limit. */
    private static final class LimitedBytes implements HttpResponse.BodySubscriber<byte[]> {
        private final long maxBytes;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final CompletableFuture<byte[]> body = new CompletableFuture<>();
        private Flow.Subscription subscription;

        LimitedBytes(long maxBytes) {
            this.maxBytes = maxBytes;
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return body;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            for (ByteBuffer buffer : buffers) {
                if (body.isDone()) {
                    return;
                }
                if (bytes.size() + (long) buffer.remaining() > maxBytes) {
                    subscription.cancel();
                    body.completeExceptionally(new IOException("body larger than " + maxBytes + " bytes"));
                    return;
                }
                byte[] chunk = new byte[buffer.remaining()];
                buffer.get(chunk);
                bytes.writeBytes(chunk);
            }
        }

        @Override
        public void onError(Throwable error) {
            body.completeExceptionally(error);
        }

        @Override
        public void onComplete() {
            body.complete(bytes.toByteArray());
        }
    }
}
