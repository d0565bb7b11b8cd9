package stargate.node.ocsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import stargate.node.OcspTestResponder;

/**
 * The checks an OCSP answer passes before it is stapled, on answers made by openssl's responder, and
 * the fetch schedule. The fetches themselves, against a live responder, are in TlsOcspStaplingTest.
 */
class OcspResponderTest {
    @TempDir
    static Path dir;
    private static OcspTestResponder pki;
    private static X509Certificate[] good;
    private static X509Certificate[] revoked;

    @BeforeAll
    static void pki() throws Exception {
        pki = OcspTestResponder.start(dir);
        good = chain(pki.leaf("good", "2001", false)[0]);
        revoked = chain(pki.leaf("revoked", "2002", true)[0]);
    }

    @AfterAll
    static void stop() {
        pki.close();
    }

    @Test
    void goodAndRevokedAnswersAboutThisCertificatePass() throws Exception {
        OcspResponder responder = new OcspResponder(good, null);
        Instant now = Instant.now();
        OcspResponder.Answer answer = responder.check(pki.answerFor("good", false), now);
        assertFalse(answer.revoked());
        assertTrue(answer.validUntil().isAfter(now.plus(Duration.ofMinutes(4))), answer.validUntil().toString());
        assertTrue(new OcspResponder(revoked, null).check(pki.answerFor("revoked", false), now).revoked());
        assertFalse(responder.check(pki.answerFor("good", true), now).revoked(), "signed by the issuer itself");
    }

    @Test
    void answersThatDoNotFitAreRefused() throws Exception {
        OcspResponder responder = new OcspResponder(good, null);
        byte[] answer = pki.answerFor("good", false);
        Instant now = Instant.now();
        assertRefused("no status for this certificate", () -> responder.check(pki.answerFor("revoked", false), now));
        assertRefused("is past", () -> responder.check(answer, now.plus(Duration.ofMinutes(10))));
        // signed by the CA: the delegated responder's certificate, made a moment ago, was not valid then
        assertRefused("is in the future", () -> responder.check(pki.answerFor("good", true), now.minus(Duration.ofMinutes(10))));
        assertRefused("not a basic OCSP response", () -> responder.check(new byte[] {0x30, 0x03, 0x0a, 0x01, 0x00}, now));
        assertRefused("not an OCSP response", () -> responder.check(new byte[0], now));
        // "unauthorized" (6), as a responder that knows nothing of the certificate says
        assertRefused("responder status 6", () -> responder.check(new byte[] {0x30, 0x03, 0x0a, 0x01, 0x06}, now));
    }

    @Test
    void chainsThatCannotBeStapledAreNamed() {
        assertEquals(null, OcspStaples.problem(good));
        assertTrue(OcspStaples.problem(new X509Certificate[] {good[0]}).contains("must carry the certificate's issuer"));
        assertTrue(OcspStaples.problem(new X509Certificate[] {good[0], revoked[0]}).contains("issuer"));
    }

    @Test
    void refreshesAtHalfTheValidityWithinBoundsAndBacksOffOnFailure() {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        OcspResponder.Answer tenMinutes = new OcspResponder.Answer(new byte[0], false, now, now.plus(Duration.ofMinutes(10)));
        assertEquals(Duration.ofMinutes(5), OcspStaples.refreshAfter(tenMinutes, now, 0));
        assertEquals(Duration.ofMinutes(4), OcspStaples.refreshAfter(tenMinutes, now, 1));
        OcspResponder.Answer week = new OcspResponder.Answer(new byte[0], false, now, now.plus(Duration.ofDays(7)));
        assertEquals(OcspStaples.MAX_REFRESH, OcspStaples.refreshAfter(week, now, 0));
        OcspResponder.Answer almostOver = new OcspResponder.Answer(new byte[0], false, now, now.plusSeconds(4));
        assertEquals(OcspStaples.MIN_REFRESH, OcspStaples.refreshAfter(almostOver, now, 0.5));
        assertEquals(Duration.ofSeconds(1), OcspStaples.retryAfter(1, 0));
        assertEquals(Duration.ofSeconds(8), OcspStaples.retryAfter(4, 0));
        assertEquals(OcspStaples.MAX_RETRY, OcspStaples.retryAfter(30, 0));
        assertEquals(Duration.ofMinutes(4), OcspStaples.retryAfter(1_000, 1));
    }

    @Test
    void aStapleIsServedOnlyWhileValid() {
        OcspStaples.Staple staple = new OcspStaples.Staple();
        assertEquals(null, staple.current(0));
        Instant until = Instant.parse("2026-01-01T00:00:00Z");
        byte[] der = {1, 2, 3};
        staple.keep(new OcspResponder.Answer(der, false, until.minusSeconds(60), until));
        assertEquals(der, staple.current(until.toEpochMilli() - 1));
        assertEquals(null, staple.current(until.toEpochMilli()));
    }

    private interface Check {
        void run() throws Exception;
    }

    private static void assertRefused(String reason, Check check) {
        OcspResponder.Failure failure = assertThrows(OcspResponder.Failure.class, check::run);
        assertTrue(failure.getMessage().contains(reason), failure.getMessage());
    }

    private static X509Certificate[] chain(Path pem) throws Exception {
        try (InputStream in = Files.newInputStream(pem)) {
            return CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
                    .map(X509Certificate.class::cast).toArray(X509Certificate[]::new);
        }
    }
}
