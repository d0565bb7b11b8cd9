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
import stargate.controller.store.Secrets;

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

    private static TestController instance;

    private final EtcdProcess etcd;
    private final Server server;
    private final Client client;
    private final KeyPair jwtKeys;
    private final Path authDir;

    private TestController(EtcdProcess etcd, Server server, Client client, KeyPair jwtKeys, Path authDir) {
        this.etcd = etcd;
        this.server = server;
        this.client = client;
        this.jwtKeys = jwtKeys;
        this.authDir = authDir;
    }

    public static synchronized TestController get() {
        if (instance == null) {
            try {
                instance = start();
            } catch (Exception e) {
                throw new IllegalStateException("cannot start the test controller", e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(instance::shutdown));
        }
        return instance;
    }

    private static TestController start() throws Exception {
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
        Options options = Options.parse(new String[] {"--etcd", etcd.url(), "--host", "127.0.0.1", "--port", "0", "--prefix", PREFIX,
                "--api-keys", keys.toString(), "--jwt-issuer", ISSUER, "--jwt-public-key", pem.toString()}, Map.of());
        Server server = Main.start(options);
        return new TestController(etcd, server, Client.builder().endpoints(etcd.url()).build(), jwtKeys, dir);
    }

    private static String hex(String key) {
        return Secrets.hashKey(key).substring("sha256:".length());
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
                .get(5, TimeUnit.SECONDS);
    }

    /** The raw etcd value of a key, or null. */
    public String etcdValue(String key) throws Exception {
        var kvs = client.getKVClient().get(bytes(key)).get(5, TimeUnit.SECONDS).getKvs();
        return kvs.isEmpty() ? null : kvs.get(0).getValue().toString(StandardCharsets.UTF_8);
    }

    /** How many keys are under the prefix. */
    public long etcdCount() throws Exception {
        return client.getKVClient().get(bytes(PREFIX + "/"), GetOption.builder().isPrefix(true).withCountOnly(true).build())
                .get(5, TimeUnit.SECONDS).getCount();
    }

    public void etcdPut(String key, String value) throws Exception {
        client.getKVClient().put(bytes(key), bytes(value)).get(5, TimeUnit.SECONDS);
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
