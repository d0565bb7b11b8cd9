package stargate.node.listener;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.X509ExtendedKeyManager;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import stargate.model.Certificate;
import stargate.node.TestCertificates;

/**
 * The node's server engines do a handshake's CPU-heavy steps on {@link HandshakeWorkers}, not on the
 * connection's (virtual) thread, and records on an established connection in place. Driven as Helidon's
 * TLS socket drives them (delegated tasks run by the caller), client and server in memory, for each
 * provider and TLS version. The certificate is chosen inside the heavy step, so the key manager sees
 * where that step ran.
 */
class HandshakeWorkersTest {
    @TempDir
    static Path dir;

    @ParameterizedTest
    @CsvSource({"JSSE, TLSv1.3", "JSSE, TLSv1.2", "CONSCRYPT, TLSv1.3", "CONSCRYPT, TLSv1.2"})
    void handshakeStepsRunOnTheWorkersAndRecordsInPlace(TlsProvider provider, String protocol) throws Exception {
        TestCertificates cert = TestCertificates.generate(dir, "w-" + provider + protocol.charAt(5) + protocol.charAt(6),
                "RSA", "node.test.invalid");
        SniKeyManager certificates = new SniKeyManager(provider == TlsProvider.CONSCRYPT);
        certificates.update(List.of(PemCertificates.load(new Certificate("c", List.of("node.test.invalid"), null,
                cert.certFile().toString(), null, cert.keyFile().toString(), null, null, null, null, false), provider)));
        Set<String> choosingThreads = ConcurrentHashMap.newKeySet();
        SSLContext real = provider.newContext();
        real.init(new KeyManager[] {new Recording(certificates, choosingThreads)}, null, new SecureRandom());
        SSLEngine server = ResumableServerContext.wrap(real, certificates.sniMatcher(), provider).createSSLEngine();
        server.setUseClientMode(false);
        SSLEngine client = TestCertificates.trusting(cert).createSSLEngine("node.test.invalid", 443);
        client.setUseClientMode(true);
        client.setEnabledProtocols(new String[] {protocol});
        javax.net.ssl.SSLParameters sni = client.getSSLParameters();
        sni.setServerNames(List.of(new javax.net.ssl.SNIHostName("node.test.invalid")));
        client.setSSLParameters(sni);

        long before = HandshakeWorkers.SHARED.stepsDone();
        Pipe toServer = new Pipe();
        Pipe toClient = new Pipe();
        // a virtual thread drives the server, as Helidon's listener does
        Thread.ofVirtual().start(() -> {
            try {
                handshake(client, server, toServer, toClient);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).join();
        assertEquals(protocol, server.getSession().getProtocol());
        assertTrue(!choosingThreads.isEmpty() && choosingThreads.stream().allMatch(t -> t.startsWith("tls-handshake-")),
                "the certificate was chosen on a handshake worker: " + choosingThreads);
        long afterHandshake = HandshakeWorkers.SHARED.stepsDone();
        assertTrue(afterHandshake > before, "the handshake took steps on the workers");

        for (int i = 0; i < 50; i++) {
            String request = "GET /" + i + " HTTP/1.1\r\n\r\n";
            assertEquals(request, roundTrip(client, server, toServer, request));
            assertEquals("answer " + i, roundTrip(server, client, toClient, "answer " + i));
        }
        assertEquals(afterHandshake, HandshakeWorkers.SHARED.stepsDone(), "records on an open connection stay in place");
    }

    @org.junit.jupiter.api.Test
    void anInterruptedWaitEndsOnlyAfterItsStepFinished() throws Exception {
        HandshakeWorkers one = new HandshakeWorkers(1);
        java.util.concurrent.CountDownLatch running = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean queuedRan = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicReference<Object> first = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicReference<Object> second = new java.util.concurrent.atomic.AtomicReference<>();
        // the first caller's step holds the only worker; the second caller's step waits in the queue
        Thread busy = Thread.ofVirtual().start(() -> first.set(outcome(() -> one.call(() -> {
            running.countDown();
            release.await();
            return "done";
        }))));
        assertTrue(running.await(10, java.util.concurrent.TimeUnit.SECONDS));
        Thread queued = Thread.ofVirtual().start(() -> second.set(outcome(() -> one.call(() -> queuedRan.getAndSet(true)))));
        Thread.sleep(100);
        queued.interrupt();
        queued.join(10_000);
        busy.interrupt();           // its step is running: it waits for it
        Thread.sleep(100);
        assertTrue(busy.isAlive(), "an interrupted caller waits while its step runs");
        release.countDown();
        busy.join(10_000);
        assertEquals("done interrupted", first.get());
        assertTrue(second.get() instanceof javax.net.ssl.SSLException, "a step not yet started is dropped: " + second.get());
        Thread.sleep(100);
        assertTrue(!queuedRan.get(), "the dropped step never runs");
    }

    @org.junit.jupiter.api.Test
    void clientsTakeTurnsSoOneClientsBacklogDelaysAnotherByOneStep() throws Exception {
        HandshakeWorkers one = new HandshakeWorkers(1);
        java.util.concurrent.CountDownLatch running = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.List<String> order = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        Object flooder = HandshakeWorkers.clientKey(java.net.InetAddress.getByName("127.0.0.2"));
        Object other = HandshakeWorkers.clientKey(java.net.InetAddress.getByName("127.0.0.3"));
        java.util.List<Thread> callers = new java.util.ArrayList<>();
        // the flooder's first step holds the only worker while 40 more of its steps queue, then another client's
        callers.add(Thread.ofVirtual().start(() -> outcome(() -> one.call(flooder, () -> {
            running.countDown();
            release.await();
            return order.add("flood");
        }))));
        assertTrue(running.await(10, java.util.concurrent.TimeUnit.SECONDS));
        for (int i = 0; i < 40; i++) {
            callers.add(Thread.ofVirtual().start(() -> outcome(() -> one.call(flooder, () -> order.add("flood")))));
        }
        waitForQueued(one, 40);
        callers.add(Thread.ofVirtual().start(() -> outcome(() -> one.call(other, () -> order.add("other")))));
        waitForQueued(one, 41);
        release.countDown();
        for (Thread caller : callers) {
            caller.join(10_000);
        }
        assertEquals(42, order.size(), "every step ran: " + order);
        assertTrue(order.indexOf("other") <= 2, "the other client waited for one of the flooder's steps at most: " + order);
    }

    @org.junit.jupiter.api.Test
    void anIPv6ClientTakesOneTurnPer64() throws Exception {
        assertEquals(HandshakeWorkers.clientKey(java.net.InetAddress.getByName("2001:db8:1:2::1")),
                HandshakeWorkers.clientKey(java.net.InetAddress.getByName("2001:db8:1:2:ffff::9")));
        assertTrue(!HandshakeWorkers.clientKey(java.net.InetAddress.getByName("2001:db8:1:3::1"))
                .equals(HandshakeWorkers.clientKey(java.net.InetAddress.getByName("2001:db8:1:2::1"))));
        assertTrue(!HandshakeWorkers.clientKey(java.net.InetAddress.getByName("10.0.0.1"))
                .equals(HandshakeWorkers.clientKey(java.net.InetAddress.getByName("10.0.0.2"))));
    }

    private static void waitForQueued(HandshakeWorkers workers, int steps) throws InterruptedException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (workers.waitingSteps() < steps && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(steps, workers.waitingSteps());
    }

    /** What a call gave, with " interrupted" when the caller's interrupt status was set afterwards. */
    private static Object outcome(java.util.concurrent.Callable<Object> call) {
        try {
            Object result = call.call();
            return Thread.currentThread().isInterrupted() ? result + " interrupted" : result;
        } catch (Exception e) {
            return Thread.currentThread().isInterrupted() ? e : new AssertionError("interrupt status lost", e);
        }
    }

    /** Until both sides are done, as Helidon's socket: delegated tasks run by the thread that drives the engine. */
    private static void handshake(SSLEngine client, SSLEngine server, Pipe toServer, Pipe toClient) throws Exception {
        client.beginHandshake();
        for (int i = 0; i < 100 && !(done(client) && done(server) && toServer.empty() && toClient.empty()); i++) {
            step(client, toClient, toServer);
            step(server, toServer, toClient);
        }
        assertTrue(done(client) && done(server), "handshake finished");
    }

    private static boolean done(SSLEngine engine) {
        return engine.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING;
    }

    /** What the engine asks for, until it waits for bytes that are not there yet. */
    private static void step(SSLEngine engine, Pipe in, Pipe out) throws Exception {
        ByteBuffer app = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
        for (int i = 0; i < 20; i++) {
            HandshakeStatus status = engine.getHandshakeStatus();
            if (status == HandshakeStatus.NEED_TASK) {
                Runnable task;
                while ((task = engine.getDelegatedTask()) != null) {
                    task.run();
                }
            } else if (status == HandshakeStatus.NEED_WRAP) {
                out.put(engine, ByteBuffer.allocate(0));
            } else if (!in.take(engine, app.clear())) {
                return;
            }
        }
    }

    private static String roundTrip(SSLEngine from, SSLEngine to, Pipe wire, String text) throws Exception {
        wire.put(from, ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)));
        ByteBuffer app = ByteBuffer.allocate(to.getSession().getApplicationBufferSize());
        while (wire.take(to, app) && app.position() == 0) {
            // post-handshake messages (TLS 1.3 tickets) come first
        }
        return new String(app.array(), 0, app.position(), StandardCharsets.US_ASCII);
    }

