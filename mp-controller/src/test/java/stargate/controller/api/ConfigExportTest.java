package stargate.controller.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import stargate.controller.Api;
import stargate.controller.TestController;
import stargate.model.codec.ConfigCodec;

/**
 * {@code GET /config} streams: the text is what the whole-config writer prints, and exporting
 * 100,000 objects does not hold the document in the controller's heap (measured, not timed).
 */
class ConfigExportTest {
    private static final int OBJECTS = 100_000;
    private final Api api = Api.admin();

    @BeforeEach
    @AfterEach
    void emptyConfig() throws Exception {
        TestController.get().clear();
    }

    @Test
    void theStreamedTextIsWhatTheWholeConfigWriterPrints() {
        assertEquals(ConfigCodec.write(stargate.model.GatewayConfig.EMPTY, ConfigCodec.Format.JSON), api.get("config").body());
        assertEquals(ConfigCodec.write(stargate.model.GatewayConfig.EMPTY, ConfigCodec.Format.YAML),
                api.get("config", "Accept", "application/yaml").body());
        String config = ConfigApiTest.CONFIG + """
                certificates:
                  - id: site
                    snis: [site.example.com]
                    cert: %s
                    key: %s
                """.formatted(quoted(ObjectsApiTest.CERT), quoted(ObjectsApiTest.KEY));
        assertEquals(200, api.put("config", config, "Content-Type", "application/yaml").status());
        assertEquals(200, api.put("consumers/alice", "{\"key_auth\": {\"key\": \"alice-key-0123456789\"}}").status());
        for (ConfigCodec.Format format : ConfigCodec.Format.values()) {
            String exported = api.get("config", "Accept", format == ConfigCodec.Format.YAML ? "application/yaml"
                    : "application/json").body();
            // the writer's own text for what the export holds: equal only if the export printed it the same way
            String rewritten = ConfigCodec.write(ConfigCodec.readConfig(exported, format).orElseThrow(), format);
            assertEquals(rewritten, exported, format.toString());
            assertTrue(exported.contains("********") && !exported.contains("alice-key-0123456789")
                    && !exported.contains("PRIVATE KEY"), exported); // secrets masked
            assertTrue(exported.contains("certificates") && exported.contains("global_plugins"), exported);
        }
    }

    @Test
    void exportingOneHundredThousandObjectsDoesNotHoldTheDocument() throws Exception {
        writeRoutes(OBJECTS);
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(URI.create(TestController.get().baseUrl() + "/api/v1/config"))
                .header("X-API-Key", TestController.ADMIN_KEY).timeout(Duration.ofMinutes(3)).build();
        long before = liveHeap();
        HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode());
        long size;
        long during;
        try (InputStream body = response.body()) {
            size = body.readNBytes(64 * 1024).length;
            // the client stops reading: the controller is blocked mid-document, holding what it holds
            Thread.sleep(2000);
            during = liveHeap();
            byte[] chunk = new byte[64 * 1024];
            byte[] last = new byte[2];
            for (int n; (n = body.read(chunk)) > 0; size += n) {
                if (n >= 2) {
                    System.arraycopy(chunk, n - 2, last, 0, 2);
                }
            }
            assertEquals("]}", new String(last, StandardCharsets.US_ASCII)); // the whole document arrived
        }
        long grown = during - before;
        System.out.printf("export of %d objects: %d bytes; live heap %d -> %d bytes mid-export (+%d)%n",
                OBJECTS, size, before, during, grown);
        assertTrue(size > 10_000_000, "document size " + size);
        // a document held whole would be at least its size in heap (Latin-1 text); streamed, a page or two
        assertTrue(grown < size / 4, "the heap grew by " + grown + " bytes exporting a " + size + "-byte document");
    }

    /** Routes written straight into etcd as the controller writes them (faster than through the API). */
    private static void writeRoutes(int count) throws Exception {
        var kv = TestController.get().etcdClient().getKVClient();
        String meta = "{\"created_at\":\"2026-01-01T00:00:00Z\",\"updated_at\":\"2026-01-01T00:00:00Z\","
                + "\"updated_by\":\"test\",\"owner\":\"api\"}";
        for (int start = 0; start < count; start += 500) {
            List<Op> puts = new ArrayList<>();
            for (int i = start; i < Math.min(count, start + 500); i++) {
                String spec = "{\"id\":\"r" + i + "\",\"hosts\":[\"svc" + (i % 500) + ".example.com\"],\"paths\":[\"/api/v1/res"
                        + i + "\",\"/api/v2/res" + i + "/{id}\"],\"methods\":[\"GET\",\"POST\"],\"upstream\":\"u" + (i % 100)
                        + "\",\"strip_prefix\":true}";
                puts.add(Op.put(bytes(TestController.PREFIX + "/routes/r" + i), bytes("{\"meta\":" + meta + ",\"spec\":" + spec + "}"),
                        PutOption.DEFAULT));
            }
            kv.txn().Then(puts.toArray(Op[]::new)).commit().get(30, TimeUnit.SECONDS);
        }
    }

    /** Heap in use after full collections (System.gc() is a full GC with G1 unless disabled). */
    private static long liveHeap() {
        var memory = ManagementFactory.getMemoryMXBean();
        memory.gc();
        memory.gc();
        return memory.getHeapMemoryUsage().getUsed();
    }

    private static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }

    /** @param pem with its line breaks escaped ({@code \\n}), as the tests' PEM constants are */
    private static String quoted(String pem) {
        return "\"" + pem + "\"";
    }
}
