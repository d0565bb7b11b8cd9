package stargate.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client that connects and closes without a byte (a load balancer's TCP health check, a port
 * scan) is nothing to log: before, each one left a WARNING with a stack trace, so a scan could
 * flood the log.
 */
class QuietCloseTest {
    @Test
    void connectionsClosedBeforeAByteLogNothing(@TempDir Path dir) throws Exception {
        List<LogRecord> warnings = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                    warnings.add(record);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger root = Logger.getLogger("");
        root.addHandler(capture);
        try (RunningNode node = RunningNode.start(dir, """
                routes:
                  - {id: r, paths: ["/*"], upstream: u}
                upstreams:
                  - id: u
                    targets: [{url: "http://127.0.0.1:9"}]
                """)) {
            for (int i = 0; i < 20; i++) {
                new Socket("127.0.0.1", node.node.port()).close();
            }
            // one served request after them: the listener still answers, and the closes were handled by then
            assertEquals(502, node.get("/x").statusCode());
            assertEquals(List.of(), warnings.stream().map(r -> r.getLoggerName() + ": " + r.getMessage()).toList());
        } finally {
            root.removeHandler(capture);
        }
    }
}
