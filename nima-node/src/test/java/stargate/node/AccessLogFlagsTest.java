package stargate.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import stargate.node.observe.AccessLogOptions;

/** The {@code --access-log-*} flags (SPEC §23) and their environment variables; no socket. */
class AccessLogFlagsTest {
    private static AccessLogOptions parse(Map<String, String> env, String... flags) {
        List<String> args = new ArrayList<>(List.of("--config", "x.yaml"));
        args.addAll(List.of(flags));
        return NodeOptions.parse(args, env).accessLog();
    }

    @Test
    void defaultsAreStdoutUnrotatedUnsampled() {
        assertEquals(new AccessLogOptions("stdout", 0, 10, false, 1), parse(Map.of()));
    }

    @Test
    void everyFlagIsParsed() {
        assertEquals(new AccessLogOptions("/var/log/a.log", 100L << 20, 3, true, 0.1),
                parse(Map.of(), "--access-log", "/var/log/a.log", "--access-log-max-size", "100MiB",
                        "--access-log-keep", "3", "--access-log-compress", "gzip", "--access-log-sample=0.1"));
    }

    @Test
    void environmentVariablesWorkAndFlagsWin() {
        Map<String, String> env = Map.of("STARGATE_ACCESS_LOG", "/tmp/a.log", "STARGATE_ACCESS_LOG_MAX_SIZE", "1GiB",
                "STARGATE_ACCESS_LOG_KEEP", "4", "STARGATE_ACCESS_LOG_COMPRESS", "gzip",
                "STARGATE_ACCESS_LOG_SAMPLE", "0.5");
        assertEquals(new AccessLogOptions("/tmp/a.log", 1L << 30, 4, true, 0.5), parse(env));
        assertEquals(7, parse(env, "--access-log-keep", "7").keep());
    }

    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of(List.of("--access-log-max-size", "100MB", "--access-log", "/tmp/a"), "--access-log-max-size"),
                Arguments.of(List.of("--access-log-max-size", "1MiB"), "needs --access-log FILE"),
                Arguments.of(List.of("--access-log-keep", "-1"), "--access-log-keep"),
                Arguments.of(List.of("--access-log-compress", "zstd"), "gzip or none"),
                Arguments.of(List.of("--access-log-sample", "1.5"), "between 0 and 1"),
                Arguments.of(List.of("--access-log-sample", "ten%"), "between 0 and 1"),
                Arguments.of(List.of("--access-log-sample", "NaN"), "between 0 and 1"));
    }

    @ParameterizedTest
    @MethodSource("refused")
    void badValuesAreRefusedNamingTheFlag(List<String> flags, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> parse(Map.of(), flags.toArray(String[]::new)));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }
}
