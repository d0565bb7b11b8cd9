package stargate.node.plugin.jwtauth;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;

import stargate.node.plugin.BoundedHttp;

/**
 * Keys from a JWKS URL (RFC 7517), cached in memory and fetched again when needed, never more often
 * than once per {@code minRefreshInterval}.
 *
 * <p><b>When it fetches.</b> Once when created (in the background: creation is config-compile time);
 * when a token names a {@code kid} the cached set lacks (the IdP rotated its keys), the request then
 * waits for that fetch, at most {@link #FETCH_TIMEOUT}; and in the background when the set is older
 * than {@link #MAX_AGE}, so removed (revoked) keys go away. Concurrent requests share one fetch in
 * flight. A fetch starts only if the previous one started at least {@code minRefreshInterval} ago:
 * tokens with random {@code kid}s (which anyone can mint) cost the IdP at most one request per
 * interval per plugin instance, and are answered 401 at once in between.
 *
 * <p><b>Failures.</b> A fetch that fails (unreachable, non-200, over {@link #MAX_BODY_BYTES}, not
 * complete within {@link #FETCH_TIMEOUT}, not a JWKS, no usable key) keeps the previous keys. A
 * fetch past its deadline is cancelled and its connection closed ({@link BoundedHttp}), so an
 * endpoint that trickles its answer holds no thread or connection beyond the deadline. Until a first fetch succeeds, tokens cannot be judged:
 * {@link KeysUnavailableException}.
 *
 * <p><b>Which keys.</b> Signing keys only ({@code use} absent or {@code sig}): RSA of 2048 bits or
 * more (RS256) and EC P-256 (ES256), at most {@link #MAX_KEYS}. Symmetric ({@code oct}) keys are
 * ignored: a public key set never carries an HMAC secret worth trusting. A key's {@code alg}, when set,
 * must equal the token's.
 */
final class JwksKeys implements VerificationKeys {
    private static final System.Logger LOG = System.getLogger(JwksKeys.class.getName());
    /** Least time between two fetch starts: bounds what unknown {@code kid}s can make the node send to the IdP. */
    static final Duration MIN_REFRESH_INTERVAL = Duration.ofSeconds(10);
    private static final long AWAIT_MARGIN_MILLIS = 1_000;
    /** A set older than this is fetched again in the background, so removed keys stop verifying. */
    static final Duration MAX_AGE = Duration.ofMinutes(5);
    /** The longest a fetch may take, connect to last byte, and a request wait for one. */
    static final Duration FETCH_TIMEOUT = Duration.ofSeconds(3);
    /** A larger JWKS document is refused (a real one is a few KiB). */
    static final int MAX_BODY_BYTES = 512 * 1024;
    /** Keys kept from one document. */
    static final int MAX_KEYS = 64;

    private static final ExecutorService FETCHERS = Executors.newVirtualThreadPerTaskExecutor();
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(FETCH_TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER)
            .executor(FETCHERS)
            .build();

    /** One verification key. {@code alg} null: any algorithm its verifier supports (that the config accepts). */
    private record Key(String kid, JWSAlgorithm alg, JWSVerifier verifier) {
        boolean fits(String tokenKid, JWSAlgorithm tokenAlg) {
            return (tokenKid == null || tokenKid.equals(kid)) && (alg == null || alg.equals(tokenAlg))
                    && verifier.supportedJWSAlgorithms().contains(tokenAlg);
        }
    }

    /** The keys of one successful fetch, and when it happened (nanoTime). */
    private record KeySet(List<Key> keys, long fetchedAt) {
        boolean has(String kid) {
            return keys.stream().anyMatch(k -> kid.equals(k.kid()));
        }
    }

    private final URI uri;
    private final LongSupplier nanoTime;
    private final long minIntervalNanos;
    private final Duration fetchTimeout;
    private volatile KeySet current;
    /** Guarded by this. */
    private boolean everStarted;
    private long lastStart;
    private CompletableFuture<Void> inFlight;

    JwksKeys(URI uri, LongSupplier nanoTime, Duration minRefreshInterval) {
        this(uri, nanoTime, minRefreshInterval, FETCH_TIMEOUT);
    }

    JwksKeys(URI uri, LongSupplier nanoTime, Duration minRefreshInterval, Duration fetchTimeout) {
        this.uri = uri;
        this.nanoTime = nanoTime;
        this.minIntervalNanos = minRefreshInterval.toNanos();
        this.fetchTimeout = fetchTimeout;
        refresh();
    }

