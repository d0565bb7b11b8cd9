package stargate.model.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import stargate.model.GatewayConfig;
import stargate.model.codec.ConfigCodec;
import stargate.model.validate.ConfigValidator;
import stargate.model.validate.PluginCatalog;
import stargate.model.validate.Validated;

/** Configs that use the plugins the way operators will pass as they are. */
class ValidPluginConfigTest {
    private static final ConfigValidator VALIDATOR = ConfigValidator.create();

    static final String EVERY_PLUGIN = """
            upstreams:
              - {id: u, targets: [{url: "http://127.0.0.1:9001"}]}
              - {id: canary, targets: [{url: "http://127.0.0.1:9002"}]}
            routes:
              - id: api
                paths: ["/api/*"]
                upstream: u
                plugins:
                  key-auth: {header: x-api-key, query: api_key, hide_credentials: false}
                  ip-restriction: {allow: [10.0.0.0/8, "192.168.1.7", "2001:db8::/32", "::1"], deny: [10.6.6.0/24, "0.0.0.0/0"]}
                  rate-limit: {rate: 100, per: 1s, burst: 50, key: consumer}
                  request-size-limit: {max_body_size: 10MiB}
                  request-transformer:
                    headers: {add: {X-Gateway: stargate}, set: {Host: internal.example.com}, remove: [Cookie, Connection]}
                    path: "/v2/{rest}"
                  response-transformer: {headers: {remove: [Server], set: {X-Frame-Options: DENY}}}
                  traffic-split: {upstream: canary, weight: 5}
                  proxy-cache: {ttl: 5m, max_entries: 500, max_body_size: 256KiB, max_memory: 16MiB}
              - id: jwt-hs
                paths: [/hs]
                upstream: u
                plugins:
                  jwt-auth: {algorithms: [HS256, HS384], secret: "0123456789abcdef0123456789abcdef0123456789abcdef",
                             issuer: "https://idp.example.com", audience: api, clock_skew: 1m, claims_to_headers: {sub: X-User}}
                  traffic-split: {upstream: canary, match: {headers: {x-canary: "true"}}}
              - id: jwt-rs
                paths: [/rs]
                upstream: u
                plugins:
                  jwt-auth: {algorithms: [RS256, ES256], jwks_uri: "http://127.0.0.1:8080/jwks"}
                  basic-auth: {}
              - id: introspect
                paths: [/oauth]
                upstream: u
                plugins:
                  oauth2-introspection: {endpoint: "https://idp.example.com/introspect", client_id: gw, client_secret: s3cret, cache_ttl: 0s}
            consumers:
              - {id: alice, key_auth: {key: alice-key-0001}, plugins: {rate-limit: {rate: 1000, per: 1m, key: "header:x-user"}}}
            global_plugins:
              request-id: {header: X-Correlation-Id}
              cors: {allow_origins: ["https://app.example.com", "http://localhost:3000", "http://[::1]:8080"],
                     allow_methods: [GET, POST], allow_headers: [Authorization, Content-Type], expose_headers: [X-Request-Id],
                     allow_credentials: true, max_age: 1h}
            """;

    @Test
    void aConfigUsingEveryPluginIsValid() {
        Validated<GatewayConfig> result = VALIDATOR.check(EVERY_PLUGIN, ConfigCodec.Format.YAML);
        assertTrue(result.isValid(), result.errors()::toString);
        Set<String> used = new TreeSet<>(result.value().globalPlugins().keySet());
        result.value().routes().forEach(r -> used.addAll(r.plugins().keySet()));
        assertEquals(PluginCatalog.load().names(), used, "every built-in plugin is in the config");
    }

    @Test
    void publicKeysMatchingTheirAlgorithmsAreAccepted() throws Exception {
        assertEquals(List.of(), jwtErrors("RS256", pem("RSA", 2048)));
        assertEquals(List.of(), jwtErrors("ES256", ecPem("secp256r1")));
        assertEquals(List.of(), jwtErrors("RS256", "\n  " + pem("RSA", 2048).replace("\n", "\r\n") + "\n"), "CRLF and indentation are fine");
    }

    @Test
    void publicKeysThatCannotVerifyTheirAlgorithmsAreRefused() throws Exception {
        String at = "routes[0].plugins.jwt-auth.public_key: ";
        assertEquals(List.of(at + "is an EC key, but RS256 needs an RSA key"), jwtErrors("RS256", ecPem("secp256r1")));
        assertEquals(List.of(at + "is an RSA key, but ES256 needs an EC P-256 key"), jwtErrors("ES256", pem("RSA", 2048)));
        assertEquals(List.of(at + "ES256 needs a key on curve P-256"), jwtErrors("ES256", ecPem("secp384r1")));
        assertEquals(List.of(at + "an RSA key of 1024 bits is too weak: at least 2048"), jwtErrors("RS256", pem("RSA", 1024)));
        assertEquals(List.of(at + "the PEM body is not an RSA or EC public key"),
                jwtErrors("RS256", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"));
        assertEquals(List.of(at + "expected a public key, not a certificate; extract it with: openssl x509 -pubkey -noout"),
                jwtErrors("RS256", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"));
        assertEquals(List.of(at + "expected a SubjectPublicKeyInfo key (-----BEGIN PUBLIC KEY-----); convert this PKCS#1 key with:"
                + " openssl rsa -RSAPublicKey_in -pubout"), jwtErrors("RS256", "-----BEGIN RSA PUBLIC KEY-----\nAAAA\n-----END RSA PUBLIC KEY-----"));
    }

    private static List<String> jwtErrors(String algorithm, String pem) {
        String yaml = """
                upstreams: [{id: u, targets: [{url: "http://127.0.0.1:9001"}]}]
                routes: [{id: r, paths: [/a], upstream: u, plugins: {jwt-auth: {algorithms: [%s], public_key: %s}}}]
                """.formatted(algorithm, com.fasterxml.jackson.databind.node.TextNode.valueOf(pem));
        return InvalidPluginConfigTest.errors(yaml);
    }

    private static String pem(String type, int bits) throws NoSuchAlgorithmException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance(type);
        generator.initialize(bits);
        return pem(generator.generateKeyPair().getPublic().getEncoded());
    }

    private static String ecPem(String curve) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec(curve));
        return pem(generator.generateKeyPair().getPublic().getEncoded());
    }

    private static String pem(byte[] der) {
        return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END PUBLIC KEY-----\n";
    }
}