    /** The bytes on the wire one way. */
    private static final class Pipe {
        private final ByteBuffer bytes = ByteBuffer.allocate(1 << 17);

        boolean empty() {
            return bytes.position() == 0;
        }

        void put(SSLEngine engine, ByteBuffer app) throws Exception {
            SSLEngineResult result;
            do {
                result = engine.wrap(app, bytes);
            } while (app.hasRemaining() && result.getStatus() == SSLEngineResult.Status.OK);
        }

        /** @return whether a record was read */
        boolean take(SSLEngine engine, ByteBuffer app) throws Exception {
            bytes.flip();
            try {
                if (!bytes.hasRemaining()) {
                    return false;
                }
                SSLEngineResult result = engine.unwrap(bytes, app);
                return result.getStatus() == SSLEngineResult.Status.OK;
            } finally {
                bytes.compact();
            }
        }
    }

    /** The node's key manager, noting the thread each certificate choice runs on. */
    private static final class Recording extends X509ExtendedKeyManager {
        private final SniKeyManager real;
        private final Set<String> threads;

        Recording(SniKeyManager real, Set<String> threads) {
            this.real = real;
            this.threads = threads;
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            threads.add(Thread.currentThread().getName());
            return real.chooseEngineServerAlias(keyType, issuers, engine);
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, java.net.Socket socket) {
            return real.chooseServerAlias(keyType, issuers, socket);
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return real.getCertificateChain(alias);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return real.getPrivateKey(alias);
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return real.getServerAliases(keyType, issuers);
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return real.getClientAliases(keyType, issuers);
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, java.net.Socket socket) {
            return real.chooseClientAlias(keyType, issuers, socket);
        }
    }
}
