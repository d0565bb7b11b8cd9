package stargate.node.plugin.sizelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import stargate.node.plugin.Exchange;
import stargate.node.plugin.TestRequest;
import stargate.node.plugin.Verdict;

class RequestSizeLimitPluginTest {
    private final RequestSizeLimitPlugin plugin = new RequestSizeLimitPlugin(1024);

    @Test
    void aContentLengthOverTheLimitIsRefusedUpFrontAndTheConnectionClosed() {
        Verdict verdict = plugin.onRequest(TestRequest.of("POST", "/").contentLength(1025).exchange());
        assertEquals(413, verdict.status());
        assertEquals("body_too_large", verdict.error());
        assertTrue(verdict.closesConnection());
    }

    @Test
    void aContentLengthWithinTheLimitNeedsNoStreamingCheck() {
        Exchange exchange = TestRequest.of("POST", "/").contentLength(1024).exchange();
        assertTrue(plugin.onRequest(exchange).passes());
        assertEquals(null, exchange.forwardEdits());
    }

    @Test
    void aBodyOfUnknownLengthIsLimitedWhileStreaming() {
        Exchange exchange = TestRequest.of("POST", "/").exchange();
        assertTrue(plugin.onRequest(exchange).passes());
        assertEquals(1024, exchange.forwardEdits().maxBodyBytes());
    }
}
