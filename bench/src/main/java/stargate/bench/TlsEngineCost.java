package stargate.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.conscrypt.Conscrypt;

/**
 * The server-side CPU of TLS in one JVM, JSSE against Conscrypt, without sockets, the node or
 * Helidon: a JSSE client engine and a server engine of each provider talk through memory, and
 * only the server's wrap/unwrap calls are timed with the thread's CPU clock (which a busy machine
 * disturbs far less than wall time). Rounds alternate the providers; medians are printed.
 *
 * <pre>java -cp ... stargate.bench.TlsEngineCost [rsa|ec] [rounds] [handshakes per round]</pre>
 * Measures: a full handshake (new client session each time), a resumed one (TLS 1.3 PSK from the
 * server's ticket), and one 1 KiB answer on an open connection (server: unwrap 100 B, wrap 1 KiB).
 */
public final class TlsEngineCost {
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();
    private static long serverNanos;

    public static void main(String[] args) throws Exception {
        String keyAlg = args.length > 0 ? args[0] : "rsa";
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int perRound = args.length > 2 ? Integer.parseInt(args[2]) : 300;
        KeyManagerFactory keys = keys(keyAlg);
        String[] providers = {"jsse", "conscrypt", "conscrypt-native-key"};
        SSLContext[] servers = new SSLContext[providers.length];
        for (int i = 0; i < providers.length; i++) {
            java.security.Provider conscrypt = Conscrypt.newProviderBuilder().provideTrustManager(false).build();
            servers[i] = providers[i].equals("jsse") ? SSLContext.getInstance("TLS") : SSLContext.getInstance("TLS", conscrypt);
            servers[i].init(providers[i].endsWith("native-key") ? nativeKeys(keys, conscrypt) : keys.getKeyManagers(), null, null);
        }
        List<List<double[]>> results = new ArrayList<>();
        for (String ignored : providers) {
            results.add(new ArrayList<>());
        }
        for (int round = 0; round <= rounds; round++) { // round 0 warms up
            for (int i = 0; i < providers.length; i++) {
                double[] r = measure(servers[i], providers[i], perRound);
                if (round > 0) {
                    results.get(i).add(r);
                }
            }
        }
        System.out.printf(Locale.ROOT, "server CPU per operation (us), key %s, %d rounds x %d, medians%n", keyAlg, rounds, perRound);
        System.out.printf(Locale.ROOT, "%-22s %14s %14s %16s%n", "provider", "full", "resumed", "1 KiB answer");
        for (int i = 0; i < providers.length; i++) {
            System.out.printf(Locale.ROOT, "%-22s %14.1f %14.1f %16.2f%n", providers[i],
                    median(results.get(i), 0), median(results.get(i), 1), median(results.get(i), 2));
        }
    }

    private static double[] measure(SSLContext server, String provider, int count) throws Exception {
        double full = 0;
        for (int i = 0; i < count; i++) {
            SSLContext client = clientContext(); // a new client context: no session to resume
            full += handshake(client, server, provider, false)[0];
        }
        SSLContext client = clientContext();
        handshake(client, server, provider, true); // gets a ticket
        double resumed = 0;
        double answer = 0;
        for (int i = 0; i < count; i++) {
            double[] r = handshake(client, server, provider, true);
            resumed += r[0];
            answer += r[1];
        }
        return new double[] {full / count / 1000, resumed / count / 1000, answer / count / 1000};
    }

    /** One connection: handshake, one 100 B request and 1 KiB answer; returns the server's CPU ns for each part. */
    private static double[] handshake(SSLContext clientContext, SSLContext serverContext, String provider,
                                      boolean exchange) throws Exception {
        SSLEngine client = clientContext.createSSLEngine("localhost", 443);
        client.setUseClientMode(true);
        SSLEngine server = serverContext.createSSLEngine();
        server.setUseClientMode(false);
        if (provider.startsWith("conscrypt")) {
            Conscrypt.setUseSessionTickets(server, true);
        }
        ByteBuffer toServer = ByteBuffer.allocate(1 << 17);
        ByteBuffer toClient = ByteBuffer.allocate(1 << 17);
        ByteBuffer plain = ByteBuffer.allocate(1 << 17);
        ByteBuffer empty = ByteBuffer.allocate(0);
        serverNanos = 0;
        client.beginHandshake();
        server.beginHandshake();
        for (int step = 0; step < 100 && !(done(client) && done(server)); step++) {
            pump(client, empty, toServer, toClient, plain, false);
            pump(server, empty, toClient, toServer, plain, true);
        }
        double handshake = serverNanos;
        if (!exchange) {
            return new double[] {handshake, 0};
        }
        serverNanos = 0;
        client.wrap(ByteBuffer.wrap(new byte[100]), toServer);
        toServer.flip();
        plain.clear();
        timed(() -> server.unwrap(toServer, plain));
        while (toServer.hasRemaining()) { // a ticket or a key update behind the request
            timed(() -> server.unwrap(toServer, plain));
        }
        toServer.clear();
        timed(() -> server.wrap(ByteBuffer.wrap(new byte[1024]), toClient));
        toClient.flip();
        plain.clear();
        while (toClient.hasRemaining()) {
            client.unwrap(toClient, plain); // also takes the tickets sent with the answer
        }
        toClient.clear();
        return new double[] {handshake, serverNanos};
    }

