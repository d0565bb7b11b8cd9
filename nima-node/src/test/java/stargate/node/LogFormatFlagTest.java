package stargate.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import stargate.model.telemetry.LogFormat;

/** {@code --log-format text|json} (the output itself: it-tests' JsonLogsTest, on a node process). */
class LogFormatFlagTest {
    private static final List<String> CONFIG = List.of("--config", "stargate.yaml");

    @Test
    void textByDefaultJsonFromTheFlagOrItsVariable() {
        assertEquals(LogFormat.TEXT, NodeOptions.parse(CONFIG, Map.of()).logFormat());
        assertEquals(LogFormat.JSON, NodeOptions.parse(List.of("--config", "stargate.yaml", "--log-format", "json"),
                Map.of()).logFormat());
        assertEquals(LogFormat.JSON, NodeOptions.parse(CONFIG, Map.of("STARGATE_LOG_FORMAT", "json")).logFormat());
        assertEquals(LogFormat.TEXT, NodeOptions.parse(List.of("--config", "stargate.yaml", "--log-format=text"),
                Map.of("STARGATE_LOG_FORMAT", "json")).logFormat(), "the flag wins");
    }

    @Test
    void anyOtherValueIsRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NodeOptions.parse(List.of("--config", "stargate.yaml", "--log-format", "JSON-lines"), Map.of()));
        assertEquals("--log-format must be text or json, got \"JSON-lines\"", e.getMessage());
    }
}
