package stargate.node.plugin.trafficsplit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import stargate.model.plugin.TrafficSplitConfig;
import stargate.node.plugin.Exchange;
import stargate.node.plugin.TestRequest;

class TrafficSplitPluginTest {
    private static TrafficSplitPlugin plugin(String json) throws Exception {
        return new TrafficSplitPlugin(TrafficSplitConfig.from(new ObjectMapper().readTree(json)));
    }

    @Test
    void aWeightSendsThatShareOfRequestsToTheOtherUpstream() throws Exception {
        TrafficSplitPlugin plugin = plugin("{\"upstream\": \"canary\", \"weight\": 30}");
        int requests = 20_000;
        int split = 0;
        for (int i = 0; i < requests; i++) {
            Exchange exchange = TestRequest.get("/").exchange();
            plugin.onRequest(exchange);
            split += "canary".equals(exchange.upstreamOverride()) ? 1 : 0;
        }
        double share = split / (double) requests;
        // Binomial(20000, 0.3): sd 0.0032, so +-0.02 is six standard deviations.
        assertTrue(Math.abs(share - 0.30) < 0.02, "share " + share);
    }

    @Test
    void weightsZeroAndHundredAreNeverAndAlways() throws Exception {
        TrafficSplitPlugin never = plugin("{\"upstream\": \"canary\", \"weight\": 0}");
        TrafficSplitPlugin always = plugin("{\"upstream\": \"canary\", \"weight\": 100}");
        for (int i = 0; i < 1000; i++) {
            Exchange a = TestRequest.get("/").exchange();
            never.onRequest(a);
            assertNull(a.upstreamOverride());
            Exchange b = TestRequest.get("/").exchange();
            always.onRequest(b);
            assertEquals("canary", b.upstreamOverride());
        }
    }

    @Test
    void aHeaderMatchSendsOnlyMatchingRequests() throws Exception {
        TrafficSplitPlugin plugin = plugin("{\"upstream\": \"canary\", \"match\": {\"headers\": {\"X-Canary\": \"true\", \"X-Team\": \"a\"}}}");
        Exchange both = TestRequest.get("/").header("x-canary", "true").header("X-Team", "a").exchange();
        plugin.onRequest(both);
        assertEquals("canary", both.upstreamOverride());
        for (TestRequest request : new TestRequest[] {TestRequest.get("/").header("X-Canary", "true"),
                TestRequest.get("/").header("X-Canary", "TRUE").header("X-Team", "a"), TestRequest.get("/")}) {
            Exchange exchange = request.exchange();
            plugin.onRequest(exchange);
            assertNull(exchange.upstreamOverride());
        }
    }
}
