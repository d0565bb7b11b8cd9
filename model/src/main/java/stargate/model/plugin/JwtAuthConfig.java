package stargate.model.plugin;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code jwt-auth}: a signed JWT from {@code Authorization: Bearer}, verified with a shared secret
 * (HS256/384/512) or a public key (RS256, ES256) given inline or fetched from a JWKS URL.
 *
 * <p>What is refused, and why: {@code alg: none} (an unsigned token proves nothing); mixing HMAC and
 * public-key algorithms in one config (algorithm confusion: a token signed with HS256 using the
 * public key as the HMAC secret would verify); an HMAC secret shorter than the hash output
 * (RFC 7518 §3.2: 32, 48, 64 bytes); keys and settings no listed algorithm uses (a sign of a
 * config that does not do what its author thinks).
 *
 * @param algorithms      the accepted {@code alg} values; default [RS256]; HS256, HS384, HS512, RS256, ES256
 * @param secret          the HMAC secret (UTF-8 bytes) for HS*; at least 32/48/64 bytes for HS256/384/512
 * @param publicKey       PEM SubjectPublicKeyInfo ({@code -----BEGIN PUBLIC KEY-----}): RSA of 2048+ bits for
 *                        RS256, EC P-256 for ES256; or use {@code jwks_uri}, not both
 * @param jwksUri         JWKS URL, cached and refreshed on an unknown {@code kid}; https (http only to loopback)
 * @param issuer          required {@code iss} claim; default null (not checked)
 * @param audience        required {@code aud} claim; default null (not checked)
 * @param clockSkew       tolerance on {@code exp} and {@code nbf}; default 30s; at most 5m
 * @param claimsToHeaders claim name to the request header its value is sent upstream in; default none
 */
public record JwtAuthConfig(List<String> algorithms, String secret, String publicKey, String jwksUri, String issuer,
                            String audience, Duration clockSkew, Map<String, String> claimsToHeaders)
        implements PluginConfig {
    public static final String NAME = "jwt-auth";
    /** HMAC algorithm to its minimum secret length in bytes: the hash output size (RFC 7518 §3.2). */
    static final Map<String, Integer> HMAC = Map.of("HS256", 32, "HS384", 48, "HS512", 64);
    static final Set<String> PUBLIC_KEY = Set.of("RS256", "ES256");
    static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(5);
    private static final String SUPPORTED = "HS256, HS384, HS512, RS256 or ES256";

    public JwtAuthConfig {
        algorithms = PluginConfigs.copy(algorithms, List.of("RS256"));
        clockSkew = clockSkew == null ? Duration.ofSeconds(30) : clockSkew;
        claimsToHeaders = PluginConfigs.orderedCopy(claimsToHeaders);
    }

    public static JwtAuthConfig from(JsonNode config) {
        return PluginConfigs.read(config, JwtAuthConfig.class);
    }

    @Override
    public void check(ConfigProblems problems) {
        Map<String, Integer> hmac = new TreeMap<>(); // the listed HMAC algorithms, with their minimum secret length
        List<String> publicKeyAlgorithms = algorithms.stream().filter(PUBLIC_KEY::contains).distinct().sorted().toList();
        if (algorithms.isEmpty()) {
            problems.add("algorithms", "at least one algorithm: " + SUPPORTED);
        }
        for (int i = 0; i < algorithms.size(); i++) {
            String alg = algorithms.get(i);
            String upper = alg.toUpperCase(Locale.ROOT);
            String at = "algorithms[" + i + "]";
            if (upper.equals("NONE")) {
                problems.add(at, "\"none\" is never accepted: an unsigned token proves nothing");
            } else if (!HMAC.containsKey(upper) && !PUBLIC_KEY.contains(upper)) {
                problems.add(at, "unsupported algorithm \"" + alg + "\": expected " + SUPPORTED);
            } else if (!upper.equals(alg)) {
                problems.add(at, "algorithm names are upper-case: write " + upper + ", not " + alg);
            } else if (HMAC.containsKey(alg)) {
                hmac.put(alg, HMAC.get(alg));
            }
        }
        if (!hmac.isEmpty() && !publicKeyAlgorithms.isEmpty()) {
            problems.add("algorithms", "mixes HMAC " + hmac.keySet() + " and public-key " + publicKeyAlgorithms
                    + " algorithms, which opens the door to algorithm confusion: use one kind per config");
            return;
        }
        if (!hmac.isEmpty()) {
            hmacKeys(problems, hmac);
        }
        if (!publicKeyAlgorithms.isEmpty()) {
            publicKeys(problems, publicKeyAlgorithms);
        }
        problems.atMost("clock_skew", clockSkew, MAX_CLOCK_SKEW);
        if (issuer != null) {
            problems.required("issuer", issuer);
        }
        if (audience != null) {
            problems.required("audience", audience);
        }
        claimsToHeaders.forEach((claim, header) -> {
            String at = "claims_to_headers." + claim;
            if (claim.isBlank()) {
                problems.add(at, "a claim name is not blank");
            }
            HttpSyntax.writableHeaderName(problems, at, header);
        });
    }

    private void hmacKeys(ConfigProblems problems, Map<String, Integer> hmac) {
        String listed = String.join(", ", hmac.keySet());
        if (problems.required("secret", secret)) {
            int bytes = secret.getBytes(StandardCharsets.UTF_8).length;
            Map.Entry<String, Integer> strictest = hmac.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow();
            if (bytes < strictest.getValue()) {
                problems.add("secret", "too short for " + strictest.getKey() + ": at least " + strictest.getValue()
                        + " bytes, got " + bytes);
            }
        }
        if (publicKey != null) {
            problems.add("public_key", "not used by " + listed + " (HMAC uses secret); remove it");
        }
        if (jwksUri != null) {
            problems.add("jwks_uri", "not used by " + listed + " (HMAC uses secret); remove it");
        }
    }

    private void publicKeys(ConfigProblems problems, List<String> listed) {
        String names = String.join(", ", listed);
        if (secret != null) {
            problems.add("secret", "not used by " + names + " (only HS256, HS384, HS512 use a secret); remove it");
        }
        if (publicKey == null && jwksUri == null) {
            problems.add("", names + " needs public_key (PEM) or jwks_uri");
        } else if (publicKey != null && jwksUri != null) {
            problems.add("", "set public_key or jwks_uri, not both");
        } else if (publicKey != null) {
            PublicKeyPem.check(problems, "public_key", publicKey, listed);
        } else {
            HttpSyntax.serviceUrl(problems, "jwks_uri", jwksUri);
        }
    }

    /** Listed in {@code META-INF/services/stargate.model.validate.PluginSchema}. */
    public static final class Schema extends RecordPluginSchema<JwtAuthConfig> {
        public Schema() {
            super(NAME, JwtAuthConfig.class);
        }

        @Override
        public java.util.Set<String> secretFields() {
            return java.util.Set.of("secret");
        }
    }
}
