package stargate.model.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CidrTest {
    /** A literal address: InetAddress never looks a literal up. */
    private static InetAddress ip(String literal) throws UnknownHostException {
        return InetAddress.getByName(literal);
    }

    @ParameterizedTest(name = "{0} contains {1}: {2}")
    @CsvSource({
            "10.0.0.0/8, 10.255.1.2, true",
            "10.0.0.0/8, 11.0.0.0, false",
            "192.168.1.128/25, 192.168.1.200, true",
            "192.168.1.128/25, 192.168.1.127, false",
            "192.168.1.7, 192.168.1.7, true",
            "192.168.1.7, 192.168.1.8, false",
            "0.0.0.0/0, 203.0.113.9, true",
            "0.0.0.0/0, ::1, false",
            "2001:db8::/32, 2001:db8:ffff::1, true",
            "2001:db8::/32, 2001:db9::1, false",
            "::1, ::1, true",
            "::/0, 2001:db8::1, true",
            "::/0, 10.0.0.1, false",
            "fe80::/10, fe80::1, true",
            "fe80::/10, fec0::1, false"})
    void containsExactlyTheAddressesUnderItsPrefix(String cidr, String address, boolean expected) throws UnknownHostException {
        assertEquals(expected, Cidr.parse(cidr).contains(ip(address)));
    }

    @ParameterizedTest(name = "{0} reads as {1}")
    @CsvSource({
            "10.0.0.0/8, 10.0.0.0/8",
            "10.1.2.3, 10.1.2.3/32",
            "2001:DB8::/32, 2001:db8::/32",
            "2001:0db8:0000:0000:0000:0000:0000:0001, 2001:db8::1/128",
            "::, ::/128",
            "1:0:0:2:0:0:0:3/128, 1:0:0:2::3/128",
            "1:0:2:3:4:5:6:7, 1:0:2:3:4:5:6:7/128"})
    void printsTheShortestStandardForm(String text, String printed) {
        assertEquals(printed, Cidr.parse(text).toString());
        assertEquals(Cidr.parse(printed), Cidr.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "10.0.0", "10.0.0.0.0", "1.2.3.4/", "1.2.3.4/-1", "1.2.3.4/08", "01.2.3.4", "256.0.0.0",
            "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "fe80::1%eth0", "::ffff:10.0.0.1", "example.com", " 10.0.0.0/8"})
    void refusesAnythingButAStrictAddressOrRange(String text) {
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse(text));
    }

    @ParameterizedTest
    @CsvSource({"10.0.0.1/8, 10.0.0.0/8", "192.168.1.130/25, 192.168.1.128/25", "2001:db8::1/32, 2001:db8::/32", "fe80::1/10, fe80::/10"})
    void refusesHostBitsAndSuggestsTheNetwork(String text, String network) throws UnknownHostException {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Cidr.parse(text));
        assertEquals("host bits are set in \"" + text + "\": did you mean " + network + "?", e.getMessage());
        String host = text.substring(0, text.indexOf('/'));
        assertTrue(Cidr.parse(network).contains(ip(host)), "the suggested network holds the address written");
        assertFalse(Cidr.parse(host).equals(Cidr.parse(network)));
    }
}
