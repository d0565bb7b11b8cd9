package stargate.it.support;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static stargate.it.support.EtcdSingleMemberTest.bytes;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A 3-member cluster shared by the tests; each test leaves all three members running. */
class EtcdClusterTest {
    private static EtcdCluster etcd;

    @BeforeAll
    static void startCluster() {
        etcd = EtcdCluster.startCluster(3);
    }

    @AfterAll
    static void closeCluster() {
        if (etcd != null) {
            etcd.close();
        }
    }

    @AfterEach
    void bringEveryMemberBack() {
        etcd.start(0, 1, 2);
    }

    @Test
    void aWriteThroughOneMemberIsReadThroughAnother() throws Exception {
        put(0, "/it/replicated", "v1");

        assertEquals(Optional.of("v1"), get(1, "/it/replicated"));
        assertEquals(Optional.of("v1"), get(2, "/it/replicated"));
    }

    @Test
    void twoOfThreeMembersKeepServingAndTheThirdCatchesUpWhenBack() throws Exception {
        etcd.stop(0);
        assertFalse(etcd.isRunning(0));
        etcd.awaitHealthy(1, 2);

        put(1, "/it/while-m0-down", "written-by-m1");
        assertEquals(Optional.of("written-by-m1"), get(2, "/it/while-m0-down"));

        etcd.start(0);
        assertTrue(etcd.isRunning(0));
        assertEquals(Optional.of("written-by-m1"), get(0, "/it/while-m0-down"));
    }

    @Test
    void theWholeClusterRestartsWithItsData() throws Exception {
        put(2, "/it/survives-restart", "kept");

        etcd.stop(0, 1, 2);
        assertFalse(etcd.isRunning(0) || etcd.isRunning(1) || etcd.isRunning(2));
        etcd.start(0, 1, 2);

        assertEquals(Optional.of("kept"), get(0, "/it/survives-restart"));
    }

    /** Each call uses a client pinned to one member, so the test controls which member serves it. */
    private static void put(int member, String key, String value) throws Exception {
        try (Client client = Client.builder().endpoints(etcd.clientUrl(member)).build()) {
            client.getKVClient().put(bytes(key), bytes(value)).get(10, SECONDS);
        }
    }

    private static Optional<String> get(int member, String key) throws Exception {
        try (Client client = Client.builder().endpoints(etcd.clientUrl(member)).build()) {
            List<KeyValue> kvs = client.getKVClient().get(bytes(key)).get(10, SECONDS).getKvs();
            return kvs.stream().findFirst().map(kv -> kv.getValue().toString(UTF_8));
        }
    }
}
