package stargate.node.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RouteMetricsTest {
    /** Each standard method finds its own label; anything else (a client's invention, lower case) is OTHER. */
    @Test
    void methodsMapToTheirLabelsAndTheRestToOther() {
        for (int i = 0; i < RouteMetrics.METHODS.size(); i++) {
            String label = RouteMetrics.METHODS.get(i);
            assertEquals(i, RouteMetrics.methodIndex(label), label);
        }
        int other = RouteMetrics.METHODS.indexOf("OTHER");
        for (String odd : new String[] {"get", "PROPFIND", "", "GET "}) {
            assertEquals(other, RouteMetrics.methodIndex(odd), odd);
        }
    }
}
