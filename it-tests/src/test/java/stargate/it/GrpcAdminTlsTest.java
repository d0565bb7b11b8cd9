package stargate.it;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import stargate.admin.v1.AdminGrpc;
import stargate.admin.v1.GetRequest;
import stargate.admin.v1.Kind;
import stargate.admin.v1.PutRequest;
import stargate.it.support.ControllerProcess;
import stargate.it.support.EtcdCluster;

/**
 * The gRPC admin port with {@code --grpc-tls-cert/--grpc-tls-key}: a grpc-java client that trusts
 * the test CA calls it; a plain-text client and a client trusting another CA get no answer.
 */
class GrpcAdminTlsTest {

    @Test
    void aClientTrustingTheCaIsServedAndOthersAreNot(@TempDir Path dir) throws Exception {
        Path ca = certificateAuthority(dir, "ca");
        Path otherCa = certificateAuthority(dir, "other-ca");
        Path key = dir.resolve("server.key");
        Path cert = dir.resolve("server.pem");
        run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=controller", "-keyout", key.toString(),
                "-out", dir.resolve("server.csr").toString());
        Files.writeString(dir.resolve("san.ext"), "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
        run("openssl", "x509", "-req", "-in", dir.resolve("server.csr").toString(), "-CA", ca.toString(),
                "-CAkey", dir.resolve("ca.key").toString(), "-CAcreateserial", "-days", "1", "-extfile",
                dir.resolve("san.ext").toString(), "-out", cert.toString());

        try (EtcdCluster etcd = EtcdCluster.startSingle();
             ControllerProcess controller = ControllerProcess.start(etcd.endpoints(), "/stargate", dir,
                     List.of("--grpc-tls-cert", cert.toString(), "--grpc-tls-key", key.toString()))) {
            assertTrue(controller.logTail().contains("tls=on"), controller.logTail());
            withChannel(controller, TlsChannelCredentials.newBuilder().trustManager(ca.toFile()).build(), channel -> {
                AdminGrpc.AdminBlockingStub admin = AdminGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
                admin.put(PutRequest.newBuilder().setKind(Kind.UPSTREAM).setId("u1")
                        .setJson("{\"targets\":[{\"url\":\"http://127.0.0.1:8081\"}]}").build());
                assertEquals("u1", admin.get(GetRequest.newBuilder().setKind(Kind.UPSTREAM).setId("u1").build()).getId());
                return null;
            });
            for (ChannelCredentials refused : List.of(InsecureChannelCredentials.create(),
                    TlsChannelCredentials.newBuilder().trustManager(otherCa.toFile()).build())) {
                StatusRuntimeException failed = assertThrows(StatusRuntimeException.class, () -> withChannel(controller, refused,
                        channel -> AdminGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                                .get(GetRequest.newBuilder().setKind(Kind.UPSTREAM).setId("u1").build())));
                assertEquals(Status.Code.UNAVAILABLE, failed.getStatus().getCode(), failed.toString());
            }
            assertEquals(200, controller.api("GET", "/upstreams/u1", null).status(), "REST is unchanged beside it");
        }
    }

    private static <T> T withChannel(ControllerProcess controller, ChannelCredentials credentials,
                                     Function<ManagedChannel, T> call) throws InterruptedException {
        ManagedChannel channel = Grpc.newChannelBuilderForAddress("127.0.0.1", controller.grpcPort(), credentials).build();
        try {
            return call.apply(channel);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** A self-signed CA certificate ({@code <name>.pem}, key {@code <name>.key}). */
    private static Path certificateAuthority(Path dir, String name) throws Exception {
        Path cert = dir.resolve(name + ".pem");
        run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=" + name,
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign",
                "-keyout", dir.resolve(name + ".key").toString(), "-out", cert.toString());
        return cert;
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), UTF_8);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0, String.join(" ", command) + ":\n" + output);
    }
}
