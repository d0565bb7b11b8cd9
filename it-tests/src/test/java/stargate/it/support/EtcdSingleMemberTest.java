package stargate.it.support;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class EtcdSingleMemberTest {

    @Test
    void aKeyPutThroughJetcdIsReadBack() throws Exception {
        try (EtcdCluster etcd = EtcdCluster.startSingle();
             Client client = Client.builder().endpoints(etcd.endpoints()).build()) {
            ByteSequence key = bytes("/stargate/routes/users");
            client.getKVClient().put(key, bytes("{\"id\":\"users\"}")).get(10, SECONDS);

            List<KeyValue> found = client.getKVClient().get(key).get(10, SECONDS).getKvs();

            assertEquals(1, found.size());
            assertEquals("{\"id\":\"users\"}", found.getFirst().getValue().toString(UTF_8));
        }
    }

    @Test
    void closeStopsTheMemberAndDeletesItsDataAndLogs() {
        EtcdCluster etcd = EtcdCluster.startSingle();
        Path dir = etcd.dir();
        URI client = URI.create(etcd.clientUrl(0));
        assertTrue(Files.isDirectory(dir.resolve("m0.etcd")), "data dir exists while running");
        assertTrue(isListening(client), "client port is open while running");

        etcd.close();

        assertFalse(etcd.isRunning(0));
        assertFalse(Files.exists(dir), "temp dir is gone after close");
        assertFalse(isListening(client), "client port is closed after close");
    }

    @Test
    void aMissingEtcdBinaryFailsWithTheInstallCommand() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> EtcdCluster.findOnPath("etcd", "/nonexistent-dir:/another-missing-dir"));

        assertTrue(e.getMessage().contains("apt-get install -y etcd-server"), e.getMessage());
    }

    private static boolean isListening(URI uri) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 1000);
            return true;
        } catch (IOException refused) {
            return false;
        }
    }

    static ByteSequence bytes(String text) {
        return ByteSequence.from(text, UTF_8);
    }
}
