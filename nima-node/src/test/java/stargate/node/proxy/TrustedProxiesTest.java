package stargate.node.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import stargate.model.plugin.Cidr;

/** Which address is the client, given a peer and its X-Forwarded-For (SPEC §13). */
class TrustedProxiesTest {
    private static final TrustedProxies TRUSTED = TrustedProxies.parse("10.0.0.0/8, 2001:db8::/32");

    private static InetAddress ip(String text) {
        return Cidr.address(text);
    }

    private static String clientBehind(String peer, String... forwardedFor) {
        return TRUSTED.clientBehind(ip(peer), List.of(forwardedFor)).getHostAddress();
    }

    @Test
    void theRightmostUntrustedHopIsTheClient() {
        assertEquals("203.0.113.7", clientBehind("10.0.0.1", "198.51.100.1, 203.0.113.7, 10.0.0.2"));
        assertEquals("203.0.113.7", clientBehind("10.0.0.1", "198.51.100.1", "203.0.113.7", "10.0.0.2"));
    }

    @Test
    void aSpoofedLeftmostEntryIsNeverBelieved() {
        // The client wrote "1.2.3.4" itself; the trusted proxy appended the address it heard from.
        assertEquals("203.0.113.7", clientBehind("10.0.0.1", "1.2.3.4, 203.0.113.7"));
    }

    @Test
    void allTrustedHopsLeaveTheLeftmostAddress() {
        assertEquals("10.0.0.3", clientBehind("10.0.0.1", "10.0.0.3, 10.0.0.2"));
    }

    @Test
    void anEntryThatIsNotAnAddressEndsTheWalkAtTheLastHopRead() {
        assertEquals("10.0.0.2", clientBehind("10.0.0.1", "203.0.113.7, unknown, 10.0.0.2"));
        assertEquals("10.0.0.1", clientBehind("10.0.0.1", "evil.example.com"));
        assertEquals("10.0.0.1", clientBehind("10.0.0.1", "203.0.113.7:443"));
    }

    @Test
    void noHeaderMeansThePeer() {
        assertEquals("10.0.0.1", clientBehind("10.0.0.1"));
    }

    @Test
    void ipv6HopsAreRead() {
        assertEquals("2001:db9:0:0:0:0:0:1", clientBehind("2001:db8::1", "2001:db9::1, 2001:db8::2"));
    }

    @Test
    void trustIsByRange() {
        assertTrue(TRUSTED.trusts(ip("10.255.0.1")));
        assertFalse(TRUSTED.trusts(ip("11.0.0.1")));
        assertFalse(TRUSTED.trusts(null));
        assertFalse(TrustedProxies.NONE.trusts(ip("127.0.0.1")));
    }

    @Test
    void aBadRangeIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrustedProxies.parse("10.0.0.0/8,10.0.0.1/8"));
        assertTrue(e.getMessage().contains("host bits are set"), e.getMessage());
    }
}
