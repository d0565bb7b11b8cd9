package stargate.node.plugin.iprestriction;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.stream.Stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import stargate.model.plugin.IpRestrictionConfig;
import stargate.node.plugin.TestRequest;

class IpRestrictionPluginTest {
    static Stream<Arguments> cases() {
        String allowTenDenyOne = "{\"allow\": [\"10.0.0.0/8\", \"2001:db8::/32\"], \"deny\": [\"10.1.0.0/16\"]}";
        String denyOnly = "{\"deny\": [\"192.168.0.0/16\", \"::1\"]}";
        return Stream.of(
                Arguments.of(allowTenDenyOne, "10.2.3.4", 200),
                Arguments.of(allowTenDenyOne, "10.1.2.3", 403),              // deny wins over allow
                Arguments.of(allowTenDenyOne, "11.0.0.1", 403),              // not in any allow range
                Arguments.of(allowTenDenyOne, "2001:db8:1::5", 200),
                Arguments.of(allowTenDenyOne, "2001:db9::5", 403),
                Arguments.of(allowTenDenyOne, "::ffff:10.2.3.4", 200),       // IPv4-mapped is the IPv4 address
                Arguments.of(allowTenDenyOne, "::ffff:10.1.2.3", 403),
                Arguments.of(denyOnly, "192.168.1.1", 403),
                Arguments.of(denyOnly, "::1", 403),
                Arguments.of(denyOnly, "127.0.0.1", 200),
                Arguments.of(denyOnly, "2001:db8::1", 200));
    }

    @ParameterizedTest(name = "{0} with client {1} -> {2}")
    @MethodSource("cases")
    void theClientAddressIsCheckedAgainstTheRanges(String config, String client, int expected) throws Exception {
        IpRestrictionPlugin plugin = new IpRestrictionPlugin(IpRestrictionConfig.from(new ObjectMapper().readTree(config)));
        var verdict = plugin.onRequest(TestRequest.get("/").client(client)
                .header("X-Forwarded-For", "10.2.3.4").exchange());    // a client-written header proves nothing
        assertEquals(expected, verdict.passes() ? 200 : verdict.status());
    }
}
