package stargate.node.grpc;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.helidon.common.buffers.BufferData;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.http.Method;
import io.helidon.http.WritableHeaders;
import io.helidon.http.http2.Http2FrameData;
import io.helidon.http.http2.Http2Headers;
import io.helidon.webclient.http2.StreamTimeoutException;
import stargate.model.Upstream;

/**
 * One active check of a gRPC target ({@code type: grpc}): a {@code grpc.health.v1.Health/Check} call for
 * the configured service (the standard health protocol, which grpc-java's, grpc-go's and Envoy's health
 * services answer), healthy when the answer is SERVING. Like the http probe, every check opens a
 * connection of its own, so a dead listener is seen rather than hidden behind a pooled connection.
 *
 * <p>The two messages are encoded by hand (a string field and an enum field): the proxy needs no protobuf
 * runtime for them.
 */
public final class GrpcHealthCheck {
    private static final String PATH = "/grpc.health.v1.Health/Check";
    /** HealthCheckResponse.ServingStatus.SERVING. */
    private static final int SERVING = 1;
    private static final int MAX_RESPONSE = 1024;

    /** One connection at a time, closed after every check (the client behind it is kept: it is costly to build). */
    private final GrpcChannel channel;

    /**
     * @param targetUrl {@code grpc://host:port} or {@code grpcs://host:port}
     * @throws IllegalArgumentException if the URL is neither or the TLS settings cannot be loaded
     */
    public GrpcHealthCheck(String targetUrl, Upstream.Tls tls) {
        this.channel = GrpcChannel.create(targetUrl, new Upstream.Pool(1, null), tls);
    }

    /**
     * Checks once, within {@code timeout} from connect to verdict.
     *
     * @return null when the target answered SERVING, else what it answered or what failed
     */
    public String check(String service, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            WritableHeaders<?> headers = WritableHeaders.create();
            headers.set(HeaderNames.CONTENT_TYPE, "application/grpc");
            headers.set(HeaderNames.create("te"), "trailers");
            headers.set(HeaderNames.USER_AGENT, "stargate-health-check");
            headers.set(HeaderNames.create("grpc-timeout"), GrpcStatus.timeoutValue(timeout.toNanos()));
            Http2Headers h2 = Http2Headers.create(headers);
            h2.method(Method.POST);
            h2.path(PATH);
            h2.scheme(channel.scheme());
            h2.authority(channel.authority());
            UpstreamCall call = channel.start(h2, new UpstreamCall.Opening(request(service), true), timeout);
            try {
                if (!call.openingSent()) {
                    call.writeData(BufferData.create(request(service)), true);
                }
                return verdict(call, deadline);
            } finally {
                call.cancel();
                call.close();
            }
        } catch (UpstreamCall.Unavailable e) {
            return e.getMessage();
        } catch (RuntimeException e) {
            return String.valueOf(e.getMessage());
        } finally {
            channel.closeConnections();
        }
    }

    private static String verdict(UpstreamCall call, long deadline) {
        Http2Headers head = null;
        while (head == null) {
            try {
                head = call.readHeaders();
            } catch (StreamTimeoutException e) {
                timeLeft(deadline);
                call.checkConnection();
            }
        }
        if (head.status().code() != 200) {
            return "HTTP status " + head.status().code();
        }
        if (head.httpHeaders().contains(GrpcStatus.STATUS)) {
            return status(head.httpHeaders());        // an answer in one header block carries no message
        }
        BufferData body = BufferData.growing(64);
        while (!call.trailers().isDone() && call.hasEntity()) {
            try {
                Http2FrameData frame = call.readOne(timeLeft(deadline));
                if (frame != null) {
                    if (body.available() + frame.data().available() > MAX_RESPONSE) {
                        return "health answer longer than " + MAX_RESPONSE + " bytes";
                    }
                    body.write(frame.data());
                }
            } catch (StreamTimeoutException e) {
                timeLeft(deadline);
                call.checkConnection();
            }
        }
        Headers trailers = call.trailers().getNow(null);
        if (trailers == null) {
            return "call ended without grpc-status";
        }
        String status = status(trailers);
        if (status != null) {
            return status;
        }
        int serving = servingStatus(body);
        return serving == SERVING ? null : "status " + serving + " (not SERVING)";
    }

    /** @return null for grpc-status 0, else a description */
    private static String status(Headers headers) {
        String code = headers.first(GrpcStatus.STATUS).orElse("?");
        if (code.equals("0")) {
            return null;
        }
        return "grpc-status " + code + headers.first(GrpcStatus.MESSAGE).map(m -> " " + m).orElse("");
    }

    private static Duration timeLeft(long deadline) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new IllegalStateException("timed out");
        }
        return Duration.ofNanos(Math.min(left, UpstreamCall.POLL.toNanos()));
    }

    /** A length-prefixed HealthCheckRequest: field 1 ({@code service}, a string) when not empty. */
    static byte[] request(String service) {
        byte[] name = service.getBytes(StandardCharsets.UTF_8);      // validated: at most 200 ASCII characters
        int messageLength = name.length == 0 ? 0 : 2 + name.length;
        byte[] out = new byte[5 + messageLength];
        out[4] = (byte) messageLength;
        if (name.length > 0) {
            out[5] = 0x0a;                      // field 1, length-delimited
            out[6] = (byte) name.length;        // < 128: one varint byte
            System.arraycopy(name, 0, out, 7, name.length);
        }
        return out;
    }

    /**
     * HealthCheckResponse's field 1 ({@code status}, an enum) from a length-prefixed message: 0 (UNKNOWN)
     * when absent, as protobuf defaults it; other fields are skipped.
     */
    static int servingStatus(BufferData framed) {
        byte[] bytes = framed.readBytes();
        if (bytes.length < 5) {
            throw new IllegalStateException("health answer shorter than a gRPC message prefix");
        }
        if (bytes[0] != 0) {
            throw new IllegalStateException("compressed health answer");
        }
        int end = Math.min(bytes.length, 5 + (((bytes[1] & 0xff) << 24) | ((bytes[2] & 0xff) << 16)
                | ((bytes[3] & 0xff) << 8) | (bytes[4] & 0xff)));
        int i = 5;
        int status = 0;
        while (i < end) {
            int tag = bytes[i++] & 0xff;
            int wireType = tag & 7;
            long[] read = varint(bytes, i, end);
            if (wireType == 0) {
                if (tag >> 3 == 1) {
                    status = (int) read[0];
                }
                i = (int) read[1];
            } else if (wireType == 2) {
                i = (int) (read[1] + read[0]);
            } else {
                throw new IllegalStateException("unexpected field in the health answer");
            }
        }
        return status;
    }

    /** @return the varint at {@code i} and the index after it */
    private static long[] varint(byte[] bytes, int i, int end) {
        long value = 0;
        for (int shift = 0; shift < 64 && i < end; shift += 7) {
            int b = bytes[i++] & 0xff;
            value |= (long) (b & 0x7f) << shift;
            if (b < 0x80) {
                return new long[] {value, i};
            }
        }
        throw new IllegalStateException("malformed health answer");
    }
}