    private static boolean done(SSLEngine engine) {
        HandshakeStatus status = engine.getHandshakeStatus();
        return status == HandshakeStatus.NOT_HANDSHAKING || status == HandshakeStatus.FINISHED;
    }

    /** Reads what the peer sent, runs delegated tasks, writes what the engine wants to send. */
    private static void pump(SSLEngine engine, ByteBuffer empty, ByteBuffer out, ByteBuffer in, ByteBuffer plain,
                             boolean time) throws Exception {
        in.flip();
        while (in.hasRemaining()) {
            plain.clear();
            int before = in.remaining();
            call(time, () -> engine.unwrap(in, plain));
            runTasks(engine, time);
            if (in.remaining() == before) {
                break;
            }
        }
        in.compact();
        while (engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP) {
            call(time, () -> engine.wrap(empty, out));
            runTasks(engine, time);
        }
    }

    private static void runTasks(SSLEngine engine, boolean time) throws Exception {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            Runnable t = task;
            call(time, () -> {
                t.run();
                return null;
            });
        }
    }

    private interface Call {
        Object run() throws Exception;
    }

    private static void call(boolean time, Call call) throws Exception {
        if (time) {
            timed(call);
        } else {
            call.run();
        }
    }

    private static void timed(Call call) throws Exception {
        long start = CPU.getCurrentThreadCpuTime();
        call.run();
        serverNanos += CPU.getCurrentThreadCpuTime() - start;
    }

    private static SSLContext clientContext() throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {
            }

            @Override
            public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                return new java.security.cert.X509Certificate[0];
            }
        }}, null);
        return context;
    }

    private static KeyManagerFactory keys(String keyAlg) throws Exception {
        Path dir = Files.createTempDirectory("tls-engine-cost");
        Path store = dir.resolve("keys.p12");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "server", "-dname", "CN=localhost", "-validity", "2",
                "-keystore", store.toString(), "-storepass", "changeit", "-storetype", "PKCS12"));
        command.addAll(keyAlg.equals("ec") ? List.of("-keyalg", "EC", "-groupname", "secp256r1")
                : List.of("-keyalg", "RSA", "-keysize", "2048"));
        Process keytool = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(keytool.getInputStream().readAllBytes());
        if (keytool.waitFor() != 0) {
            throw new IllegalStateException("keytool: " + out);
        }
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(store)) {
            keyStore.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(keyStore, "changeit".toCharArray());
        return factory;
    }

    /** The same pair, with the key translated once into a Conscrypt (native) key. */
    private static javax.net.ssl.KeyManager[] nativeKeys(KeyManagerFactory keys, java.security.Provider conscrypt)
            throws Exception {
        javax.net.ssl.X509ExtendedKeyManager real = (javax.net.ssl.X509ExtendedKeyManager) keys.getKeyManagers()[0];
        String[] rsa = real.getServerAliases("RSA", null);
        String alias = rsa != null && rsa.length > 0 ? rsa[0] : real.getServerAliases("EC", null)[0];
        java.security.PrivateKey key = real.getPrivateKey(alias);
        java.security.PrivateKey translated = (java.security.PrivateKey) java.security.KeyFactory
                .getInstance(key.getAlgorithm(), conscrypt).translateKey(key);
        java.security.cert.X509Certificate[] chain = real.getCertificateChain(alias);
        return new javax.net.ssl.KeyManager[] {new javax.net.ssl.X509ExtendedKeyManager() {
            @Override
            public String chooseEngineServerAlias(String keyType, java.security.Principal[] issuers, SSLEngine engine) {
                return key.getAlgorithm().equals(keyType) ? alias : null;
            }

            @Override
            public String chooseServerAlias(String keyType, java.security.Principal[] issuers, java.net.Socket socket) {
                return key.getAlgorithm().equals(keyType) ? alias : null;
            }

            @Override
            public java.security.cert.X509Certificate[] getCertificateChain(String a) {
                return chain;
            }

            @Override
            public java.security.PrivateKey getPrivateKey(String a) {
                return translated;
            }

            @Override
            public String[] getServerAliases(String keyType, java.security.Principal[] issuers) {
                return new String[] {alias};
            }

            @Override
            public String[] getClientAliases(String keyType, java.security.Principal[] issuers) {
                return null;
            }

            @Override
            public String chooseClientAlias(String[] keyType, java.security.Principal[] issuers, java.net.Socket socket) {
                return null;
            }
        }};
    }

    private static double median(List<double[]> rows, int column) {
        double[] values = rows.stream().mapToDouble(r -> r[column]).sorted().toArray();
        return values[values.length / 2];
    }
}
