package stargate.node.listener;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/**
 * The node's JVM never asks DNS for a client address's name (what Helidon asks for each TLS connection),
 * and still resolves names to addresses (upstream targets).
 */
class NoReverseLookupsTest {
    @Test
    void anAddressIsItsOwnNameAndNamesStillResolve() throws Exception {
        // as an accepted socket's peer: an address without a name yet
        InetSocketAddress peer = new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 443);
        assertEquals("127.0.0.1", peer.getHostName(), "/etc/hosts names 127.0.0.1 localhost: no lookup was made");
        InetAddress v6 = InetAddress.getByAddress(new byte[] {0x20, 0x01, 0x0d, (byte) 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
        assertEquals("2001:db8:0:0:0:0:0:1", v6.getHostName());
        assertTrue(InetAddress.getByName("localhost").isLoopbackAddress(), "forward lookups go to the JDK's resolver");
        assertEquals("stargate-no-reverse-lookups", new NoReverseLookups().name());
    }
}
