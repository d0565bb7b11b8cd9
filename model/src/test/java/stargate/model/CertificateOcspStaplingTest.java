package stargate.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import stargate.model.codec.ConfigCodec;
import stargate.model.validate.ConfigError;
import stargate.model.validate.ConfigValidator;
import stargate.model.validate.Validated;

/** {@code ocsp_stapling} on a certificate: off unless set, a boolean and nothing else. */
class CertificateOcspStaplingTest {
    private static final ConfigValidator VALIDATOR = ConfigValidator.create();

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