    @Override
    public List<JWSVerifier> verifiers(JWSHeader header) throws KeysUnavailableException {
        KeySet keys = current;
        String kid = header.getKeyID();
        if (keys == null || kid != null && !keys.has(kid)) {
            CompletableFuture<Void> fetch = refresh();
            if (fetch != null) {
                await(fetch);
            }
            keys = current;
            if (keys == null) {
                throw new KeysUnavailableException("no keys could be fetched from " + uri + " yet");
            }
        } else if (nanoTime.getAsLong() - keys.fetchedAt() > MAX_AGE.toNanos()) {
            refresh();      // in the background: this request goes on with the keys at hand
        }
        JWSAlgorithm alg = header.getAlgorithm();
        List<JWSVerifier> fitting = new ArrayList<>(2);
        for (Key key : keys.keys()) {
            if (key.fits(kid, alg)) {
                fitting.add(key.verifier());
            }
        }
        return fitting;
    }

    /**
     * Starts a fetch unless one is in flight or the last one started less than the minimum interval ago.
     *
     * @return the fetch in flight (just started or not), or null when none may start now
     */
    private synchronized CompletableFuture<Void> refresh() {
        if (inFlight != null && !inFlight.isDone()) {     // a done one may not have run fetchEnded yet
            return inFlight;
        }
        long now = nanoTime.getAsLong();
        if (everStarted && now - lastStart < minIntervalNanos) {
            return null;
        }
        everStarted = true;
        lastStart = now;
        CompletableFuture<Void> fetch = CompletableFuture.runAsync(this::fetch, FETCHERS);
        inFlight = fetch;
        fetch.whenComplete((ignored, error) -> fetchEnded(fetch));
        return fetch;
    }

    private synchronized void fetchEnded(CompletableFuture<Void> fetch) {
        if (inFlight == fetch) {
            inFlight = null;
        }
    }

    /** Waits for the fetch, which its own deadline ends (plus a margin, so the wait never ends first). */
    private void await(CompletableFuture<Void> fetch) {
        try {
            fetch.get(fetchTimeout.toMillis() + AWAIT_MARGIN_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // the fetch failed and said so in the log; the caller goes on with the keys it has
        }
    }

    private void fetch() {
        KeySet previous = current;
        try {
            HttpRequest request = HttpRequest.newBuilder(uri).timeout(fetchTimeout)
                    .header("Accept", "application/json").GET().build();
            HttpResponse<byte[]> response = BoundedHttp.send(CLIENT, request, MAX_BODY_BYTES, fetchTimeout);
            if (response.statusCode() != 200) {
                throw new IOException("status " + response.statusCode());
            }
            List<Key> keys = usableKeys(JWKSet.parse(new String(response.body(), StandardCharsets.UTF_8)));
            if (keys.isEmpty()) {
                throw new IOException("no RSA (2048+ bits) or EC P-256 signing key in the set");
            }
            current = new KeySet(keys, nanoTime.getAsLong());
        } catch (IOException | ParseException e) {
            fetchFailed(previous, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fetchFailed(previous, e);
        }
    }

    private void fetchFailed(KeySet previous, Exception e) {
        LOG.log(System.Logger.Level.WARNING, "jwt-auth: JWKS fetch from " + uri + " failed (" + e + "); keeping "
                + (previous == null ? "no keys" : previous.keys().size() + " previous keys"));
    }

    private static List<Key> usableKeys(JWKSet set) {
        List<Key> keys = new ArrayList<>();
        for (JWK jwk : set.getKeys()) {
            if (keys.size() == MAX_KEYS) {
                break;
            }
            if (jwk.getKeyUse() != null && !KeyUse.SIGNATURE.equals(jwk.getKeyUse())) {
                continue;
            }
            try {
                JWSVerifier verifier;
                if (jwk instanceof RSAKey rsa && rsa.size() >= 2048) {
                    verifier = new RSASSAVerifier(rsa);
                } else if (jwk instanceof ECKey ec && Curve.P_256.equals(ec.getCurve())) {
                    verifier = new ECDSAVerifier(ec);
                } else {
                    continue;
                }
                JWSAlgorithm alg = jwk.getAlgorithm() == null ? null : JWSAlgorithm.parse(jwk.getAlgorithm().getName());
                keys.add(new Key(jwk.getKeyID(), alg, verifier));
            } catch (JOSEException e) {
                // a malformed key: skip it, the others may serve
            }
        }
        return List.copyOf(keys);
    }
}
