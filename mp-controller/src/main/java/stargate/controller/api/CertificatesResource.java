package stargate.controller.api;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.Path;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import stargate.model.Kind;

/** {@code /api/v1/certificates}: see {@link ObjectResource}. */
@Path("certificates")
@ApplicationScoped
@Tag(name = "certificates", description = "Certificates: TLS certificates and keys by SNI name; keys are write-only")
public class CertificatesResource extends ObjectResource {
    public CertificatesResource() {
        super(Kind.CERTIFICATE);
    }
}
