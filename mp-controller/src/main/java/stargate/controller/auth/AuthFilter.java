package stargate.controller.auth;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.ext.Provider;
import java.nio.file.Path;
import java.security.Principal;
import java.time.Clock;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Logger;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Authenticates every admin API request ({@code Authorization: Bearer <JWT>} or
 * {@code X-API-Key: <key>}) and authorizes it by role: reads (GET, HEAD, and the read-only POSTs
 * {@code /explain} and {@code /config/validate}) need {@code viewer}, everything else {@code admin}.
 * Failures are problem details: 401 without valid credentials, 403 for a role that may not.
 * {@code POST /gitops/webhook} carries no credentials: its HMAC signature authenticates it.
 * With neither {@code stargate.api-keys} nor {@code stargate.jwt.*} configured there is no auth
 * (Main then binds to 127.0.0.1 only) and every caller is {@code anonymous}.
 */
@Provider
@Priority(Priorities.AUTHENTICATION)
@ApplicationScoped
public class AuthFilter implements ContainerRequestFilter {
    static final String API_KEY_HEADER = "X-API-Key";
    private static final Set<String> READ_ONLY_POSTS = Set.of("explain", "config/validate");
    /** Authenticated by its own HMAC signature (a Git host has no API credentials): see GitOpsResource. */
    private static final String WEBHOOK = "gitops/webhook";
    private static final Logger LOG = Logger.getLogger(AuthFilter.class.getName());

    @Inject
    @ConfigProperty(name = "stargate.api-keys")
    Optional<String> apiKeysFile;
    @Inject
    @ConfigProperty(name = "stargate.jwt.issuer")
    Optional<String> jwtIssuer;
    @Inject
    @ConfigProperty(name = "stargate.jwt.public-key")
    Optional<String> jwtPublicKey;

    private ApiKeys apiKeys;
    private JwtVerifier jwt;

    @PostConstruct
    void load() {
        apiKeys = apiKeysFile.map(f -> ApiKeys.load(Path.of(f))).orElse(null);
        if (jwtIssuer.isPresent() != jwtPublicKey.isPresent()) {
            throw new IllegalArgumentException("JWT auth needs both --jwt-issuer and --jwt-public-key");
        }
        jwt = jwtIssuer.map(iss -> JwtVerifier.create(iss, Path.of(jwtPublicKey.get()), Clock.systemUTC())).orElse(null);
        LOG.info(() -> "admin API auth: " + (apiKeys != null ? "API keys " : "") + (jwt != null ? "JWT" : "")
                + (apiKeys == null && jwt == null ? "none" : ""));
    }

    @Override
    public void filter(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if (!enabled() || (path.startsWith("/") ? path.substring(1) : path).equals(WEBHOOK)) {
            return;
        }
        Verdict verdict = authorize(request.getHeaderString("Authorization"), request.getHeaderString(API_KEY_HEADER),
                needs(request.getMethod(), path));
        if (verdict.status() != 0) {
            request.abortWith(problem(verdict.status(), verdict.status() == 401 ? "Unauthorized" : "Forbidden",
                    verdict.detail()));
            return;
        }
        boolean secure = request.getSecurityContext() != null && request.getSecurityContext().isSecure();
        request.setSecurityContext(new CallerContext(new Caller(verdict.principal(), verdict.role()), secure));
    }

    /** Whether any auth is configured (else every caller is {@code anonymous} and may do anything). */
    public boolean enabled() {
        return apiKeys != null || jwt != null;
    }

    /**
     * What the credentials of a call allow (REST here, and the gRPC admin API: one rule for both).
     *
     * @param status 0 when allowed; 401 no valid credentials; 403 a role that may not
     */
    public record Verdict(String principal, Role role, int status, String detail) {
    }

    /** @param authorization an {@code Authorization} value or null; {@code key} an API key or null */
    public Verdict authorize(String authorization, String key, Role needed) {
        Caller caller;
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7) && jwt != null) {
            try {
                caller = jwt.verify(authorization.substring(7).trim());
            } catch (JwtVerifier.Rejected e) {
                return new Verdict(null, null, 401, "bearer token refused: " + e.getMessage());
            }
        } else if (key != null && apiKeys != null) {
            caller = apiKeys.find(key);
            if (caller == null) {
                return new Verdict(null, null, 401, "unknown API key");
            }
        } else {
            return new Verdict(null, null, 401, "credentials required: "
                    + (jwt != null ? "Authorization: Bearer <JWT>" : "") + (jwt != null && apiKeys != null ? " or " : "")
                    + (apiKeys != null ? API_KEY_HEADER + ": <key>" : ""));
        }
        if (caller.role() == null || !caller.role().allows(needed)) {
            return new Verdict(caller.name(), caller.role(), 403, caller.name() + " has role "
                    + (caller.role() == null ? "none" : caller.role().name().toLowerCase()) + "; this needs "
                    + needed.name().toLowerCase());
        }
        return new Verdict(caller.name(), caller.role(), 0, "");
    }

    /** @param path relative to the application, e.g. {@code routes/users} */
    static Role needs(String method, String path) {
        String p = path.startsWith("/") ? path.substring(1) : path;
        boolean read = method.equals("GET") || method.equals("HEAD") || method.equals("OPTIONS")
                || (method.equals("POST") && READ_ONLY_POSTS.contains(p));
        return read ? Role.VIEWER : Role.ADMIN;
    }

    private static Response problem(int status, String title, String detail) {
        String body = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()
                .put("type", "urn:stargate:problem:" + title.toLowerCase())
                .put("title", title).put("status", status).put("detail", detail)
                .set("errors", com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode()).toString();
        Response.ResponseBuilder r = Response.status(status).type("application/problem+json").entity(body);
        return status == 401 ? r.header("WWW-Authenticate", "Bearer realm=\"stargate\"").build() : r.build();
    }

    /** The authenticated caller as JAX-RS sees it; roles are {@code admin} and {@code viewer}. */
    private record CallerContext(Caller caller, boolean secure) implements SecurityContext {
        @Override
        public Principal getUserPrincipal() {
            return caller::name;
        }

        @Override
        public boolean isUserInRole(String role) {
            Role r = Role.named(role);
            return r != null && caller.role() != null && caller.role().allows(r);
        }

        @Override
        public boolean isSecure() {
            return secure;
        }

        @Override
        public String getAuthenticationScheme() {
            return "stargate";
        }
    }
}
