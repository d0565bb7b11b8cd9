package stargate.node;

import java.nio.file.Files;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.tls.Tls;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.websocket.WsRouting;
import io.helidon.websocket.WsListener;
import io.helidon.websocket.WsSession;

/**
 * A real WebSocket server for tests (Helidon's websocket module): {@code /echo}, {@code /quiet} and
 * {@code /guarded} echo every message; any other GET is plain HTTP answering which {@code Upgrade} and
 * {@code Connection} fields reached it. Counts the WebSockets it opened and the plain requests it saw.
 */
final class WebSocketUpstream implements AutoCloseable {
    final AtomicInteger opened = new AtomicInteger();
    /** Opened per endpoint path: a test counts its own path, whatever other tests leave in flight. */
    final java.util.concurrent.ConcurrentMap<String, AtomicInteger> openedOn = new java.util.concurrent.ConcurrentHashMap<>();
    final AtomicInteger plainRequests = new AtomicInteger();
    private final WebServer server;

    private WebSocketUpstream(SSLContext tls) {
        WsRouting.Builder ws = WsRouting.builder();
        for (String path : new String[] {"/echo", "/quiet", "/guarded"}) {
            ws.endpoint(path, () -> new Echo(path));
        }
        WebServerConfig.Builder config = WebServer.builder().host("127.0.0.1").port(0).shutdownHook(false)
                .addRouting(ws)
                .routing(r -> r.get("/*", (req, res) -> {
                    plainRequests.incrementAndGet();
                    res.send("upgrade=" + req.headers().first(HeaderNames.UPGRADE).orElse("none")
                            + " connection=" + req.headers().first(HeaderNames.CONNECTION).orElse("none"));
                }));
        if (tls != null) {
            config.tls(Tls.builder().sslContext(tls).build());
        }
        server = config.build().start();
    }

    static WebSocketUpstream plain() {
        return new WebSocketUpstream(null);
    }

    /** Serving TLS with the given certificate (its PEM files). */
    static WebSocketUpstream tls(TestCertificates certificate) throws Exception {
        String pem = Files.readString(certificate.keyFile()).replaceAll("-----[A-Z ]+-----|\\s", "");
        PrivateKey key = KeyFactory.getInstance(certificate.certificate().getPublicKey().getAlgorithm())
                .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("k", key, "x".toCharArray(), new Certificate[] {certificate.certificate()});
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, "x".toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        return new WebSocketUpstream(context);
    }

    int port() {
        return server.port();
    }

    @Override
    public void close() {
        server.stop();
    }

    private final class Echo implements WsListener {
        private final String path;

        Echo(String path) {
            this.path = path;
        }

        @Override
        public void onOpen(WsSession session) {
            opened.incrementAndGet();
            openedOn.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
        }

        @Override
        public void onMessage(WsSession session, String text, boolean last) {
            session.send(text, last);
        }

        @Override
        public void onMessage(WsSession session, BufferData buffer, boolean last) {
            session.send(buffer, last);
        }
    }
}
