package stargate.controller.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import stargate.controller.Api;
import stargate.controller.EtcdProcess;
import stargate.controller.TestController;

/** Without etcd every call answers 503 problem details within a bounded time, readiness is DOWN and
 * {@code stargate_etcd_connected} is 0 on {@code /metrics}. */
class EtcdOutageTest {
    @Test
    void withEtcdDownRequestsAnswer503AndReadyIsDown() throws Exception {
        Api admin = Api.admin();
        EtcdProcess etcd = TestController.get().etcd();
        TestController.get().clear();
        etcd.stop();
        try {
            long start = System.nanoTime();
            Api.Reply read = admin.get("routes");
            Api.Reply write = admin.post("upstreams", ObjectsApiTest.UPSTREAM);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertEquals(503, read.status(), read.toString());
            assertEquals("application/problem+json", read.header("Content-Type"));
            assertEquals(503, read.json().get("status").asInt());
            assertEquals(503, write.status(), write.toString());
            // each call waits at most the store's timeout (3 s); generous bound for a loaded machine
            assertTrue(took.compareTo(Duration.ofSeconds(15)) < 0, took.toString());
            Api.Reply ready = Api.as(null).get("/health/ready");
            assertEquals(503, ready.status());
            assertEquals("DOWN", ready.json().get("status").asText());
            String metrics = Api.as(null).get("/metrics").body();
            assertTrue(metrics.contains("\nstargate_etcd_connected 0\n"), metrics);
            assertTrue(!metrics.contains("\nstargate_config_revision{"), "no revision while etcd cannot say it");
        } finally {
            etcd.startAgain();
        }
        // back: the client reconnects; bounded wait for it
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        int status = 0;
        while (System.nanoTime() < deadline && (status = Api.as(null).get("/health/ready").status()) != 200) {
            Thread.sleep(200);
        }
        assertEquals(200, status);
        assertTrue(Api.as(null).get("/metrics").body().contains("\nstargate_etcd_connected 1\n"));
        assertEquals(201, admin.post("upstreams", ObjectsApiTest.UPSTREAM).status());
    }
}
