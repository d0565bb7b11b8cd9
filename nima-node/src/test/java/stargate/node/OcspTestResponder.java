package stargate.node;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test PKI made with openssl (a CA, a delegated OCSP signer, leaves whose Authority Information
 * Access names this responder) and an OCSP responder on loopback: an HTTP server that hands each request
 * to {@code openssl ocsp} in responder mode (index file, delegated signer), or, as the test sets
 * it, hangs, answers garbage, or answers as a signer the CA never delegated to.
 */
public final class OcspTestResponder implements AutoCloseable {
    public enum Mode { ANSWER, HANG, GARBAGE, HUGE, STRANGER }

    private final Path dir;
    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private volatile Mode mode = Mode.ANSWER;
    private final Object modeChange = new Object();
    final AtomicInteger requests = new AtomicInteger();

    private OcspTestResponder(Path dir) throws IOException {
        this.dir = dir;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.setExecutor(threads);
        server.createContext("/", this::handle);
    }

    /** Starts the responder and makes the CA, the delegated signer and a stranger's signer. */
    public static OcspTestResponder start(Path dir) throws Exception {
        OcspTestResponder responder = new OcspTestResponder(dir);
        responder.server.start();
        openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Test OCSP CA",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        responder.signed("responder", "100", "extendedKeyUsage=OCSPSigning\nbasicConstraints=CA:FALSE\n");
        openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "stranger.key", "-out", "stranger.pem", "-days", "2", "-subj", "/CN=Test OCSP CA");
        Files.writeString(dir.resolve("index.txt"), "");
        return responder;
    }

    /** The responder URL the leaves carry. */
    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
    }

    void mode(Mode next) {
        synchronized (modeChange) {
            mode = next;
            modeChange.notifyAll();
        }
    }

    /**
     * A leaf for {@code name}.test.invalid signed by the CA, listed in the index as good or revoked.
     *
     * @param aia the Authority Information Access line, or null for none
     * @return its chain file (leaf, then CA) and key file
     */
    Path[] leaf(String name, String serialHex, boolean revoked, String aia) throws Exception {
        String sni = name + ".test.invalid";
        signed(name, serialHex, "subjectAltName=DNS:" + sni + "\n" + (aia == null ? "" : "authorityInfoAccess=" + aia + "\n"));
        Path chain = dir.resolve(name + "-chain.pem");
        Files.writeString(chain, Files.readString(dir.resolve(name + ".pem")) + Files.readString(dir.resolve("ca.pem")));
        String line = (revoked ? "R\t301231000000Z\t251201000000Z\t" : "V\t301231000000Z\t\t") + serialHex
                + "\tunknown\t/CN=" + sni + "\n";
        synchronized (this) {
            Files.writeString(dir.resolve("index.txt"), line, java.nio.file.StandardOpenOption.APPEND);
        }
        return new Path[] {chain, dir.resolve(name + ".key")};
    }

    /** A leaf whose responder is this one. */
    public Path[] leaf(String name, String serialHex, boolean revoked) throws Exception {
        return leaf(name, serialHex, revoked, "OCSP;URI:" + url());
    }

    private void signed(String name, String serialHex, String extensions) throws Exception {
        Files.writeString(dir.resolve(name + ".ext"), extensions);
        openssl(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", name + ".key",
                "-out", name + ".csr", "-subj", "/CN=" + name + ".test.invalid");
        openssl(dir, "x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial", "0x" + serialHex,
                "-days", "2", "-out", name + ".pem", "-extfile", name + ".ext");
    }

    private void handle(HttpExchange exchange) throws IOException {
        requests.incrementAndGet();
        try (exchange) {
            byte[] request = exchange.getRequestBody().readNBytes(64 * 1024);
            Mode now = mode;
            switch (now) {
                case HANG -> {
                    synchronized (modeChange) {
                        while (mode == Mode.HANG) {
                            modeChange.wait(); // accepts, reads, never answers while the test says so
                        }
                    }
                    exchange.sendResponseHeaders(503, -1);
                }
                case GARBAGE -> send(exchange, "this is not an OCSP response".repeat(10).getBytes(StandardCharsets.US_ASCII));
                case HUGE -> send(exchange, new byte[200 * 1024]);
                case ANSWER, STRANGER -> send(exchange, answer(request, now == Mode.STRANGER ? "stranger" : "responder"));
            }
        } catch (Exception e) {
            exchange.sendResponseHeaders(500, -1);
        }
    }

    private static void send(HttpExchange exchange, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/ocsp-response");
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
    }

    /**
     * What the responder answers (mode ANSWER) for a request about leaf {@code name}, made by openssl.
     *
     * @param byCa signed by the CA itself rather than the delegated responder
     */
    public byte[] answerFor(String name, boolean byCa) throws Exception {
        Path request = dir.resolve(name + "-req.der");
        openssl(dir, "ocsp", "-issuer", "ca.pem", "-cert", name + ".pem", "-no_nonce", "-reqout", request.toString());
        return answer(Files.readAllBytes(request), byCa ? "ca" : "responder");
    }

    /** openssl's OCSP responder, one request: good/revoked from the index, valid 5 minutes. */
    private byte[] answer(byte[] request, String signer) throws Exception {
        Path in = Files.createTempFile(dir, "req", ".der");
        Path out = Files.createTempFile(dir, "resp", ".der");
        try {
            Files.write(in, request);
            openssl(dir, "ocsp", "-index", "index.txt", "-CA", "ca.pem", "-rsigner", signer + ".pem",
                    "-rkey", signer + ".key", "-nmin", "5", "-reqin", in.toString(),
                    "-respout", out.toString());
            return Files.readAllBytes(out);
        } finally {
            Files.deleteIfExists(in);
            Files.deleteIfExists(out);
        }
    }

    /** Runs openssl in {@code dir}; its output when it fails. */
    static String openssl(Path dir, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException("openssl " + String.join(" ", args) + " failed: " + output);
        }
        return output;
    }

    @Override
    public void close() {
        mode(Mode.GARBAGE); // releases hung exchanges
        server.stop(0);
        threads.shutdownNow();
    }
}
