package stargate.node;

import com.sun.net.httpserver.HttpServer;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A real OTLP collector on loopback for tests: OTLP/HTTP ({@code POST /v1/traces}, binary protobuf) and OTLP
 * gRPC ({@code TraceService/Export}), both decoding the real {@code opentelemetry-proto} messages. {@link #hang}
 * makes both take requests and never answer (a stuck collector).
 */
final class OtlpReceiver implements AutoCloseable {
    /** One exported span with the {@code service.name} of the resource it came under. */
    record Received(String service, Span span) {
        String traceId() {
            return HexFormat.of().formatHex(span.getTraceId().toByteArray());
        }

        String spanId() {
            return HexFormat.of().formatHex(span.getSpanId().toByteArray());
        }

        String parentSpanId() {
            return HexFormat.of().formatHex(span.getParentSpanId().toByteArray());
        }

        /** The attribute's value as text ({@code null} when absent). */
        String attribute(String key) {
            return value(span.getAttributesList(), key);
        }
    }

    private static final MethodDescriptor<ExportTraceServiceRequest, ExportTraceServiceResponse> EXPORT =
            MethodDescriptor.<ExportTraceServiceRequest, ExportTraceServiceResponse>newBuilder()
                    .setType(MethodDescriptor.MethodType.UNARY)
                    .setFullMethodName("opentelemetry.proto.collector.trace.v1.TraceService/Export")
                    .setRequestMarshaller(ProtoUtils.marshaller(ExportTraceServiceRequest.getDefaultInstance()))
                    .setResponseMarshaller(ProtoUtils.marshaller(ExportTraceServiceResponse.getDefaultInstance()))
                    .build();

    final ConcurrentLinkedQueue<Received> spans = new ConcurrentLinkedQueue<>();
    private final HttpServer http;
    private final Server grpc;
    private final CountDownLatch released = new CountDownLatch(1);
    private volatile boolean hanging;

    private OtlpReceiver() throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        http = HttpServer.create(new InetSocketAddress(loopback, 0), 64);
        http.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        http.createContext("/v1/traces", exchange -> {
            try (exchange; InputStream body = exchange.getRequestBody()) {
                byte[] bytes = body.readAllBytes();
                if (!"POST".equals(exchange.getRequestMethod())
                        || !"application/x-protobuf".equals(exchange.getRequestHeaders().getFirst("Content-Type"))) {
                    exchange.sendResponseHeaders(415, -1);
                    return;
                }
                awaitRelease();
                record(ExportTraceServiceRequest.parseFrom(bytes));
                byte[] answer = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
                exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
                exchange.sendResponseHeaders(200, answer.length == 0 ? -1 : answer.length);
                exchange.getResponseBody().write(answer);
            }
        });
        http.start();
        ServerServiceDefinition service = ServerServiceDefinition
                .builder("opentelemetry.proto.collector.trace.v1.TraceService")
                .addMethod(EXPORT, ServerCalls.asyncUnaryCall((request, response) -> {
                    awaitRelease();
                    record(request);
                    response.onNext(ExportTraceServiceResponse.getDefaultInstance());
                    response.onCompleted();
                }))
                .build();
        grpc = NettyServerBuilder.forAddress(new InetSocketAddress(loopback, 0)).addService(service).build().start();
    }

    static OtlpReceiver start() throws IOException {
        return new OtlpReceiver();
    }

    /** {@code --otlp-endpoint} for http/protobuf (the base URL: the node appends {@code /v1/traces}). */
    String httpEndpoint() {
        return "http://127.0.0.1:" + http.getAddress().getPort();
    }

    String grpcEndpoint() {
        return "http://127.0.0.1:" + grpc.getPort();
    }

    /** From now on, take export requests and never answer them (until {@link #close}). */
    void hang() {
        hanging = true;
    }

    List<Received> spans(String traceId) {
        return spans.stream().filter(s -> s.traceId().equals(traceId)).toList();
    }

    private void awaitRelease() {
        if (hanging) {
            try {
                released.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void record(ExportTraceServiceRequest request) {
        for (ResourceSpans resourceSpans : request.getResourceSpansList()) {
            Resource resource = resourceSpans.getResource();
            String service = value(resource.getAttributesList(), "service.name");
            for (ScopeSpans scope : resourceSpans.getScopeSpansList()) {
                for (Span span : scope.getSpansList()) {
                    spans.add(new Received(service, span));
                }
            }
        }
    }

    static String value(List<KeyValue> attributes, String key) {
        for (KeyValue kv : attributes) {
            if (kv.getKey().equals(key)) {
                var v = kv.getValue();
                return switch (v.getValueCase()) {
                    case STRING_VALUE -> v.getStringValue();
                    case INT_VALUE -> Long.toString(v.getIntValue());
                    case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
                    case DOUBLE_VALUE -> Double.toString(v.getDoubleValue());
                    default -> v.toString();
                };
            }
        }
        return null;
    }

    @Override
    public void close() {
        released.countDown();
        http.stop(0);
        grpc.shutdownNow();
    }
}
