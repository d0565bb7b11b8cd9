package stargate.node.health;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

import stargate.model.Upstream;
import stargate.node.grpc.GrpcHealthCheck;
import stargate.node.proxy.UpstreamTls;

/**
 * One active check of one target, within the check's {@code timeout} from connect to verdict: a TCP
 * connect ({@code type: tcp}), an HTTP/1.1 {@code GET path} whose status must be one of {@code statuses},
 * or a grpc.health.v1 {@code Check} that must answer SERVING ({@code type: grpc}, see {@link GrpcHealthCheck}).
 *
 * <p>A plain blocking socket rather than Helidon's WebClient, on purpose: the whole probe is bounded by
 * one deadline (WebClient has no per-request connect timeout and a read timeout per read); every probe
 * opens a new connection ({@code Connection: close}) so a dead listener is seen, never hidden behind a
 * pooled socket; and https targets use the proxy's own {@link UpstreamTls} settings rather than a second
 * translation of {@code tls:}. Only the status line is read.
 */
final class Probe {
    /** A status line longer than this is not HTTP. */
    private static final int MAX_STATUS_LINE = 1024;

    private final URI target;
    private final String host;
    private final int port;
    private final Upstream.ActiveCheck check;
    private final SSLSocketFactory tls;
    private final boolean verifyHostname;
    /** Set for {@code type: grpc}. */
    private final GrpcHealthCheck grpc;

    /**
     * @throws IllegalArgumentException if the target is not http(s) or its TLS settings cannot be loaded
     */
    Probe(String targetUrl, Upstream.ActiveCheck check, Upstream.Tls tls) {
        this.target = URI.create(targetUrl);
        boolean https = "https".equalsIgnoreCase(target.getScheme());
        if (target.getHost() == null) {
            throw new IllegalArgumentException("target must be http(s)://host[:port]: " + targetUrl);
        }
        String bracketed = target.getHost();
        this.host = bracketed.startsWith("[") ? bracketed.substring(1, bracketed.length() - 1) : bracketed;
        this.port = target.getPort() >= 0 ? target.getPort() : https ? 443 : 80;
        this.check = check;
        this.tls = https ? UpstreamTls.socketFactory(tls) : null;
        this.verifyHostname = tls == null || tls.verify();
        this.grpc = "grpc".equals(check.type()) ? new GrpcHealthCheck(targetUrl, tls) : null;
    }

    Upstream.ActiveCheck check() {
        return check;
    }

    /** Probes the target once; never throws. */
    TargetHealth.CheckResult run(Clock clock) {
        if (grpc != null) {
            String failure = grpc.check(check.service(), check.timeout());
            return new TargetHealth.CheckResult(failure == null, failure == null ? "SERVING" : failure, clock.instant());
        }
        long deadline = System.nanoTime() + check.timeout().toNanos();
        try (Socket tcp = new Socket()) {
            tcp.connect(new InetSocketAddress(host, port), remainingMillis(deadline));
            if ("tcp".equals(check.type())) {
                return new TargetHealth.CheckResult(true, "connected", clock.instant());
            }
            Socket socket = tls == null ? tcp : handshake(tcp, deadline);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + check.path() + " HTTP/1.1\r\nHost: " + target.getRawAuthority()
                    + "\r\nUser-Agent: stargate-health-check\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            int status = readStatus(socket, deadline);
            boolean ok = check.statuses().contains(status);
            return new TargetHealth.CheckResult(ok, "status " + status, clock.instant());
        } catch (SocketTimeoutException e) {
            return new TargetHealth.CheckResult(false, "timed out after " + check.timeout().toMillis() + " ms",
                    clock.instant());
        } catch (IOException | RuntimeException e) {
            return new TargetHealth.CheckResult(false, String.valueOf(e.getMessage()), clock.instant());
        }
    }

    private Socket handshake(Socket tcp, long deadline) throws IOException {
        SSLSocket ssl = (SSLSocket) tls.createSocket(tcp, host, port, true);
        SSLParameters parameters = ssl.getSSLParameters();
        if (!host.contains(":") && !host.chars().allMatch(c -> c == '.' || Character.isDigit(c))) {
            parameters.setServerNames(List.of(new SNIHostName(host)));
        }
        if (verifyHostname) {
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
        }
        ssl.setSSLParameters(parameters);
        ssl.setSoTimeout(remainingMillis(deadline));
        ssl.startHandshake();
        return ssl;
    }

    /** Reads {@code HTTP/1.x SSS ...} up to its CRLF, each read bounded by what is left of the deadline. */
    private static int readStatus(Socket socket, long deadline) throws IOException {
        InputStream in = socket.getInputStream();
        StringBuilder line = new StringBuilder(32);
        while (line.length() < MAX_STATUS_LINE) {
            socket.setSoTimeout(remainingMillis(deadline));
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed before a status line");
            }
            if (b == '\n') {
                break;
            }
            line.append((char) b);
        }
        String text = line.toString();
        if (!text.startsWith("HTTP/1.") || text.length() < 12 || text.charAt(8) != ' ') {
            throw new IOException("not an HTTP/1.x status line: " + text.strip());
        }
        try {
            return Integer.parseInt(text.substring(9, 12));
        } catch (NumberFormatException e) {
            throw new IOException("not an HTTP/1.x status line: " + text.strip());
        }
    }

    private static int remainingMillis(long deadline) throws SocketTimeoutException {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
            throw new SocketTimeoutException("probe deadline passed");
        }
        return (int) Math.min(Integer.MAX_VALUE, left);
    }
}
