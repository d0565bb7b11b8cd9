package stargate.node.plugin.proxycache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.metrics.api.Metrics;
import org.junit.jupiter.api.Test;

import stargate.model.Consumer;
import stargate.model.plugin.ProxyCacheConfig;
import stargate.node.plugin.Exchange;
import stargate.node.plugin.PluginContext;
import stargate.node.plugin.TestRequest;
import stargate.node.plugin.TestResponse;
import stargate.node.plugin.Verdict;
import stargate.node.proxy.ForwardEdits;

/** proxy-cache in memory: the request phase, and the proxy's response tap driven by hand, on a driven clock. */
class ProxyCachePluginTest {
    private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
    private static final long SECOND = 1_000_000_000L;
    private final AtomicLong now = new AtomicLong(100 * SECOND);

    private ProxyCachePlugin plugin(String json) throws Exception {
        PluginContext context = new PluginContext(Metrics.globalRegistry(), InstantSource.fixed(NOW), now::get);
        return new ProxyCachePlugin(ProxyCacheConfig.from(new ObjectMapper().readTree(json)), context);
    }

    private static TestRequest get(String pathAndQuery) {
        return TestRequest.get(pathAndQuery).header("Host", "api.example.com");
    }

    /** What one request got: the plugin's answer (a hit) or the upstream's, and its X-Cache. */
    private record Served(Verdict verdict, String xCache) {
    }

    /**
     * Runs one exchange: the request phase; on PASS the upstream "answers" {@code status}, {@code headers}
     * and {@code body} through the tap, in pieces of 7 bytes, as the proxy would; then the response phase.
     */
    private Served serve(ProxyCachePlugin plugin, Exchange exchange, int status, Map<String, String> headers, String body,
                         boolean declareLength) {
        Verdict verdict = plugin.onRequest(exchange);
        if (verdict.passes() && exchange.forwardEdits() != null && exchange.forwardEdits().responseTap() != null) {
            ServerResponseHeaders upstream = ServerResponseHeaders.create();
            headers.forEach((name, value) -> upstream.add(HeaderNames.create(name), value));
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            if (declareLength) {
                upstream.contentLength(bytes.length);
            }
            ForwardEdits.BodySink sink = exchange.forwardEdits().responseTap().open(status, upstream);
            if (sink != null) {
                for (int i = 0; i < bytes.length; i += 7) {
                    sink.write(bytes, i, Math.min(7, bytes.length - i));
                }
                sink.complete();
            }
        }
        TestResponse response = new TestResponse(verdict.passes() ? status : verdict.status());
        plugin.onResponse(exchange, response);
        return new Served(verdict, response.header("X-Cache"));
    }

    private Served serve(ProxyCachePlugin plugin, TestRequest request, Map<String, String> headers, String body) {
        return serve(plugin, request.exchange(), 200, headers, body, true);
    }

    private static String header(Verdict verdict, String name) {
        return verdict.headers().stream().filter(h -> h[0].equalsIgnoreCase(name)).map(h -> h[1]).findFirst().orElse(null);
    }

    @Test
    void aMissIsStoredAndTheNextRequestIsAnsweredFromTheCacheWithItsHeaders() throws Exception {
        ProxyCachePlugin plugin = plugin("{}");
        Served miss = serve(plugin, get("/users/1?x=1"), Map.of("Content-Type", "text/plain", "X-Upstream", "u1",
                "Age", "2"), "hello, cached world");
        assertTrue(miss.verdict().passes());
        assertEquals("MISS", miss.xCache());

        now.addAndGet(3 * SECOND);
        Served hit = serve(plugin, get("/users/1?x=1"), Map.of(), "never sent");
        assertEquals("HIT", hit.xCache());
        assertEquals(200, hit.verdict().status());
        assertArrayEquals("hello, cached world".getBytes(StandardCharsets.UTF_8), hit.verdict().body());
        assertEquals("text/plain", hit.verdict().contentType());
        assertEquals("u1", header(hit.verdict(), "X-Upstream"));
        assertEquals("5", header(hit.verdict(), "Age"), "the upstream's 2 s plus 3 s here");
    }

    @Test
    void headIsAnsweredFromTheGetEntryButAHeadMissStoresNothing() throws Exception {
        ProxyCachePlugin plugin = plugin("{}");
        Exchange headMiss = TestRequest.of("HEAD", "/users/1").header("Host", "api.example.com").exchange();
        assertEquals("MISS", serve(plugin, headMiss, 200, Map.of(), "", true).xCache());
        assertNull(headMiss.forwardEdits(), "no tap: a HEAD response has no body to store");
        serve(plugin, get("/users/1"), Map.of(), "body");
        Served head = serve(plugin, TestRequest.of("HEAD", "/users/1").header("Host", "API.example.com").exchange(),
                200, Map.of(), "", true);
        assertEquals("HIT", head.xCache());
        assertArrayEquals("body".getBytes(StandardCharsets.UTF_8), head.verdict().body(),
                "the GET's body: the server sends its length, not its bytes, for HEAD");
    }

