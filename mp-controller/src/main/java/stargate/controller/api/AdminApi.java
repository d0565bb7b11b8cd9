package stargate.controller.api;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;
import org.eclipse.microprofile.openapi.annotations.Components;
import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeIn;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.info.Info;
import org.eclipse.microprofile.openapi.annotations.info.License;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;
import org.eclipse.microprofile.openapi.annotations.servers.Server;
import org.eclipse.microprofile.openapi.annotations.servers.ServerVariable;

/**
 * The admin API under {@code /api/v1}; its resources and providers are found by CDI discovery.
 * The OpenAPI document's top level is here: either credential (API key or bearer JWT, as
 * {@code AuthFilter} accepts them) on every operation unless it says otherwise, and the servers
 * Swagger UI and generated clients call. docs/openapi.json is this document as served.
 */
@ApplicationScoped
@ApplicationPath("/api/v1")
@OpenAPIDefinition(
        info = @Info(title = "Stargate controller admin API", version = "v1",
                description = "Routes, upstreams, consumers, certificates and global plugins in etcd. "
                        + "Errors are RFC 9457 problem details with every error and its path. "
                        + "Every call needs an API key (X-API-Key) or a bearer JWT: viewers read, admins write "
                        + "(a controller started without auth listens on 127.0.0.1 only and needs neither). "
                        + "Generating a client: docs/api.md.",
                // No LICENSE file in the repository yet: say so instead of claiming one.
                license = @License(name = "UNLICENSED (all rights reserved until the project adds a LICENSE)")),
        servers = {
                @Server(url = "/", description = "the controller serving this document (Swagger UI's choice)"),
                @Server(url = "{scheme}://{host}:{port}", description = "a controller by address (generated clients)",
                        variables = {
                                @ServerVariable(name = "scheme", defaultValue = "http", enumeration = {"http", "https"},
                                        description = "https when a proxy terminates TLS in front of the controller"),
                                @ServerVariable(name = "host", defaultValue = "127.0.0.1",
                                        description = "the controller's --host, or its service name"),
                                @ServerVariable(name = "port", defaultValue = "9080", description = "the controller's --port")})},
        security = {@SecurityRequirement(name = AdminApi.API_KEY), @SecurityRequirement(name = AdminApi.BEARER)},
        components = @Components(securitySchemes = {
                @SecurityScheme(securitySchemeName = AdminApi.API_KEY, type = SecuritySchemeType.APIKEY,
                        in = SecuritySchemeIn.HEADER, apiKeyName = "X-API-Key",
                        description = "a key from the controller's --api-keys file (which holds its SHA-256 and role)"),
                @SecurityScheme(securitySchemeName = AdminApi.BEARER, type = SecuritySchemeType.HTTP,
                        scheme = "bearer", bearerFormat = "JWT",
                        description = "a JWT signed by the key of --jwt-public-key, issued by --jwt-issuer; "
                                + "its groups claim holds the role (admin or viewer)")}))
public class AdminApi extends Application {
    static final String API_KEY = "apiKey";
    static final String BEARER = "bearerJwt";
}
