package stargate.node.listener;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Logger;
import java.util.stream.Stream;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIMatcher;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.StandardConstants;
import javax.net.ssl.X509ExtendedKeyManager;
import stargate.node.observe.Metrics;
import stargate.node.ocsp.OcspStaples;

/**
 * Picks the server certificate from the client's SNI name (Helidon 4.x has one certificate per
 * listener). Names are matched exactly first, then by leading wildcard ({@code *.example.org}),
 * longest suffix first; a client without SNI, or with an unknown name, gets the default (the
 * first certificate of the config). A certificate with an ECDSA pair serves it to clients that
 * accept ECDSA and its main pair (usually RSA) to the others.
 *
 * <p>The certificate set is swapped atomically on every config change ({@link #update}), so new
 * or renewed certificates apply to the next handshake without restarting the listener.
 *
 * <p>A certificate with {@code ocsp_stapling} (Conscrypt only) gets the OCSP response that
 * {@link OcspStaples} holds for it stapled when it is chosen; none held, none stapled.
 */
final class SniKeyManager extends X509ExtendedKeyManager implements AutoCloseable {
    private volatile Certs certs = new Certs(Map.of(), null, Map.of(), Map.of());
    private final OcspStaples staples = new OcspStaples(Clock.systemUTC());
    private static final Logger LOG = Logger.getLogger(SniKeyManager.class.getName());
    private final boolean ecdsaPairForEveryClient;
    private List<String> ecdsaOnly = List.of();

    /**
     * @param ecdsaPairForEveryClient the TLS stack asks for every key type before it sees the
     *                                client's signature schemes and keeps the last pair given
     *                                (Conscrypt): a certificate with an ECDSA pair then answers
     *                                with it only, so every client gets the ECDSA pair
     */
    SniKeyManager(boolean ecdsaPairForEveryClient) {
        this.ecdsaPairForEveryClient = ecdsaPairForEveryClient;
    }

    /** The suffix of an ECDSA pair's alias; the main pair's alias is the certificate's id. */
    private static final String ECDSA_ALIAS = "#ecdsa";

    /** A parsed certificate chain and its key. */
    record Pair(X509Certificate[] chain, PrivateKey key) {
        String keyType() {
            return chain[0].getPublicKey().getAlgorithm();
        }
    }

    /**
     * A config certificate: its main pair, the optional ECDSA pair served to clients that take ECDSA,
     * and whether its OCSP response is stapled.
     */
    record Entry(String id, List<String> snis, Pair main, Pair ecdsa, boolean ocspStapling) {
        /** The chain Conscrypt serves for it, the only provider that staples: the ECDSA pair's when there is one. */
        X509Certificate[] stapledChain() {
            return (ecdsa != null ? ecdsa : main).chain();
        }

        /** The earliest notAfter in both chains, in seconds since the epoch: the first to lapse breaks a handshake. */
        long notAfter() {
            return Stream.concat(Arrays.stream(main.chain()), ecdsa == null ? Stream.empty() : Arrays.stream(ecdsa.chain()))
                    .mapToLong(c -> c.getNotAfter().toInstant().getEpochSecond()).min().orElse(0);
        }
    }

    /** The certificates served now and when each expires, for {@code stargate_certificate_expiry_seconds}. */
    List<Metrics.CertificateExpiry> expiries() {
        return certs.byId().values().stream().map(e -> new Metrics.CertificateExpiry(e.id(), e.snis(), e.notAfter()))
                .toList();
    }

    void update(List<Entry> entries) {
        if (ecdsaPairForEveryClient) {
            List<String> paired = entries.stream().filter(e -> e.ecdsa() != null).map(Entry::id).toList();
            if (!paired.isEmpty() && !paired.equals(ecdsaOnly)) {
                LOG.warning("event=tls_ecdsa_pair_for_every_client provider=conscrypt certificates=" + paired
                        + " note=\"clients without ECDSA support cannot connect to these names; --tls-provider jsse "
                        + "serves them the main pair\"");
            }
            ecdsaOnly = paired;
        }
        Map<String, Entry> byName = new HashMap<>();
        for (Entry entry : entries) {
            for (String sni : entry.snis()) {
                byName.putIfAbsent(sni.toLowerCase(Locale.ROOT), entry);
            }
        }
        Map<String, Entry> byId = new HashMap<>();
        entries.forEach(e -> byId.put(e.id(), e));
        Map<String, OcspStaples.Staple> stapled = staples.follow(entries.stream().filter(Entry::ocspStapling)
                .map(e -> new OcspStaples.Subject(e.id(), e.stapledChain())).toList());
        certs = new Certs(byName, entries.isEmpty() ? null : entries.getFirst(), byId, stapled);
    }

