package stargate.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import stargate.model.codec.ConfigCodec;
import stargate.model.validate.ConfigError;
import stargate.model.validate.ConfigValidator;

/**
 * The optional ECDSA pair of a certificate: validation of inline PEM (P-256, key of the
 * certificate, SNI names covered), with pairs made by keytool at test time.
 */
class CertificateEcdsaPairTest {
    private static final ConfigValidator VALIDATOR = ConfigValidator.create();
    private static String[] ecA;      // P-256, names a.test.invalid, *.a.test.invalid
    private static String[] ecOther;  // P-256, same names, another key
    private static String[] ec384;    // P-384
    private static String[] rsa;

    @BeforeAll
    static void keys(@TempDir Path dir) throws Exception {
        ecA = pair(dir, "eca", "-keyalg", "EC", "-groupname", "secp256r1");
        ecOther = pair(dir, "ecother", "-keyalg", "EC", "-groupname", "secp256r1");
        ec384 = pair(dir, "ec384", "-keyalg", "EC", "-groupname", "secp384r1");
        rsa = pair(dir, "rsa", "-keyalg", "RSA", "-keysize", "2048");
    }

    private static List<String> errors(String snis, String ecdsaCert, String ecdsaKey) {
        String json = """
                {"certificates": [{"id": "c", "snis": %s, "cert_file": "/rsa.pem", "key_file": "/rsa.key",
                  "ecdsa_cert": %s, "ecdsa_key": %s}]}
                """.formatted(snis, quote(ecdsaCert), quote(ecdsaKey));
        return VALIDATOR.check(json, ConfigCodec.Format.JSON).errors().stream().map(ConfigError::toString).toList();
    }

    @Test
    void aMatchingP256PairCoveringTheNamesIsValid() {
        assertEquals(List.of(), errors("[\"a.test.invalid\", \"x.a.test.invalid\", \"*.a.test.invalid\"]", ecA[0], ecA[1]));
    }

    @Test
    void theKeyMustBelongToTheCertificate() {
        assertEquals(List.of("certificates[0].ecdsa_key: does not belong to ecdsa_cert"),
                errors("[\"a.test.invalid\"]", ecA[0], ecOther[1]));
    }

    @Test
    void theCurveMustBeP256() {
        assertEquals(List.of("certificates[0].ecdsa_cert: the certificate's key must be ECDSA on P-256 (secp256r1), found EC"),
                errors("[\"a.test.invalid\"]", ec384[0], ec384[1]));
        assertEquals(List.of("certificates[0].ecdsa_cert: the certificate's key must be ECDSA on P-256 (secp256r1), found RSA"),
                errors("[\"a.test.invalid\"]", rsa[0], rsa[1]));
    }

    @Test
    void everySniNameMustBeCovered() {
        assertEquals(List.of("certificates[0].ecdsa_cert: does not cover SNI name \"b.test.invalid\" "
                        + "(its names: [a.test.invalid, *.a.test.invalid])"),
                errors("[\"a.test.invalid\", \"b.test.invalid\"]", ecA[0], ecA[1]));
    }

    @Test
    void bothHalvesAreRequiredAndOnlyOnceEach() {
        String json = """
                {"certificates": [{"id": "c", "snis": ["a.test.invalid"], "cert_file": "/r", "key_file": "/r",
                  "ecdsa_cert_file": "/e.pem"},
                  {"id": "d", "snis": ["d.test.invalid"], "cert_file": "/r", "key_file": "/r",
                  "ecdsa_cert_file": "/e.pem", "ecdsa_cert": %s, "ecdsa_key_file": "/e.key"}]}
                """.formatted(quote(ecA[0]));
        assertEquals(List.of("certificates[0].ecdsa_key: required (or ecdsa_key_file)",
                        "certificates[1]: set ecdsa_cert or ecdsa_cert_file, not both"),
                VALIDATOR.check(json, ConfigCodec.Format.JSON).errors().stream().map(ConfigError::toString).toList());
    }

    private static String quote(String text) {
        return "\"" + text.replace("\n", "\\n") + "\"";
    }

    /** {certificate PEM, PKCS#8 key PEM} for names a.test.invalid and *.a.test.invalid. */
    private static String[] pair(Path dir, String name, String... keyOptions) throws Exception {
        Path store = dir.resolve(name + ".p12");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", "test-only",
                "-alias", name, "-dname", "CN=a.test.invalid", "-validity", "2",
                "-ext", "SAN=dns:a.test.invalid,dns:*.a.test.invalid"));
        command.addAll(List.of(keyOptions));
        Process keytool = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
            throw new IllegalStateException("keytool: " + out);
        }
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keys.load(in, "test-only".toCharArray());
        }
        Key key = keys.getKey(name, "test-only".toCharArray());
        return new String[] {pem("CERTIFICATE", keys.getCertificate(name).getEncoded()), pem("PRIVATE KEY", key.getEncoded())};
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
