package stargate.controller.api;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;
import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.info.Info;

/** The admin API under {@code /api/v1}; its resources and providers are found by CDI discovery. */
@ApplicationScoped
@ApplicationPath("/api/v1")
@OpenAPIDefinition(info = @Info(title = "Stargate controller admin API", version = "v1",
        description = "Routes, upstreams, consumers, certificates and global plugins in etcd. "
                + "Errors are RFC 9457 problem details with every error and its path."))
public class AdminApi extends Application {
}
