package stargate.node.plugin.requestid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import stargate.model.plugin.RequestIdConfig;
import stargate.node.plugin.Exchange;
import stargate.node.plugin.TestRequest;
import stargate.node.plugin.TestResponse;

class RequestIdPluginTest {
    private static RequestIdPlugin plugin(String json) throws Exception {
        return new RequestIdPlugin(RequestIdConfig.from(new ObjectMapper().readTree(json)));
    }

    @Test
    void aSaneIdInTheConfiguredHeaderBecomesTheExchangesIdUpstreamAndBack() throws Exception {
        RequestIdPlugin plugin = plugin("{\"header\": \"X-Correlation-Id\"}");
        Exchange exchange = TestRequest.get("/").header("x-correlation-id", "abc-123").exchange();
        plugin.onRequest(exchange);
        assertEquals("abc-123", exchange.requestId());
        assertEquals("abc-123", exchange.forwardEdits().addedHeaders().get(0)[1]);
        TestResponse response = new TestResponse(200);
        plugin.onResponse(exchange, response);
        assertEquals("abc-123", response.header("X-Correlation-Id"));
    }

    @Test
    void anAbsentOrInsaneIdIsReplacedByTheProxysId() throws Exception {
        RequestIdPlugin plugin = plugin("{\"header\": \"X-Correlation-Id\"}");
        for (String incoming : new String[] {null, "", "has space", "x".repeat(129), "line\u0085break"}) {
            TestRequest request = TestRequest.get("/");
            if (incoming != null) {
                request.header("X-Correlation-Id", incoming);
            }
            Exchange exchange = request.exchange();
            plugin.onRequest(exchange);
            assertEquals("req-1", exchange.requestId(), String.valueOf(incoming));
        }
    }

    @Test
    void theDefaultHeaderIsLeftToTheProxy() throws Exception {
        Exchange exchange = TestRequest.get("/").header("X-Request-Id", "abc").exchange();
        plugin("{}").onRequest(exchange);
        assertNull(exchange.forwardEdits());
    }
}
