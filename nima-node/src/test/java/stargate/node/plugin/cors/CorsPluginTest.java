package stargate.node.plugin.cors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import stargate.model.plugin.CorsConfig;
import stargate.node.plugin.Exchange;
import stargate.node.plugin.TestRequest;
import stargate.node.plugin.TestResponse;
import stargate.node.plugin.Verdict;

class CorsPluginTest {
    private static CorsPlugin plugin(String json) throws Exception {
        return new CorsPlugin(CorsConfig.from(new ObjectMapper().readTree(json)));
    }

    private static final String APP = "{\"allow_origins\": [\"https://app.example.com\"], \"allow_headers\": [\"X-Token\"],"
            + " \"expose_headers\": [\"X-Total\"], \"allow_credentials\": true, \"max_age\": \"1h\"}";

    private static TestRequest preflight(String origin, String method) {
        return TestRequest.of("OPTIONS", "/users/1").header("Origin", origin).header("Access-Control-Request-Method", method);
    }

    @Test
    void anAllowedPreflightIsAnsweredAtTheEdgeWith204() throws Exception {
        CorsPlugin plugin = plugin(APP);
        Exchange exchange = preflight("https://app.example.com", "PUT").header("Access-Control-Request-Headers", "x-token")
                .exchange();
        Verdict verdict = plugin.onRequest(exchange);
        assertEquals(204, verdict.status());
        TestResponse response = new TestResponse(204);
        verdict.headers().forEach(h -> response.addHeader(h[0], h[1]));
        plugin.onResponse(exchange, response);
        assertEquals("https://app.example.com", response.header("Access-Control-Allow-Origin"));
        assertEquals("true", response.header("Access-Control-Allow-Credentials"));
        assertEquals("GET, POST, PUT, PATCH, DELETE, OPTIONS", response.header("Access-Control-Allow-Methods"));
        assertEquals("X-Token", response.header("Access-Control-Allow-Headers"));
        assertEquals("3600", response.header("Access-Control-Max-Age"));
        assertEquals("Origin", response.header("Vary"));
    }

    @Test
    void aPreflightFromAnotherOriginOrForAnotherMethodOrHeaderIs403() throws Exception {
        CorsPlugin plugin = plugin(APP);
        TestRequest[] refused = {
            preflight("https://evil.example.com", "GET"),
            preflight("https://app.example.com.evil.com", "GET"),
            preflight("http://app.example.com", "GET"),
            preflight("null", "GET"),
            preflight("https://app.example.com", "CONNECT"),
            preflight("https://app.example.com", "GET").header("Access-Control-Request-Headers", "x-token, x-admin"),
        };
        for (TestRequest request : refused) {
            Verdict verdict = plugin.onRequest(request.exchange());
            assertEquals(403, verdict.status());
            assertEquals("cors_forbidden", verdict.error());
        }
    }

    @Test
    void withAllowHeadersEmptyThePreflightsOwnHeadersAreAllowedAndEchoed() throws Exception {
        CorsPlugin plugin = plugin("{\"allow_origins\": [\"https://app.example.com\"]}");
        Verdict asked = plugin.onRequest(preflight("https://app.example.com", "PUT")
                .header("Access-Control-Request-Headers", "content-type,X-Token , ,x-trace-id").exchange());
        assertEquals(204, asked.status());
        assertEquals("content-type, X-Token, x-trace-id", header(asked, "Access-Control-Allow-Headers"));

        Verdict none = plugin.onRequest(preflight("https://app.example.com", "GET").exchange());
        assertEquals(204, none.status());
        assertNull(header(none, "Access-Control-Allow-Headers"), "nothing asked, nothing echoed");
    }

    @Test
    void aRequestedHeaderThatIsNotAWellFormedNameIsRefusedNeverEchoed() throws Exception {
        for (String config : new String[] {"{\"allow_origins\": [\"https://app.example.com\"]}", APP}) {
            CorsPlugin plugin = plugin(config);
            for (String requested : new String[] {"x-token, x bad", "x-token\r\nSet-Cookie: s=1", "x-token, x:y", "x(1)"}) {
                Verdict verdict = plugin.onRequest(preflight("https://app.example.com", "GET")
                        .header("Access-Control-Request-Headers", requested).exchange());
                assertEquals(403, verdict.status(), config + " " + requested);
                assertNull(header(verdict, "Access-Control-Allow-Headers"));
            }
        }
    }

    private static String header(Verdict verdict, String name) {
        return verdict.headers().stream().filter(h -> h[0].equalsIgnoreCase(name)).map(h -> h[1]).findFirst().orElse(null);
    }

    @Test
    void anActualRequestIsProxiedAndOnlyAnAllowedOriginGetsTheHeaders() throws Exception {
        CorsPlugin plugin = plugin(APP);
        Exchange allowed = TestRequest.get("/").header("Origin", "https://app.example.com").exchange();
        assertTrue(plugin.onRequest(allowed).passes());
        TestResponse ok = new TestResponse(200);
        plugin.onResponse(allowed, ok);
        assertEquals("https://app.example.com", ok.header("Access-Control-Allow-Origin"));
        assertEquals("X-Total", ok.header("Access-Control-Expose-Headers"));

        Exchange other = TestRequest.get("/").header("Origin", "https://evil.example.com").exchange();
        assertTrue(plugin.onRequest(other).passes(), "CORS is the browser's to enforce");
        TestResponse plain = new TestResponse(200);
        plugin.onResponse(other, plain);
        assertNull(plain.header("Access-Control-Allow-Origin"));
        assertEquals("Origin", plain.header("Vary"));
    }

    @Test
    void anyOriginIsAnsweredWithAStarNotAReflection() throws Exception {
        CorsPlugin plugin = plugin("{\"allow_origins\": [\"*\"]}");
        Exchange exchange = TestRequest.get("/").header("Origin", "https://whoever.example").exchange();
        plugin.onRequest(exchange);
        TestResponse response = new TestResponse(200);
        plugin.onResponse(exchange, response);
        assertEquals("*", response.header("Access-Control-Allow-Origin"));
        assertNull(response.header("Access-Control-Allow-Credentials"));
    }
}
