package stargate.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import stargate.model.codec.ConfigCodec;
import stargate.model.validate.ConfigError;
import stargate.model.validate.ConfigValidator;
import stargate.model.validate.Validated;

/**
 * {@code ocsp_stapling} on a certificate: off unless set, a boolean and nothing else; an inline chain
 * to staple must carry its issuer and name a responder (certificates made by keytool at test time).
 */
class CertificateOcspStaplingTest {
    private static final ConfigValidator VALIDATOR = ConfigValidator.create();
    private static String ca;
    private static String withResponder;
    private static String withoutResponder;

    @BeforeAll
    static void certificates(@TempDir Path dir) throws Exception {
        keytool(dir, "-genkeypair", "-alias", "ca", "-dname", "CN=Test CA", "-keyalg", "EC", "-groupname", "secp256r1",
                "-ext", "BC:c=ca:true");
        ca = keytool(dir, "-exportcert", "-alias", "ca", "-rfc");
        keytool(dir, "-genkeypair", "-alias", "leaf", "-dname", "CN=a.test.invalid", "-keyalg", "EC", "-groupname", "secp256r1");
        String request = keytool(dir, "-certreq", "-alias", "leaf");
        withResponder = keytool(dir, request, "-gencert", "-alias", "ca", "-rfc", "-ext", "AIA=ocsp:uri:http://127.0.0.1:9/");
        withoutResponder = keytool(dir, request, "-gencert", "-alias", "ca", "-rfc");
    }

    private static String inline(String chain) {
        return """
                certificates:
                  - id: c
                    snis: [a.test.invalid]
                    cert: "%s"
                    key_file: /a.key
                    ocsp_stapling: true
                """.formatted(chain.replace("\r", "").replace("\n", "\\n"));
    }

    private static List<String> errors(String yaml) {
        return VALIDATOR.check(yaml, ConfigCodec.Format.YAML).errors().stream().map(ConfigError::toString).toList();
    }

    @Test
    void anInlineChainToStapleCarriesItsIssuerAndNamesAResponder() {
        assertEquals(List.of(), errors(inline(withResponder + ca)));
        assertEquals(List.of("certificates[0].ocsp_stapling: the chain must carry the certificate's issuer right after it "
                + "(append the intermediate's PEM to the certificate)"), errors(inline(withResponder)));
        assertEquals(List.of("certificates[0].ocsp_stapling: the certificate names no OCSP responder (Authority "
                + "Information Access, OCSP)"), errors(inline(withoutResponder + ca)));
    }

    /** Runs keytool on the test's keystore; {@code args[0]} may be a PEM request for its standard input. */
    private static String keytool(Path dir, String... args) throws Exception {
        String input = args[0].startsWith("-----BEGIN") ? args[0] : null;
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        command.addAll(List.of(args).subList(input == null ? 0 : 1, args.length));
        command.addAll(List.of("-keystore", dir.resolve("keys.p12").toString(), "-storepass", "test-only",
                "-storetype", "PKCS12"));
        Process keytool = new ProcessBuilder(command).start();
        try (var in = keytool.getOutputStream()) {
            if (input != null) {
                in.write(input.getBytes(StandardCharsets.US_ASCII));
            }
        }
        String out = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        String err = new String(keytool.getErrorStream().readAllBytes(), StandardCharsets.US_ASCII);
        if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
            throw new IllegalStateException("keytool " + String.join(" ", args) + " failed: " + out + err);
        }
        return out;
    }

    private static Validated<GatewayConfig> check(String stapling) {
        return VALIDATOR.check("""
                certificates:
                  - id: c
                    snis: [a.test.invalid]
                    cert_file: /a.pem
                    key_file: /a.key
                """ + (stapling == null ? "" : "    ocsp_stapling: " + stapling + "\n"), ConfigCodec.Format.YAML);
    }

    @Test
    void offUnlessSetAndOnWhenTrue() {
        assertFalse(check(null).orElseThrow().certificates().getFirst().ocspStapling());
        assertFalse(check("false").orElseThrow().certificates().getFirst().ocspStapling());
        assertTrue(check("true").orElseThrow().certificates().getFirst().ocspStapling());
    }

    @Test
    void anythingButABooleanIsRefused() {
        for (String bad : List.of("\"true\"", "1", "enabled", "{on: true}")) {
            List<String> errors = check(bad).errors().stream().map(ConfigError::toString).toList();
            assertEquals(1, errors.size(), bad + ": " + errors);
            assertTrue(errors.getFirst().startsWith("certificates[0].ocsp_stapling: expected true or false"), errors.toString());
        }
    }
}
