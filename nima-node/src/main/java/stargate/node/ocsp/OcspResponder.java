package stargate.node.ocsp;

import java.io.IOException;
import java.math.BigInteger;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Locale;
import org.bouncycastle.asn1.ASN1IA5String;
import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.CertException;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPException;
import org.bouncycastle.cert.ocsp.OCSPReqBuilder;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.SingleResp;
import org.bouncycastle.operator.ContentVerifierProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import stargate.node.plugin.BoundedHttp;

/**
 * Asks one certificate's OCSP responder for its status and checks the answer before it may be stapled:
 * a successful response, signed by the issuer or by a responder the issuer delegated to (its
 * certificate issued by the issuer, for OCSP signing, valid now), about this very certificate
 * (issuer name and key hashes and serial), fresh (thisUpdate not in the future, nextUpdate not
 * past), and good or revoked. Everything else is a {@link Failure} with a short reason.
 *
 * <p>The responder URL comes from a certificate, so it is treated as untrusted input: only http and
 * https, no redirects, a deadline on the whole exchange (connect, headers and body), and a bound on the
 * answer's size (a real response is 1-4 KiB).
 */
final class OcspResponder {
    /** The whole exchange, connect to last byte: a hung responder costs a fetch thread this long, never a handshake. */
    static final Duration DEADLINE = Duration.ofSeconds(10);
    /** A larger answer is refused unread: responses carry one status and a certificate or two. */
    static final int MAX_RESPONSE_BYTES = 64 * 1024;
    /** How far in the future a thisUpdate may be: clocks of node and responder disagree a little. */
    private static final Duration CLOCK_SKEW = Duration.ofMinutes(5);
    /** How long an answer without nextUpdate ("newer information is always available") is served. */
    static final Duration NO_NEXT_UPDATE_LIFETIME = Duration.ofHours(1);

    private final URI url;
    private final X509Certificate leaf;
    private final X509Certificate issuer;
    private final CertificateID id;
    private final byte[] request;
    private final HttpClient client;

    /**
     * @param chain the served chain: the leaf, then its issuer
     * @throws IllegalArgumentException when the chain has no issuer or the leaf no usable responder URL
     */
    OcspResponder(X509Certificate[] chain, HttpClient client) {
        this.url = responderUrl(chain[0]);
        this.leaf = chain[0];
        this.issuer = issuer(chain);
        this.client = client;
        try {
            id = new CertificateID(new JcaDigestCalculatorProviderBuilder().build().get(CertificateID.HASH_SHA1),
                    new JcaX509CertificateHolder(issuer), leaf.getSerialNumber());
            // no nonce, as nginx: responders (and the CDNs in front of them) answer from a cache
            request = new OCSPReqBuilder().addRequest(id).build().getEncoded();
        } catch (OperatorCreationException | OCSPException | GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build an OCSP request", e);
        }
    }

    /** A client for {@link #fetch}: no redirects, no proxy from the environment. */
    static HttpClient newClient() {
        return HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .proxy(HttpClient.Builder.NO_PROXY)
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(DEADLINE)
                .build();
    }

    URI url() {
        return url;
    }

