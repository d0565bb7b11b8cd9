package stargate.model.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import stargate.model.GatewayConfig;
import stargate.model.codec.ConfigCodec.Format;
import stargate.model.validate.ConfigError;
import stargate.model.validate.ConfigValidator;
import stargate.model.validate.Validated;

/** Standalone files far over SnakeYAML's default 3 Mi code points (SPEC §21: up to 100 MiB), streamed. */
class BigYamlTest {
    private static final int ROUTES = 100_000;

    @TempDir
    Path dir;

    @Test
    void aFileOfOneHundredThousandRoutesReadsAndValidates() throws IOException {
        Path file = write(-1);
        assertTrue(Files.size(file) > 3 * 1024 * 1024, "bigger than the old limit");
        Validated<GatewayConfig> read = ConfigValidator.create()
                .check(Files.newBufferedReader(file, StandardCharsets.UTF_8), Format.YAML);
        assertEquals(List.of(), read.errors());
        assertEquals(ROUTES, read.value().routes().size());
        assertEquals("r99999", read.value().routes().get(ROUTES - 1).id());
    }

    @Test
    void anErrorDeepInTheFileNamesItsPathAndLine() throws IOException {
        Path file = write(87_654);
        Validated<GatewayConfig> read = ConfigValidator.create()
                .check(Files.newBufferedReader(file, StandardCharsets.UTF_8), Format.YAML);
        // line 1 is "routes:", route i is on line i + 2
        assertEquals(List.of(new ConfigError("routes[87654].priority", "expected an integer, got \"high\" (line 87656)")),
                read.errors());
    }

    @Test
    void malformedTextDeepInTheFileIsOneErrorWithItsLine() throws IOException {
        Path file = dir.resolve("broken.yaml");
        try (BufferedWriter out = Files.newBufferedWriter(file)) {
            out.write("routes:\n");
            for (int i = 0; i < ROUTES; i++) {
                out.write(i == 76_543 ? "  - {id: r" + i + ", paths: [\"/r" + i + "\"\n"
                        : "  - {id: r" + i + ", paths: [\"/r" + i + "\"], upstream: u}\n");
            }
        }
        List<ConfigError> errors = ConfigValidator.create()
                .check(Files.newBufferedReader(file, StandardCharsets.UTF_8), Format.YAML).errors();
        assertEquals(1, errors.size(), errors.toString());
        assertTrue(errors.get(0).message().startsWith("malformed YAML at line 76545"), errors.toString());
    }

    @Test
    void aliasesAreRefusedWhileStreaming() {
        String yaml = "routes:\n  - &r {id: a, paths: [\"/a\"], upstream: u}\n  - *r\nupstreams:\n  - {id: u, targets: [{url: \"http://h:1\"}]}\n";
        List<ConfigError> errors = ConfigCodec.stream(new java.io.StringReader(yaml), Format.YAML).errors();
        assertEquals(1, errors.size(), errors.toString());
        assertTrue(errors.get(0).message().contains("YAML aliases (*r) are not supported"), errors.toString());
    }

    @Test
    void aStreamedReadEqualsATreeRead() {
        String yaml = ConfigCodecTest.MAXIMAL;
        assertEquals(ConfigCodec.readConfig(yaml, Format.YAML),
                ConfigCodec.readConfig(new java.io.StringReader(yaml), Format.YAML));
    }

    /** {@code routes:} then one flow-style route a line; route {@code bad} has a priority that is no integer. */
    private Path write(int bad) throws IOException {
        Path file = dir.resolve("routes.yaml");
        try (BufferedWriter out = Files.newBufferedWriter(file)) {
            out.write("routes:\n");
            for (int i = 0; i < ROUTES; i++) {
                out.write("  - {id: r" + i + ", paths: [\"/api/v1/res" + i + "/{id}\"], methods: [GET], upstream: u"
                        + (i % 10) + (i == bad ? ", priority: high" : "") + "}\n");
            }
            out.write("upstreams:\n");
            for (int u = 0; u < 10; u++) {
                out.write("  - {id: u" + u + ", targets: [{url: \"http://127.0.0.1:9001\"}]}\n");
            }
        }
        return file;
    }
}
