package stargate.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeLabelsFlagTest {
    private static NodeOptions parse(String... flags) {
        return NodeOptions.parse(List.of(flags), Map.of());
    }

    @Test
    void labelsComeFromTheFlagOrItsVariable() {
        assertEquals(Map.of("canary", "true", "zone", "eu-1"),
                parse("--etcd", "http://127.0.0.1:2379", "--node-labels", "canary=true,zone=eu-1").nodeLabels());
        assertEquals(Map.of("canary", "true"), NodeOptions.parse(List.of("--etcd", "http://127.0.0.1:2379"),
                Map.of("STARGATE_NODE_LABELS", "canary=true")).nodeLabels());
        assertEquals(Map.of(), parse("--etcd", "http://127.0.0.1:2379").nodeLabels());
    }

    @Test
    void aBadLabelIsRefusedByName() {
        for (String bad : List.of("canary", "canary=", "a=b,a=c", "zone=eu 1", "k=\"v\"")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> parse("--etcd", "http://127.0.0.1:2379", "--node-labels", bad));
            assertTrue(e.getMessage().startsWith("--node-labels: "), e.getMessage());
        }
        IllegalArgumentException standalone = assertThrows(IllegalArgumentException.class,
                () -> parse("--config", "stargate.yaml", "--node-labels", "canary=true"));
        assertTrue(standalone.getMessage().startsWith("--node-labels needs --etcd"), standalone.getMessage());
    }
}