    /** Why this chain cannot be stapled, or null when it can. */
    static String problem(X509Certificate[] chain) {
        try {
            responderUrl(chain[0]);
            issuer(chain);
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    /** A checked OCSP answer, as the responder sent it (what is stapled). */
    record Answer(byte[] der, boolean revoked, Instant thisUpdate, Instant validUntil) {
    }

    /** A fetch that gave nothing to staple. */
    static final class Failure extends Exception {
        Failure(String reason) {
            super(reason, null, false, false);
        }
    }

    /** One exchange with the responder, then the checks; blocks up to {@link #DEADLINE}. */
    Answer fetch(Instant now) throws Failure, InterruptedException {
        return check(download(), now);
    }

    private byte[] download() throws Failure, InterruptedException {
        HttpRequest post = HttpRequest.newBuilder(url)
                .timeout(DEADLINE)
                .header("Content-Type", "application/ocsp-request")
                .header("Accept", "application/ocsp-response")
                .POST(HttpRequest.BodyPublishers.ofByteArray(request))
                .build();
        try {
            // the whole exchange, body included: a responder dripping its body is cut at the deadline
            HttpResponse<byte[]> response = BoundedHttp.send(client, post, MAX_RESPONSE_BYTES, DEADLINE);
            if (response.statusCode() != 200) {
                throw new Failure("HTTP " + response.statusCode());
            }
            return response.body();
        } catch (ConnectException e) {
            throw new Failure("cannot connect");
        } catch (HttpTimeoutException e) {
            throw new Failure("no answer within " + DEADLINE.toSeconds() + " s");
        } catch (IOException e) {
            throw new Failure(e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        }
    }

    Answer check(byte[] der, Instant now) throws Failure {
        BasicOCSPResp basic;
        try {
            OCSPResp response = new OCSPResp(der);
            if (response.getStatus() != OCSPResp.SUCCESSFUL) {
                throw new Failure("responder status " + response.getStatus() + " (not successful)");
            }
            if (!(response.getResponseObject() instanceof BasicOCSPResp b)) {
                throw new Failure("not a basic OCSP response");
            }
            basic = b;
        } catch (IOException | OCSPException | RuntimeException e) {
            throw new Failure("not an OCSP response (" + e.getClass().getSimpleName() + ")");
        }
        checkSigner(basic, now);
        SingleResp single = null;
        for (SingleResp candidate : basic.getResponses()) {
            if (candidate.getCertID().equals(id)) {
                single = candidate;
            }
        }
        if (single == null) {
            throw new Failure("no status for this certificate (serial " + hex(leaf.getSerialNumber()) + ")");
        }
        Object status = single.getCertStatus();
        if (status != CertificateStatus.GOOD && !(status instanceof RevokedStatus)) {
            throw new Failure("status unknown");
        }
        Instant thisUpdate = single.getThisUpdate().toInstant();
        if (thisUpdate.isAfter(now.plus(CLOCK_SKEW))) {
            throw new Failure("thisUpdate " + thisUpdate + " is in the future");
        }
        Date next = single.getNextUpdate();
        Instant validUntil = next != null ? next.toInstant() : thisUpdate.plus(NO_NEXT_UPDATE_LIFETIME);
        if (!validUntil.isAfter(now)) {
            throw new Failure((next != null ? "nextUpdate " : "thisUpdate " + thisUpdate + " without nextUpdate, valid until ")
                    + validUntil + " is past");
        }
        return new Answer(der, status instanceof RevokedStatus, thisUpdate, validUntil);
    }

    /** Signed by the issuer itself, or by a certificate in the response that the issuer made for OCSP signing. */
    private void checkSigner(BasicOCSPResp basic, Instant now) throws Failure {
        try {
            X509CertificateHolder issuerHolder = new JcaX509CertificateHolder(issuer);
            if (basic.isSignatureValid(verifier(issuerHolder))) {
                return;
            }
            for (X509CertificateHolder delegate : basic.getCerts()) {
                if (delegate.getIssuer().equals(issuerHolder.getSubject())
                        && delegate.isSignatureValid(verifier(issuerHolder))
                        && delegate.isValidOn(Date.from(now))
                        && ocspSigning(delegate)
                        && basic.isSignatureValid(verifier(delegate))) {
                    return;
                }
            }
        } catch (GeneralSecurityException | OperatorCreationException | OCSPException
                 | CertException | RuntimeException e) {
            throw new Failure("signature cannot be checked (" + e.getClass().getSimpleName() + ")");
        }
        throw new Failure("not signed by the issuer or a responder it delegated to");
    }

    private static boolean ocspSigning(X509CertificateHolder delegate) {
        ExtendedKeyUsage usage = ExtendedKeyUsage.fromExtensions(delegate.getExtensions());
        return usage != null && usage.hasKeyPurposeId(KeyPurposeId.id_kp_OCSPSigning);
    }

    private static ContentVerifierProvider verifier(X509CertificateHolder signer)
            throws OperatorCreationException, GeneralSecurityException {
        return new JcaContentVerifierProviderBuilder().build(signer);
    }

    /** The first http(s) OCSP URL of the leaf's Authority Information Access extension. */
    private static URI responderUrl(X509Certificate leaf) {
        AuthorityInformationAccess aia;
        try {
            Extension extension = new JcaX509CertificateHolder(leaf).getExtension(Extension.authorityInfoAccess);
            aia = extension == null ? null : AuthorityInformationAccess.getInstance(extension.getParsedValue());
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("ocsp_stapling: the certificate's Authority Information Access "
                    + "extension cannot be read");
        }
        String refused = null;
        for (AccessDescription access : aia == null ? new AccessDescription[0] : aia.getAccessDescriptions()) {
            GeneralName location = access.getAccessLocation();
            if (!access.getAccessMethod().equals(AccessDescription.id_ad_ocsp)
                    || location.getTagNo() != GeneralName.uniformResourceIdentifier) {
                continue;
            }
            String text = ASN1IA5String.getInstance(location.getName()).getString();
            try {
                URI uri = new URI(text);
                String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
                if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null
                        && uri.getRawUserInfo() == null) {
                    return uri;
                }
            } catch (java.net.URISyntaxException e) {
                // reported below with the others
            }
            refused = text;
        }
        throw new IllegalArgumentException(refused == null
                ? "ocsp_stapling: the certificate names no OCSP responder (Authority Information Access, OCSP)"
                : "ocsp_stapling: the certificate's OCSP responder must be an http or https URL with a host, got \""
                        + printable(refused) + "\"");
    }

    /** The leaf's issuer: the next certificate of the chain, which must have signed it. */
    private static X509Certificate issuer(X509Certificate[] chain) {
        if (chain.length >= 2 && chain[0].getIssuerX500Principal().equals(chain[1].getSubjectX500Principal())) {
            try {
                chain[0].verify(chain[1].getPublicKey());
                return chain[1];
            } catch (GeneralSecurityException e) {
                // falls through to the message below
            }
        }
        throw new IllegalArgumentException("ocsp_stapling: the chain must carry the certificate's issuer right after "
                + "it (append the intermediate's PEM to the certificate)");
    }

    private static String hex(BigInteger serial) {
        return serial.toString(16);
    }

    /** Text from a certificate or a responder, fit for one log or error line. */
    static String printable(String raw) {
        String cut = raw.length() > 200 ? raw.substring(0, 200) + "..." : raw;
        return cut.replaceAll("[^\\x20-\\x7e]", "?").replace("\"", "%22");
    }
}
