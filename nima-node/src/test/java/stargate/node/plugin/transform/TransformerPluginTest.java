package stargate.node.plugin.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import stargate.model.plugin.RequestTransformerConfig;
import stargate.model.plugin.ResponseTransformerConfig;
import stargate.node.plugin.Exchange;
import stargate.node.plugin.TestRequest;
import stargate.node.plugin.TestResponse;

class TransformerPluginTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void requestHeadersAreRemovedSetAndAddedAndThePathRenderedFromTheTemplate() throws Exception {
        RequestTransformerPlugin plugin = new RequestTransformerPlugin(RequestTransformerConfig.from(JSON.readTree("""
                {"headers": {"remove": ["X-Internal"], "set": {"X-Version": "2"}, "add": {"X-Via": "stargate"}},
                 "path": "/v2/accounts/{id}/profile"}""")));
        Exchange exchange = TestRequest.get("/users/7?full=1").header("X-Internal", "secret").exchange(Map.of("id", "7"));
        assertTrue(plugin.onRequest(exchange).passes());
        var edits = exchange.forwardEdits();
        assertTrue(edits.removesHeader("x-internal"));
        assertTrue(edits.removesHeader("x-version"), "set replaces what the client sent");
        assertEquals(List.of("X-Version=2", "X-Via=stargate"),
                edits.addedHeaders().stream().map(h -> h[0] + "=" + h[1]).toList());
        assertEquals("/v2/accounts/7/profile?full=1", edits.apply("/users/7?full=1"));
    }

    @Test
    void responseHeadersAreRemovedSetAndAdded() throws Exception {
        ResponseTransformerPlugin plugin = new ResponseTransformerPlugin(ResponseTransformerConfig.from(JSON.readTree("""
                {"headers": {"remove": ["Server"], "set": {"Cache-Control": "no-store"}, "add": {"X-Served-By": "stargate"}}}
                """)).headers());
        TestResponse response = new TestResponse(200);
        response.addHeader("Server", "nginx");
        response.addHeader("Cache-Control", "max-age=60");
        plugin.onResponse(TestRequest.get("/").exchange(), response);
        assertEquals(null, response.header("Server"));
        assertEquals(List.of("no-store"), response.all("Cache-Control"));
        assertEquals("stargate", response.header("X-Served-By"));
    }

    @Test
    void headersTheProxyOwnsCannotBeEdited() {
        Exchange exchange = TestRequest.get("/").exchange();
        for (String owned : List.of("Host", "Content-Length", "Transfer-Encoding", "Connection")) {
            assertThrows(IllegalArgumentException.class, () -> exchange.setRequestHeader(owned, "x"), owned);
        }
        assertThrows(IllegalArgumentException.class, () -> exchange.addRequestHeader("X-A", "a\r\nInjected: 1"));
    }
}
