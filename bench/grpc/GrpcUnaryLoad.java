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
import java.nio.file.Files;
import java.nio.file.Path;
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
 * {@code drive DIRECT_PORT CONCURRENCY SECONDS ROUNDS WARMUP_CALLS NAME=PORT:PID...} runs the load: CONCURRENCY virtual
 * threads each making blocking unary calls of a 64-byte message on one shared HTTP/2 channel per side, the
 * server and each node (NAME; PID is the node's process, whose CPU time per call is reported) in turn.
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
        int concurrency = Integer.parseInt(args[2]);
        int seconds = Integer.parseInt(args[3]);
        int rounds = Integer.parseInt(args[4]);
        int warmUpCalls = Integer.parseInt(args[5]);
        List<Side> sides = new ArrayList<>();
        sides.add(new Side("direct", direct, 0));
        for (int i = 6; i < args.length; i++) {
            String[] spec = args[i].split("[=:]");      // NAME=PORT:PID, PID the node's, for its CPU per call
            sides.add(new Side(spec[0], Integer.parseInt(spec[1]), Long.parseLong(spec[2])));
        }
        for (Side side : sides) {
            // JIT and connections, every side: counted in calls, not seconds, so that a loaded box (where a
            // node gets little CPU) still measures compiled code; bounded at 3 minutes a side
            long warmUpUntil = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            for (double calls = 0; calls < warmUpCalls && System.nanoTime() < warmUpUntil; ) {
                calls += run(side.channel, concurrency, 2)[0] * 2;
            }
        }
        for (int r = 0; r < rounds; r++) {
            StringBuilder line = new StringBuilder("round " + (r + 1) + ":");
            for (Side side : sides) {
                long cpuBefore = side.cpuTicks();
                double[] result = run(side.channel, concurrency, seconds);
                long cpuTicks = side.cpuTicks() - cpuBefore;
                // {calls/s, p99 ms, node CPU microseconds per call}; /proc ticks are 10 ms (USER_HZ 100)
                side.runs.add(new double[] {result[0], result[1], cpuTicks * 10_000.0 / (result[0] * seconds)});
                line.append(String.format(" | %s %.0f calls/s p99 %.2f ms", side.name, result[0], result[1]));
                if (side.pid > 0) {
                    line.append(String.format(" cpu %.0f us/call", side.runs.getLast()[2]));
                }
            }
            System.out.println(line);
        }
        Side baseline = sides.getFirst();
        double directRate = median(baseline.runs, 0);
        double directP99 = median(baseline.runs, 1);
        System.out.printf("median: direct %.0f calls/s p99 %.2f ms%n", directRate, directP99);
        for (Side side : sides.subList(1, sides.size())) {
            System.out.printf("median: %s %.0f calls/s p99 %.2f ms, node cpu %.0f us/call | ratio %s/direct: calls/s %.2fx, "
                            + "p99 %.2fx (budget: calls/s >= 0.5x)%n", side.name, median(side.runs, 0),
                    median(side.runs, 1), median(side.runs, 2), side.name, median(side.runs, 0) / directRate,
                    median(side.runs, 1) / directP99);
        }
        sides.forEach(side -> side.channel.shutdownNow());
    }

    /** One thing the load goes to: the server itself, or a node (whose CPU is read from /proc). */
    static final class Side {
        final String name;
        final long pid;
        final ManagedChannel channel;
        final List<double[]> runs = new ArrayList<>();

        Side(String name, int port, long pid) {
            this.name = name;
            this.pid = pid;
            this.channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        }

        /** utime + stime of the process, in clock ticks; 0 without a pid. */
        long cpuTicks() throws IOException {
            if (pid <= 0) {
                return 0;
            }
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);     // fields 14 and 15 of stat(5)
        }
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
