package stargate.node.trace;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import okhttp3.Headers;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;
import stargate.model.telemetry.TracingOptions;

/**
 * Posts an encoded {@code ExportTraceServiceRequest} to the collector, on the calling (export) thread, with OkHttp
 * (the OpenTelemetry exporters' own sender): OTLP/HTTP ({@code POST .../v1/traces}, {@code application/x-protobuf},
 * 2xx = taken) or OTLP gRPC ({@code TraceService/Export} over HTTP/2, prior knowledge on {@code http://}, ALPN on
 * {@code https://}; {@code grpc-status} 0 = taken). One call at a time, bounded by the export timeout; no retry:
 * a batch that fails is dropped and counted by {@link SpanQueue}.
 */
final class OtlpSender implements AutoCloseable {
    private static final MediaType PROTOBUF = MediaType.get("application/x-protobuf");
    private static final MediaType GRPC = MediaType.get("application/grpc");
    private static final String GRPC_PATH = "opentelemetry.proto.collector.trace.v1.TraceService/Export";

    private final boolean grpc;
    private final String url;
    private final Headers headers;
    private final OkHttpClient client;

    OtlpSender(TracingOptions options, String userAgent) {
        this.grpc = options.protocol() == TracingOptions.Protocol.GRPC;
        String endpoint = options.endpoint().toString();
        this.url = grpc ? (endpoint.endsWith("/") ? endpoint : endpoint + "/") + GRPC_PATH : endpoint;
        Headers.Builder builder = new Headers.Builder().add("User-Agent", userAgent);
        if (grpc) {
            builder.add("te", "trailers");
        }
        for (Map.Entry<String, String> header : options.headers().entrySet()) {
            builder.add(header.getKey(), header.getValue());
        }
        this.headers = builder.build();
        Duration timeout = options.exportTimeout();
        OkHttpClient.Builder client = new OkHttpClient.Builder().callTimeout(timeout).connectTimeout(timeout)
                .readTimeout(timeout).writeTimeout(timeout).retryOnConnectionFailure(false);
        if (grpc) {
            client.protocols("https".equals(options.endpoint().getScheme())
                    ? List.of(Protocol.HTTP_2, Protocol.HTTP_1_1) : List.of(Protocol.H2_PRIOR_KNOWLEDGE));
        }
        this.client = client.build();
    }

    boolean grpc() {
        return grpc;
    }

    /**
     * Sends {@code length} bytes of {@code bytes} from {@code offset} (for gRPC, a framed message).
     *
     * @throws IOException when the collector did not take them (the message says why)
     */
    void send(byte[] bytes, int offset, int length) throws IOException {
        RequestBody body = new RequestBody() {
            @Override
            public MediaType contentType() {
                return grpc ? GRPC : PROTOBUF;
            }

            @Override
            public long contentLength() {
                return length;
            }

            @Override
            public void writeTo(BufferedSink sink) throws IOException {
                sink.write(bytes, offset, length);
            }
        };
        Request request = new Request.Builder().url(url).headers(headers).post(body).build();
        try (Response response = client.newCall(request).execute()) {
            response.body().bytes();      // read to the end: the connection is reused
            if (!response.isSuccessful()) {
                throw new IOException("collector answered HTTP " + response.code());
            }
            if (grpc) {
                // a "trailers-only" answer carries the status in its headers
                String status = response.header("grpc-status");
                if (status == null) {
                    status = response.trailers().get("grpc-status");
                }
                if (!"0".equals(status)) {
                    String message = response.header("grpc-message");
                    throw new IOException("collector answered grpc-status " + status
                            + (message == null ? "" : " (" + message + ")"));
                }
            }
        }
    }

    @Override
    public void close() {
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
    }
}