    /** The OCSP stapling state per certificate, for the metrics. */
    List<Metrics.OcspStaple> ocspStaples() {
        return staples.states();
    }

    /** Stops the OCSP fetches. */
    @Override
    public void close() {
        staples.close();
    }

    /**
     * Accepts a client's SNI host name while there is a certificate to serve it (an unknown name
     * gets the default one); with no certificate JSSE then ends the handshake with an
     * {@code unrecognized_name} alert instead of a generic handshake failure.
     */
    SNIMatcher sniMatcher() {
        return new SNIMatcher(StandardConstants.SNI_HOST_NAME) {
            @Override
            public boolean matches(SNIServerName serverName) {
                return !isEmpty();
            }
        };
    }

    boolean isEmpty() {
        return certs.fallback() == null;
    }

    /**
     * The alias for this handshake's certificate ({@link #entry}, by SNI name): the pair whose key type JSSE
     * asks for. JSSE asks once per signature scheme (TLS 1.3) or cipher suite (TLS 1.2) the client
     * offers, in order, until an alias comes back: a client that lists ECDSA schemes (all current
     * browsers, OpenSSL, JSSE: first) gets the ECDSA pair; one that offers only RSA schemes asks for
     * "RSA" only and gets the main pair.
     */
    private String choose(String keyType, Entry entry) {
        if (entry == null) {
            return null;
        }
        if (entry.ecdsa() != null && entry.ecdsa().keyType().equals(keyType)) {
            return entry.id() + ECDSA_ALIAS;
        }
        if (entry.ecdsa() != null && ecdsaPairForEveryClient) {
            return null;
        }
        return keyType == null || entry.main().keyType().equals(keyType) ? entry.id() : null;
    }

    private Pair pair(String alias) {
        if (alias == null) {
            return null;
        }
        Map<String, Entry> byId = certs.byId();
        if (alias.endsWith(ECDSA_ALIAS)) {
            Entry entry = byId.get(alias.substring(0, alias.length() - ECDSA_ALIAS.length()));
            return entry == null ? null : entry.ecdsa();
        }
        Entry entry = byId.get(alias);
        return entry == null ? null : entry.main();
    }

    /** The certificate for this handshake's SNI name, else the default; null when there is none. */
    private static Entry entry(Certs current, SSLSession handshake) {
        String name = sniName(handshake);
        Entry entry = name == null ? null : current.lookup(name);
        return entry != null ? entry : current.fallback();
    }

    private static String sniName(SSLSession handshake) {
        if (handshake instanceof ExtendedSSLSession extended) {
            for (SNIServerName name : extended.getRequestedServerNames()) {
                if (name instanceof SNIHostName host) {
                    return host.getAsciiName().toLowerCase(Locale.ROOT);
                }
            }
        }
        return null;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        Certs current = certs;
        Entry entry = entry(current, engine.getHandshakeSession());
        String alias = choose(keyType, entry);
        if (alias != null && entry.ocspStapling()) {
            OcspStaples.Staple staple = current.staples().get(entry.id());
            byte[] der = staple == null ? null : staple.current(System.currentTimeMillis());
            if (der != null) {
                ConscryptOcsp.staple(engine, der);
            }
        }
        return alias;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return socket instanceof SSLSocket ssl ? choose(keyType, entry(certs, ssl.getHandshakeSession())) : null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        Pair pair = pair(alias);
        return pair == null ? null : pair.chain().clone();
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        Pair pair = pair(alias);
        return pair == null ? null : pair.key();
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        List<String> aliases = new java.util.ArrayList<>();
        for (Entry entry : certs.byId().values()) {
            if (keyType == null || entry.main().keyType().equals(keyType)) {
                aliases.add(entry.id());
            }
            if (entry.ecdsa() != null && (keyType == null || entry.ecdsa().keyType().equals(keyType))) {
                aliases.add(entry.id() + ECDSA_ALIAS);
            }
        }
        return aliases.toArray(String[]::new);
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null; // server side only
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return null;
    }

    private record Certs(Map<String, Entry> byName, Entry fallback, Map<String, Entry> byId,
                         Map<String, OcspStaples.Staple> staples) {
        /** Exact name, then wildcards from the longest suffix: a.b.example.org tries *.b.example.org, *.example.org, *.org. */
        Entry lookup(String name) {
            Entry exact = byName.get(name);
            if (exact != null) {
                return exact;
            }
            for (int dot = name.indexOf('.'); dot >= 0; dot = name.indexOf('.', dot + 1)) {
                Entry wildcard = byName.get("*" + name.substring(dot));
                if (wildcard != null) {
                    return wildcard;
                }
            }
            return null;
        }
    }
}
