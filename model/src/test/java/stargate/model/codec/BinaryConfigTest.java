package stargate.model.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import stargate.model.GatewayConfig;
import stargate.model.codec.ConfigCodec.Format;

class BinaryConfigTest {
    static Stream<Arguments> configs() throws IOException {
        return ConfigCodecTest.configs();
    }

    /** The maximal config sets every key of every record (ConfigCodecTest checks that), so each type is encoded. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void readsBackAnEqualConfig(String name, String yaml) throws IOException {
        GatewayConfig config = ConfigCodecTest.read(yaml, Format.YAML);
        GatewayConfig back = BinaryConfig.read(BinaryConfig.write(config));
        assertEquals(config, back);
        assertEquals(ConfigCodec.write(config, Format.JSON), ConfigCodec.write(back, Format.JSON));
    }

    @Test
    void sharesShortStringsAsAParseDoes() throws IOException {
        GatewayConfig config = ConfigCodecTest.read("""
                routes:
                  - {id: a, paths: [/a], upstream: u}
                  - {id: b, paths: [/b], upstream: u}
                upstreams: [{id: u, targets: [{url: "http://127.0.0.1:1"}]}]
                """, Format.YAML);
        GatewayConfig back = BinaryConfig.read(BinaryConfig.write(config));
        assertSame(back.routes().get(0).upstream(), back.routes().get(1).upstream());
    }

    /** Every cut of the bytes is refused with an IOException: never half a config, never another exception. */
    @Test
    void refusesTruncatedOrTrailingBytes() throws IOException {
        byte[] bytes = BinaryConfig.write(ConfigCodecTest.read(ConfigCodecTest.MAXIMAL, Format.YAML));
        for (int length = 0; length < bytes.length; length++) {
            byte[] cut = Arrays.copyOf(bytes, length);
            assertThrows(IOException.class, () -> BinaryConfig.read(cut), "cut at " + length);
        }
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
        assertThrows(IOException.class, () -> BinaryConfig.read(longer));
    }

    /** A changed byte is refused or reads as some config: the node checksums its snapshots for the rest. */
    @Test
    void aChangedByteNeverThrowsAnythingButIOException() {
        byte[] bytes = BinaryConfig.write(ConfigCodecTest.read(ConfigCodecTest.MAXIMAL, Format.YAML));
        for (int i = 0; i < bytes.length; i++) {
            byte[] changed = bytes.clone();
            changed[i] ^= (byte) 0x5a;
            try {
                BinaryConfig.read(changed);
            } catch (IOException expected) {
                // refused
            }
        }
    }

    @Test
    void schemaIsAFingerprintOfTheRecords() {
        assertEquals(32, BinaryConfig.schema().length());
        assertTrue(BinaryConfig.schema().matches("[0-9a-f]{32}"));
    }
}
