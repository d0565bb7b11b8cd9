package stargate.controller;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.helidon.microprofile.server.Server;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import stargate.model.secret.SecretHash;

/**
 * One controller for the whole test JVM (Helidon MP runs one CDI container per JVM): a real etcd
 * process, the controller started in-process on a free port with API keys and JWT auth, and a
 * jetcd client to look at etcd directly. Started on first use, stopped by a shutdown hook.
 */
public final class TestController {
    public static final String ADMIN_KEY = "admin-key-0123456789";
    public static final String VIEWER_KEY = "viewer-key-0123456789";
    public static final String ISSUER = "https://issuer.test";
    public static final String PREFIX = "/stargate";
    /** History entries kept ({@code --history-keep}): small, so retention is testable. */
    public static final int HISTORY_KEEP = 5;

    private static TestController instance;

    private final EtcdProcess etcd;
    private final Server server;
    private final Client client;
    private final KeyPair jwtKeys;
    private final Path authDir;
    private final java.util.List<String> extraArgs;

    private TestController(EtcdProcess etcd, Server server, Client client, KeyPair jwtKeys, Path authDir,
                           java.util.List<String> extraArgs) {
        this.extraArgs = extraArgs;
        this.etcd = etcd;
        this.server = server;
        this.client = client;
        this.jwtKeys = jwtKeys;
        this.authDir = authDir;
    }

    public static synchronized TestController get() {
        return startWith();
    }

    /**
     * The controller, started with these flags added when it is not running yet (a test JVM runs one
     * controller: a suite that needs other flags, e.g. GitOps, runs in its own surefire fork).
     *
     * @throws IllegalStateException when it already runs with other flags
     */
    public static synchronized TestController startWith(String... extraArgs) {
        if (instance != null && !instance.extraArgs.equals(java.util.List.of(extraArgs)) && extraArgs.length > 0) {
            throw new IllegalStateException("the test controller already runs with " + instance.extraArgs);
        }
        if (instance == null) {
            try {
                instance = start(java.util.List.of(extraArgs));
            } catch (Exception e) {
                throw new IllegalStateException("cannot start the test controller", e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(instance::shutdown));
        }
        return instance;
    }

    private static TestController start(java.util.List<String> extraArgs) throws Exception {
        EtcdProcess etcd = EtcdProcess.start();
        Path dir = Files.createTempDirectory("stargate-controller-test");
        Path keys = dir.resolve("api-keys.yaml");
        Files.writeString(keys, "- {name: alice, key_sha256: " + hex(ADMIN_KEY) + ", role: admin}\n"
                + "- {name: victor, key_sha256: \"sha256:" + hex(VIEWER_KEY) + "\", role: viewer}\n");
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair jwtKeys = generator.generateKeyPair();
        Path pem = dir.resolve("jwt.pem");
        Files.writeString(pem, "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(jwtKeys.getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----\n");
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("--etcd", etcd.url(), "--host", "127.0.0.1",
                "--port", "0", "--prefix", PREFIX, "--api-keys", keys.toString(), "--jwt-issuer", ISSUER,
                "--jwt-public-key", pem.toString(), "--history-keep", String.valueOf(HISTORY_KEEP),
                "--grpc-port", String.valueOf(freePort())));
        args.addAll(extraArgs);
        Server server = Main.start(Options.parse(args.toArray(String[]::new), Map.of()));
        return new TestController(etcd, server, Client.builder().endpoints(etcd.url()).build(), jwtKeys, dir, extraArgs);
    }

    /** A port free a moment ago (--grpc-port 0 turns gRPC off, so the test picks one). */
    private static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** The gRPC admin API's port. */
    public int grpcPort() {
        return jakarta.enterprise.inject.spi.CDI.current().select(stargate.controller.grpc.GrpcAdmin.class).get().port();
    }

    /** A bearer JWT signed with the test key pair, as the controller's --jwt-issuer accepts (or, with another issuer, refuses). */
    public String token(String subject, String group, java.time.Instant expires, String issuer) throws Exception {
        String header = b64("{\"alg\":\"RS256\",\"typ\":\"JWT\"}");
        String claims = b64("{\"iss\":\"" + issuer + "\",\"sub\":\"" + subject + "\",\"groups\":[\"" + group + "\"],\"exp\":"
                + expires.getEpochSecond() + "}");
        java.security.Signature rsa = java.security.Signature.getInstance("SHA256withRSA");
        rsa.initSign(jwtKeys.getPrivate());
        rsa.update((header + "." + claims).getBytes(StandardCharsets.US_ASCII));
        return header + "." + claims + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(rsa.sign());
    }

    public static String b64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    private static String hex(String key) {
        return SecretHash.hashApiKey(key).substring("sha256:".length());
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.port();
    }

    public EtcdProcess etcd() {
        return etcd;
    }

    public KeyPair jwtKeys() {
        return jwtKeys;
    }

    /** Deletes every key under the prefix: each test starts from an empty config. */
    public void clear() throws Exception {
        client.getKVClient().delete(bytes(PREFIX + "/"), DeleteOption.builder().isPrefix(true).build())
                .get(30, TimeUnit.SECONDS);
    }

    /** The raw etcd value of a key, or null. */
    public String etcdValue(String key) throws Exception {
        var kvs = client.getKVClient().get(bytes(key)).get(30, TimeUnit.SECONDS).getKvs();
        return kvs.isEmpty() ? null : kvs.get(0).getValue().toString(StandardCharsets.UTF_8);
    }

    /** How many keys are under the prefix. */
    public long etcdCount() throws Exception {
        return client.getKVClient().get(bytes(PREFIX + "/"), GetOption.builder().isPrefix(true).withCountOnly(true).build())
                .get(30, TimeUnit.SECONDS).getCount();
    }

    /** How many config keys (objects and the write fence) are under the prefix: the audit and history logs left out. */
    public long configKeyCount() throws Exception {
        return etcdCount() - etcdCount(PREFIX + "/audit/") - etcdCount(PREFIX + "/history/")
                - etcdCount(PREFIX + "/history_delta/");
    }

    public long etcdCount(String folder) throws Exception {
        return client.getKVClient().get(bytes(folder), GetOption.builder().isPrefix(true).withCountOnly(true).build())
                .get(30, TimeUnit.SECONDS).getCount();
    }

    public void etcdPut(String key, String value) throws Exception {
        client.getKVClient().put(bytes(key), bytes(value)).get(30, TimeUnit.SECONDS);
    }

    /** Compacts etcd's history up to its current revision: older revisions can no longer be read. */
    public void etcdCompact() throws Exception {
        long revision = client.getKVClient().get(bytes(PREFIX + "/")).get(30, TimeUnit.SECONDS).getHeader().getRevision();
        client.getKVClient().compact(revision).get(30, TimeUnit.SECONDS);
    }

    /** The jetcd client on the test etcd, for tests that write objects directly. */
    public Client etcdClient() {
        return client;
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private void shutdown() {
        try {
            server.stop();
            client.close();
            etcd.close();
            Files.deleteIfExists(authDir.resolve("api-keys.yaml"));
            Files.deleteIfExists(authDir.resolve("jwt.pem"));
            Files.deleteIfExists(authDir);
        } catch (Exception e) {
            e.printStackTrace();
        }
    }
}