    @Test
    void entriesExpireAfterTheTtlOrTheResponsesOwnLifetime() throws Exception {
        ProxyCachePlugin plugin = plugin("{\"ttl\": \"60s\"}");
        serve(plugin, get("/default"), Map.of(), "a");
        serve(plugin, get("/max-age"), Map.of("Cache-Control", "public, max-age=5"), "b");
        serve(plugin, get("/s-maxage"), Map.of("Cache-Control", "max-age=5, s-maxage=100"), "c");
        now.addAndGet(5 * SECOND);
        assertEquals("HIT", serve(plugin, get("/default"), Map.of(), "a").xCache());
        assertEquals("MISS", serve(plugin, get("/max-age"), Map.of(), "b").xCache());
        now.addAndGet(55 * SECOND);
        assertEquals("MISS", serve(plugin, get("/default"), Map.of(), "a").xCache());
        assertEquals("HIT", serve(plugin, get("/s-maxage"), Map.of(), "c").xCache(), "s-maxage wins for a shared cache");
    }

    @Test
    void theLeastRecentlyUsedEntryIsEvictedFirst() throws Exception {
        ProxyCachePlugin plugin = plugin("{\"max_entries\": 2}");
        serve(plugin, get("/a"), Map.of(), "a");
        serve(plugin, get("/b"), Map.of(), "b");
        assertEquals("HIT", serve(plugin, get("/a"), Map.of(), "a").xCache());
        serve(plugin, get("/c"), Map.of(), "c");
        assertEquals(2, plugin.size());
        assertEquals("HIT", serve(plugin, get("/a"), Map.of(), "a").xCache());
        assertEquals("HIT", serve(plugin, get("/c"), Map.of(), "c").xCache());
        assertEquals("MISS", serve(plugin, get("/b"), Map.of(), "b").xCache(), "b was the least recently used");
    }

    @Test
    void aBodyOverMaxBodySizeIsStreamedButNotStoredWithOrWithoutALength() throws Exception {
        ProxyCachePlugin plugin = plugin("{\"max_body_size\": 16}");
        String seventeen = "x".repeat(17);
        serve(plugin, get("/declared"), Map.of(), seventeen);
        serve(plugin, get("/streamed").exchange(), 200, Map.of(), seventeen, false);
        serve(plugin, get("/exact").exchange(), 200, Map.of(), "y".repeat(16), false);
        assertEquals("MISS", serve(plugin, get("/declared"), Map.of(), seventeen).xCache());
        assertEquals("MISS", serve(plugin, get("/streamed"), Map.of(), seventeen).xCache());
        Served exact = serve(plugin, get("/exact"), Map.of(), "");
        assertEquals("HIT", exact.xCache());
        assertEquals("y".repeat(16), new String(exact.verdict().body(), StandardCharsets.UTF_8));
    }

    @Test
    void theBytesHeldStayWithinMaxMemoryTheNewestEntriesKept() throws Exception {
        ProxyCachePlugin plugin = plugin("{\"max_body_size\": \"1KiB\", \"max_memory\": \"4KiB\"}");
        String body = "b".repeat(1000);
        for (int i = 0; i < 10; i++) {
            serve(plugin, get("/item?id=" + i).exchange(), 200, Map.of(), body, i % 2 == 0);
            assertTrue(plugin.heldBytes() <= 4096, "held " + plugin.heldBytes() + " after " + (i + 1));
        }
        assertTrue(plugin.size() >= 2 && plugin.size() < 4, "size " + plugin.size());
        assertEquals("HIT", serve(plugin, get("/item?id=9"), Map.of(), body).xCache());
        assertEquals("MISS", serve(plugin, get("/item?id=0"), Map.of(), body).xCache());
    }

    @Test
    void anExchangeThatFailsMidBodyStoresNothing() throws Exception {
        ProxyCachePlugin plugin = plugin("{}");
        Exchange exchange = get("/broken").exchange();
        plugin.onRequest(exchange);
        ServerResponseHeaders upstream = ServerResponseHeaders.create();
        upstream.contentLength(10);
        ForwardEdits.BodySink sink = exchange.forwardEdits().responseTap().open(200, upstream);
        sink.write(new byte[10], 0, 4);         // the upstream died here: complete() never comes
        assertEquals(0, plugin.size());
    }

    @Test
    void requestDirectivesBypassTheLookupAndNoStoreAlsoTheStore() throws Exception {
        ProxyCachePlugin plugin = plugin("{}");
        serve(plugin, get("/r"), Map.of(), "old");
        for (String[] header : new String[][] {{"Cache-Control", "no-cache"}, {"Cache-Control", "max-age=0"},
                {"Pragma", "no-cache"}}) {
            Served bypass = serve(plugin, get("/r").header(header[0], header[1]), Map.of(), "new " + header[0]);
            assertEquals("MISS", bypass.xCache(), header[0] + ": " + header[1]);
            assertTrue(bypass.verdict().passes());
        }
        assertEquals("new Pragma", new String(serve(plugin, get("/r"), Map.of(), "").verdict().body(),
                StandardCharsets.UTF_8), "the bypassing requests refreshed the entry");

        Exchange noStore = get("/n").header("Cache-Control", "no-store").exchange();
        assertEquals("MISS", serve(plugin, noStore, 200, Map.of(), "n", true).xCache());
        assertNull(noStore.forwardEdits(), "no-store: not stored either");
        assertEquals("MISS", serve(plugin, get("/n"), Map.of(), "n").xCache());
    }

