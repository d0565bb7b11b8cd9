import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Unary gRPC calls per second and p99 latency, straight to a grpc-java server and through a Stargate node
 * in front of it, in interleaved rounds of the same run (SPEC §12: through the node >= 0.5x direct).
 *
 * <p>Two modes: {@code serve PORT} runs the echo server (the node's target, started first by the script);
 * {@code drive DIRECT_PORT NODE_PORT CONCURRENCY SECONDS ROUNDS} runs the load: CONCURRENCY virtual threads
 * each making blocking unary calls of a 64-byte message on one shared HTTP/2 channel per side.
 * Runs from the node's classpath (jetcd brings grpc-java): see bench/grpc-unary.sh.
 */
public final class GrpcUnaryLoad {
    static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };
    static final MethodDescriptor<byte[], byte[]> ECHO = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setFullMethodName("bench.Echo/Unary").setType(MethodDescriptor.MethodType.UNARY)
            .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();

    public static void main(String[] args) throws Exception {
        if (args[0].equals("serve")) {
            Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[1])))
                    .addService(ServerServiceDefinition.builder("bench.Echo")
                            .addMethod(ECHO, ServerCalls.asyncUnaryCall((req, out) -> {
                                out.onNext(req);
                                out.onCompleted();
                            })).build())
                    .build().start();
            System.out.println("serving on " + server.getPort());
            server.awaitTermination();
            return;
        }
        int direct = Integer.parseInt(args[1]);
        int node = Integer.parseInt(args[2]);
        int concurrency = Integer.parseInt(args[3]);
        int seconds = Integer.parseInt(args[4]);
        int rounds = Integer.parseInt(args[5]);
        ManagedChannel toServer = NettyChannelBuilder.forAddress("127.0.0.1", direct).usePlaintext().build();
        ManagedChannel toNode = NettyChannelBuilder.forAddress("127.0.0.1", node).usePlaintext().build();
        run(toServer, concurrency, 2);     // warm-up: JIT and connections, both sides
        run(toNode, concurrency, 2);
        List<double[]> directRuns = new ArrayList<>();
        List<double[]> nodeRuns = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            directRuns.add(run(toServer, concurrency, seconds));
            nodeRuns.add(run(toNode, concurrency, seconds));
            System.out.printf("round %d: direct %.0f calls/s p99 %.2f ms | node %.0f calls/s p99 %.2f ms%n", r + 1,
                    directRuns.getLast()[0], directRuns.getLast()[1], nodeRuns.getLast()[0], nodeRuns.getLast()[1]);
        }
        double directRate = median(directRuns, 0);
        double nodeRate = median(nodeRuns, 0);
        double directP99 = median(directRuns, 1);
        double nodeP99 = median(nodeRuns, 1);
        System.out.printf("median: direct %.0f calls/s p99 %.2f ms | node %.0f calls/s p99 %.2f ms%n",
                directRate, directP99, nodeRate, nodeP99);
        System.out.printf("ratio node/direct: calls/s %.2fx, p99 %.2fx (budget: calls/s >= 0.5x)%n",
                nodeRate / directRate, nodeP99 / directP99);
        toServer.shutdownNow();
        toNode.shutdownNow();
    }

    /** @return {calls per second, p99 in ms} of one timed run */
    static double[] run(ManagedChannel channel, int concurrency, int seconds) throws InterruptedException {
        byte[] message = new byte[64];
        AtomicBoolean stop = new AtomicBoolean();
        long[][] latencies = new long[concurrency][];
        int[] counts = new int[concurrency];
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < concurrency; t++) {
            int id = t;
            latencies[id] = new long[1 << 20];
            threads.add(Thread.ofVirtual().start(() -> {
                while (!stop.get() && counts[id] < latencies[id].length) {
                    long start = System.nanoTime();
                    ClientCalls.blockingUnaryCall(channel, ECHO, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
                            message);
                    latencies[id][counts[id]++] = System.nanoTime() - start;
                }
            }));
        }
        long started = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        stop.set(true);
        for (Thread thread : threads) {
            thread.join();
        }
        double elapsed = (System.nanoTime() - started) / 1e9;
        int total = Arrays.stream(counts).sum();
        long[] all = new long[total];
        int at = 0;
        for (int t = 0; t < concurrency; t++) {
            System.arraycopy(latencies[t], 0, all, at, counts[t]);
            at += counts[t];
        }
        Arrays.sort(all);
        return new double[] {total / elapsed, all[(int) Math.min(all.length - 1, Math.ceil(all.length * 0.99) - 1)] / 1e6};
    }

    static double median(List<double[]> runs, int index) {
        double[] values = runs.stream().mapToDouble(r -> r[index]).sorted().toArray();
        return values[values.length / 2];
    }
}
