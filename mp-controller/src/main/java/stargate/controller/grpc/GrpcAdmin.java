package stargate.controller.grpc;

import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import stargate.admin.v1.AdminGrpc;
import stargate.controller.store.EtcdStore;
import stargate.controller.write.ConfigService;
import stargate.controller.auth.AuthFilter;
import stargate.controller.gitops.GitOps;
import stargate.controller.rollout.Rollouts;

/**
 * Serves the gRPC admin API on {@code stargate.grpc.port} ({@code --grpc-port}, 0 = off) from
 * the controller's start to its stop, on the REST API's host (127.0.0.1 whenever no auth is
 * configured), with the standard health ({@code grpc.health.v1}) and server reflection services.
 * TLS with {@code --grpc-tls-cert} and {@code --grpc-tls-key} (PEM: the chain, and a PKCS#8 key),
 * plain text otherwise.
 *
 * <p>grpc-java's Netty server, not Helidon's gRPC (not tried here): Helidon's would tie the
 * server to its WebServer and to the protobuf/grpc versions of Helidon's BOM, while this one is
 * the stock server of the io.grpc version jetcd already runs on in this process, with health,
 * reflection and flow control as every gRPC client expects. Calls run on virtual threads: a write waits for
 * its group commit without holding a platform thread.
 */
@ApplicationScoped
public class GrpcAdmin {
    /** Concurrent WatchConfig calls per controller (each holds an etcd watch). */
    static final int MAX_WATCHES = 256;
    /** One message: an object as big as REST takes one (1 MiB, BodyLimit), plus its envelope. */
    static final int MAX_MESSAGE_BYTES = 1024 * 1024 + 16 * 1024;
    private static final Logger LOG = Logger.getLogger(GrpcAdmin.class.getName());

    @Inject
    @ConfigProperty(name = "stargate.grpc.port", defaultValue = "9090")
    int port;
    @Inject
    @ConfigProperty(name = "server.host", defaultValue = "127.0.0.1")
    String host;
    @Inject
    @ConfigProperty(name = "stargate.grpc.tls-cert")
    Optional<String> tlsCert;
    @Inject
    @ConfigProperty(name = "stargate.grpc.tls-key")
    Optional<String> tlsKey;
    @Inject
    ConfigService service;
    @Inject
    EtcdStore store;
    @Inject
    AuthFilter auth;
    @Inject
    GitOps gitops;
    @Inject
    Rollouts rollouts;

    private Server server;
    private ExecutorService executor;
    private HealthStatusManager health;

    void start(@Observes @Initialized(ApplicationScoped.class) Object started) {
        if (port == 0) {
            LOG.info("event=grpc_admin_off (--grpc-port 0)");
            return;
        }
        String bind = auth.enabled() ? host : "127.0.0.1";
        executor = Executors.newVirtualThreadPerTaskExecutor();
        health = new HealthStatusManager();
        server = builder(new InetSocketAddress(bind, port))
                .executor(executor)
                .maxInboundMessageSize(MAX_MESSAGE_BYTES)
                .addService(ServerInterceptors.intercept(new AdminService(service, store, gitops, rollouts, MAX_WATCHES), new GrpcAuth(auth)))
                .addService(health.getHealthService())
                .addService(ProtoReflectionServiceV1.newInstance())
                .build();
        try {
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve the gRPC admin API on " + bind + ":" + port
                    + " (--grpc-port; 0 turns it off): " + e.getMessage(), e);
        }
        health.setStatus(AdminGrpc.SERVICE_NAME, io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
        LOG.info(() -> "event=grpc_admin_serving address=" + bind + ":" + port() + " auth=" + (auth.enabled() ? "on" : "off")
                + " tls=" + (tlsCert.isPresent() ? "on" : "off"));
    }

    private NettyServerBuilder builder(InetSocketAddress address) {
        if (tlsCert.isEmpty() || tlsKey.isEmpty()) {
            return NettyServerBuilder.forAddress(address);
        }
        try {
            return NettyServerBuilder.forAddress(address, TlsServerCredentials.create(new File(tlsCert.get()), new File(tlsKey.get())));
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot use --grpc-tls-cert " + tlsCert.get() + " and --grpc-tls-key " + tlsKey.get()
                    + " (PEM: the certificate chain, and its PKCS#8 private key): " + e.getMessage(), e);
        }
    }

    /** The bound port; -1 when off. */
    public int port() {
        return server == null ? -1 : server.getPort();
    }

    @PreDestroy
    void stop() {
        if (server == null) {
            return;
        }
        health.enterTerminalState();
        server.shutdown();
        try {
            if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
                server.shutdownNow(); // open watches end with the controller
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.shutdownNow();
        }
        executor.shutdownNow();
    }
}