    @Test
    void theKeySeparatesQueryHostConsumerAndEncodingAndOtherMethodsAreNotCached() throws Exception {
        ProxyCachePlugin plugin = plugin("{}");
        serve(plugin, get("/k?a=1"), Map.of(), "base");
        List<TestRequest> others = new ArrayList<>(List.of(get("/k?a=2"), get("/k"),
                TestRequest.get("/k?a=1").header("Host", "other.example.com"),
                get("/k?a=1").header("Accept-Encoding", "gzip")));
        for (TestRequest other : others) {
            assertEquals("MISS", serve(plugin, other.exchange(), 200, Map.of(), "other", true).xCache());
        }
        Consumer alice = new Consumer("alice", new Consumer.KeyAuth("k"), null, null, null);
        Exchange asAlice = get("/k?a=1").exchange(alice);
        asAlice.authenticate(alice);
        assertEquals("MISS", serve(plugin, asAlice, 200, Map.of(), "alice's", true).xCache());
        assertEquals("base", new String(serve(plugin, get("/k?a=1"), Map.of(), "").verdict().body(), StandardCharsets.UTF_8));

        for (TestRequest notCached : List.of(TestRequest.of("POST", "/k?a=1").header("Host", "api.example.com"),
                get("/k?a=1").contentLength(3))) {
            Served served = serve(plugin, notCached.exchange(), 200, Map.of(), "x", true);
            assertTrue(served.verdict().passes());
            assertNull(served.xCache(), notCached.method());
        }
    }

    /** Each row: response status, headers (name, value, ...), whether the request had Authorization, expected freshness in seconds (0 or less: not stored). */
    @Test
    void storabilityFollowsTheSharedCacheRules() {
        Object[][] rows = {
                {200, new String[] {}, false, 60},
                {301, new String[] {}, false, 60},
                {404, new String[] {}, false, 60},
                {302, new String[] {}, false, 0},
                {500, new String[] {}, false, 0},
                {206, new String[] {}, false, 0},
                {200, new String[] {"Set-Cookie", "s=1"}, false, 0},
                {200, new String[] {"Cache-Control", "no-store"}, false, 0},
                {200, new String[] {"Cache-Control", "Private"}, false, 0},
                {200, new String[] {"Cache-Control", "private=\"Set-Cookie\", max-age=100"}, false, 0},
                {200, new String[] {"Cache-Control", "no-cache"}, false, 0},
                {200, new String[] {"Cache-Control", "max-age=100"}, false, 100},
                {200, new String[] {"Cache-Control", "max-age=\"100\""}, false, 100},
                {200, new String[] {"Cache-Control", "max-age=abc"}, false, 0},
                {200, new String[] {"Cache-Control", "max-age=100", "Age", "30"}, false, 70},
                {200, new String[] {"Cache-Control", "max-age=10", "Age", "30"}, false, -20},
                {200, new String[] {"Cache-Control", "s-maxage=7, max-age=100"}, false, 7},
                {200, new String[] {"Vary", "Accept-Encoding"}, false, 60},
                {200, new String[] {"Vary", "accept-encoding, Origin"}, false, 0},
                {200, new String[] {"Vary", "*"}, false, 0},
                {200, new String[] {}, true, 0},
                {200, new String[] {"Cache-Control", "max-age=100"}, true, 0},
                {200, new String[] {"Cache-Control", "public, max-age=100"}, true, 100},
                {200, new String[] {"Cache-Control", "s-maxage=50"}, true, 50},
                {200, new String[] {"Expires", "Tue, 01 Jan 2030 00:02:00 GMT", "Date", "Tue, 01 Jan 2030 00:00:00 GMT"}, false, 120},
                {200, new String[] {"Expires", "Tue, 01 Jan 2030 00:00:30 GMT"}, false, 30},
                {200, new String[] {"Expires", "0"}, false, 0},
                {200, new String[] {"Expires", "Tue, 01 Jan 2030 00:02:00 GMT", "Cache-Control", "max-age=5"}, false, 5},
        };
        for (Object[] row : rows) {
            String[] pairs = (String[]) row[1];
            Map<String, List<String>> headers = new java.util.HashMap<>();
            for (int i = 0; i < pairs.length; i += 2) {
                headers.computeIfAbsent(pairs[i].toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(pairs[i + 1]);
            }
            long fresh = Storability.freshnessMillis((int) row[0], name -> headers.getOrDefault(name, List.of()),
                    (boolean) row[2], Duration.ofSeconds(60), NOW.toEpochMilli());
            assertEquals(((Integer) row[3]) * 1000L, fresh, row[0] + " " + List.of(pairs) + " authorized=" + row[2]);
        }
    }
}
