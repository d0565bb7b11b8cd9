package stargate.model.validate;

import static stargate.model.validate.Findings.at;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;
import stargate.model.Certificate;
import stargate.model.CertificatePem;
import stargate.model.Consumer;
import stargate.model.secret.SecretHash;

/**
 * Checks consumers' credentials and certificates. Besides each object's own shape, a credential
 * must identify one consumer only (an API key or a basic-auth user name used twice would make
 * authentication ambiguous), and an SNI name must select one certificate only. One instance
 * checks one config: it remembers what earlier objects claimed.
 */
final class CredentialChecks {
    static final int MIN_KEY_LENGTH = 8;

    private final Findings f;
    private final Predicate<String> upstreamDeclared;
    private final PluginCatalog plugins;
    /** Credential or SNI name to the path of the object that claimed it first. */
    private final Map<String, String> apiKeys = new HashMap<>();
    private final Map<String, String> userNames = new HashMap<>();
    private final Map<String, String> snis = new HashMap<>();

    CredentialChecks(Findings f, Predicate<String> upstreamDeclared, PluginCatalog plugins) {
        this.f = f;
        this.upstreamDeclared = upstreamDeclared;
        this.plugins = plugins;
    }

    void consumer(Consumer consumer, String path) {
        if (consumer.keyAuth() != null) {
            String key = consumer.keyAuth().key();
            String at = at(path, "key_auth.key");
            if (f.required(at, key)) {
                if (key.length() < MIN_KEY_LENGTH) {
                    f.add(at, "must be at least " + MIN_KEY_LENGTH + " characters");
                }
                claim(apiKeys, key, path, at, "already used by ");
            }
        }
        if (consumer.basicAuth() != null) {
            String user = consumer.basicAuth().username();
            String at = at(path, "basic_auth.username");
            if (f.required(at, user)) {
                if (user.contains(":")) {
                    f.add(at, "must not contain \":\"");
                }
                claim(userNames, user, path, at, "already used by ");
            }
            String password = consumer.basicAuth().password();
            if (f.required(at(path, "basic_auth.password"), password) && SecretHash.isHashedPassword(password)) {
                hashedPassword(password, at(path, "basic_auth.password"));
            }
        }
        if (consumer.jwt() != null) {
            f.required(at(path, "jwt.issuer"), consumer.jwt().issuer());
        }
        plugins.validate(consumer.plugins(), at(path, "plugins"), f.errors());
        ConfigValidator.upstreamReferences(consumer.plugins(), at(path, "plugins"), upstreamDeclared, f);
    }

    void certificate(Certificate cert, String path) {
        if (cert.snis().isEmpty()) {
            f.add(at(path, "snis"), "a certificate needs at least one SNI name");
        }
        for (int i = 0; i < cert.snis().size(); i++) {
            String at = at(at(path, "snis"), i);
            int before = f.count();
            Syntax.host(f, at, cert.snis().get(i));
            if (f.count() == before) {
                claim(snis, cert.snis().get(i), path, at, "\"" + cert.snis().get(i) + "\" is already served by ");
            }
        }
        if (exactlyOne(cert.cert(), cert.certFile(), path, "cert") && cert.cert() != null
                && !cert.cert().contains("-----BEGIN CERTIFICATE-----")) {
            f.add(at(path, "cert"), "expected a PEM certificate (-----BEGIN CERTIFICATE-----)");
        }
        if (exactlyOne(cert.key(), cert.keyFile(), path, "key") && cert.key() != null) {
            privateKey(cert.key(), at(path, "key"));
        }
        if (cert.hasEcdsaPair()) {
            ecdsaPair(cert, path);
        }
        if (cert.ocspStapling()) {
            ocspStapling(cert, path);
        }
    }

    /**
     * A stapled chain (the ECDSA pair's when there is one: the only provider that staples serves it to
     * every client) given inline must carry its issuer and name a responder; files are checked by the node.
     */
    private void ocspStapling(Certificate cert, String path) {
        boolean ecdsa = cert.hasEcdsaPair();
        String chain = ecdsa ? cert.ecdsaCert() : cert.cert();
        String problem = chain == null ? null : CertificatePem.staplingProblem(chain);
        if (problem != null) {
            f.add(at(path, "ocsp_stapling"), problem + (ecdsa ? " (in ecdsa_cert, the chain that is stapled)" : ""));
        }
    }

    /**
     * The optional ECDSA pair: both halves, and when both are inline, P-256, the key of the
     * certificate, covering every SNI name (files are checked by the node when it reads them).
     */
    private void ecdsaPair(Certificate cert, String path) {
        int before = f.count();
        boolean certSet = exactlyOne(cert.ecdsaCert(), cert.ecdsaCertFile(), path, "ecdsa_cert");
        if (certSet && cert.ecdsaCert() != null && !cert.ecdsaCert().contains("-----BEGIN CERTIFICATE-----")) {
            f.add(at(path, "ecdsa_cert"), "expected a PEM certificate (-----BEGIN CERTIFICATE-----)");
        }
        if (exactlyOne(cert.ecdsaKey(), cert.ecdsaKeyFile(), path, "ecdsa_key") && cert.ecdsaKey() != null) {
            privateKey(cert.ecdsaKey(), at(path, "ecdsa_key"));
        }
        if (f.count() == before && cert.ecdsaCert() != null && cert.ecdsaKey() != null) {
            for (String problem : CertificatePem.ecdsaProblems(cert.ecdsaCert(), cert.ecdsaKey(), cert.snis())) {
                int colon = problem.indexOf(": ");
                f.add(at(path, problem.substring(0, colon)), problem.substring(colon + 2));
            }
        }
    }

    /** A password in the stored form must be a usable hash: a malformed one would match nothing, silently. */
    private void hashedPassword(String stored, String path) {
        try {
            SecretHash.parsePassword(stored);
        } catch (IllegalArgumentException e) {
            f.add(path, e.getMessage());
        }
    }

    /** The node reads PKCS#8 keys; a PKCS#1 or SEC1 key gets the one command that converts it. */
    private void privateKey(String pem, String path) {
        if (pem.contains("-----BEGIN RSA PRIVATE KEY-----") || pem.contains("-----BEGIN EC PRIVATE KEY-----")) {
            f.add(path, "expected a PKCS#8 key (-----BEGIN PRIVATE KEY-----); convert it with: openssl pkcs8 -topk8 -nocrypt");
        } else if (!pem.contains("-----BEGIN PRIVATE KEY-----")) {
            f.add(path, "expected a PEM private key (-----BEGIN PRIVATE KEY-----)");
        }
    }

    /** @return whether exactly one of the inline value and the file is set (else adds an error) */
    private boolean exactlyOne(String inline, String file, String path, String key) {
        if (inline == null && file == null) {
            f.add(at(path, key), "required (or " + key + "_file)");
            return false;
        }
        if (inline != null && file != null) {
            f.add(path, "set " + key + " or " + key + "_file, not both");
            return false;
        }
        return true;
    }

    private void claim(Map<String, String> claims, String value, String owner, String at, String message) {
        String first = claims.putIfAbsent(value, owner);
        if (first != null && !first.equals(owner)) {
            f.add(at, message + first);
        }
    }
}
