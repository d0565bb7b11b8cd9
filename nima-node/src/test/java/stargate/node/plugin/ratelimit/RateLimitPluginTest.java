package stargate.node.plugin.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import org.junit.jupiter.api.Test;

import stargate.model.Consumer;
import stargate.model.plugin.RateLimitConfig;
import stargate.node.plugin.Exchange;
import stargate.node.plugin.PluginContext;
import stargate.node.plugin.TestRequest;
import stargate.node.plugin.TestResponse;
import stargate.node.plugin.Verdict;

class RateLimitPluginTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000_000L);
    private final MeterRegistry meters = Metrics.globalRegistry();
    private final PluginContext context = new PluginContext(meters, InstantSource.system(), now::get);

    private RateLimitPlugin plugin(String json) throws Exception {
        return new RateLimitPlugin(RateLimitConfig.from(new ObjectMapper().readTree(json)), context, 1000);
    }

    @Test
    void beyondTheLimitIs429WithRetryAfterAndRateLimitHeadersAndIsCounted() throws Exception {
        RateLimitPlugin plugin = plugin("{\"rate\": 2, \"per\": \"1m\"}");
        double before = refusedOnRoute();
        for (int i = 0; i < 2; i++) {
            Exchange exchange = TestRequest.get("/").exchange();
            assertTrue(plugin.onRequest(exchange).passes());
            TestResponse response = new TestResponse(200);
            plugin.onResponse(exchange, response);
            assertEquals("2", response.header("RateLimit-Limit"));
            assertEquals(Integer.toString(1 - i), response.header("RateLimit-Remaining"));
        }
        Verdict refused = plugin.onRequest(TestRequest.get("/").exchange());
        assertEquals(429, refused.status());
        assertEquals("rate_limited", refused.error());
        assertEquals("30", header(refused, "Retry-After"), "one token per 30 s");
        assertEquals("0", header(refused, "RateLimit-Remaining"));
        assertEquals("60", header(refused, "RateLimit-Reset"));
        assertEquals(before + 1, refusedOnRoute());
        now.addAndGet(30_000_000_000L);
        assertTrue(plugin.onRequest(TestRequest.get("/").exchange()).passes());
    }

    @Test
    void byIpEachClientHasItsOwnBucket() throws Exception {
        RateLimitPlugin plugin = plugin("{\"rate\": 1, \"key\": \"ip\"}");
        assertTrue(plugin.onRequest(TestRequest.get("/").client("10.0.0.1").exchange()).passes());
        assertEquals(429, plugin.onRequest(TestRequest.get("/").client("10.0.0.1").exchange()).status());
        assertTrue(plugin.onRequest(TestRequest.get("/").client("2001:db8::1").exchange()).passes());
    }

    @Test
    void byConsumerAnonymousRequestsFallBackToTheirAddressAndCannotSpendAConsumersQuota() throws Exception {
        RateLimitPlugin plugin = plugin("{\"rate\": 1, \"key\": \"consumer\"}");
        Consumer alice = new Consumer("10.0.0.1", null, null, null, null);     // an id that looks like an address
        Exchange anonymous = TestRequest.get("/").client("10.0.0.1").exchange(alice);
        assertTrue(plugin.onRequest(anonymous).passes());
        Exchange authenticated = TestRequest.get("/").client("10.0.0.1").exchange(alice);
        TestRequest.runAuth(new stargate.node.plugin.Plugin() {
            @Override
            public Verdict onRequest(Exchange exchange) {
                exchange.authenticate(alice);
                return Verdict.PASS;
            }
        }, authenticated);
        assertTrue(plugin.onRequest(authenticated).passes(), "the consumer's bucket is not the address's");
    }

    @Test
    void byHeaderEachValueHasItsOwnBucket() throws Exception {
        RateLimitPlugin plugin = plugin("{\"rate\": 1, \"key\": \"header:X-Tenant\"}");
        assertTrue(plugin.onRequest(TestRequest.get("/").header("x-tenant", "a").exchange()).passes());
        assertEquals(429, plugin.onRequest(TestRequest.get("/").header("x-tenant", "a").exchange()).status());
        assertTrue(plugin.onRequest(TestRequest.get("/").header("x-tenant", "b").exchange()).passes());
    }

    @Test
    void longHeaderValuesAreLimitedApartAndAFullKeyMapStillServesNewClients() throws Exception {
        RateLimitPlugin plugin = plugin("{\"rate\": 1, \"per\": \"1m\", \"key\": \"header:X-Tenant\"}");
        String longValue = "t".repeat(16 * 1024);
        for (int i = 0; i < 2_500; i++) {          // 2.5 times the 1000 keys this plugin holds
            assertTrue(plugin.onRequest(TestRequest.get("/").header("X-Tenant", longValue + i).exchange()).passes(),
                    "client " + i);
        }
        assertEquals(429, plugin.onRequest(TestRequest.get("/").header("X-Tenant", longValue + 2_499).exchange()).status(),
                "the newest client's bucket was kept");
    }

    private double refusedOnRoute() {
        return meters.getOrCreate(Counter.builder(RateLimitPlugin.RATE_LIMITED)
                .tags(java.util.List.of(io.helidon.metrics.api.Tag.create("route", "r1")))).count();
    }

    private static String header(Verdict verdict, String name) {
        return verdict.headers().stream().filter(h -> h[0].equals(name)).map(h -> h[1]).findFirst().orElse(null);
    }
}
