package stargate.node.balancer;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.IntStream;

import stargate.model.BalancerKind;
import stargate.model.Upstream;

/** Upstreams, requests and counting shared by the balancer tests. Targets are their urls. */
final class Fixtures {
    private Fixtures() {
    }

    /** A request as the node would adapt it. */
    record Request(String clientIp, String path, Map<String, String> headers, Map<String, String> cookies)
            implements PickContext {
        static final Request NONE = new Request(null, null, Map.of(), Map.of());

        static Request fromIp(String ip) {
            return new Request(ip, "/", Map.of(), Map.of());
        }

        static Request withHeader(String ip, String lowerCaseName, String value) {
            return new Request(ip, "/", Map.of(lowerCaseName, value), Map.of());
        }

        @Override
        public String header(String lowerCaseName) {
            return headers.get(lowerCaseName);
        }

        @Override
        public String cookie(String name) {
            return cookies.get(name);
        }
    }

    static String url(int index) {
        return "http://10.0." + index / 250 + "." + (index % 250 + 1) + ":8080";
    }

    /** Distinct, IPv4 and IPv6 alternately, the way Java prints addresses. */
    static String clientIp(int index) {
        return index % 2 == 0
                ? "192.168." + (index >> 8 & 0xff) + "." + (index & 0xff)
                : "2001:db8:0:0:0:0:" + Integer.toHexString(index >> 16) + ":" + Integer.toHexString(index & 0xffff);
    }

    static Upstream upstream(BalancerKind kind, String hashOn, List<String> urls, int... weights) {
        List<Upstream.Target> targets = IntStream.range(0, urls.size())
                .mapToObj(i -> new Upstream.Target(urls.get(i), weights.length == 0 ? null : weights[i]))
                .toList();
        return new Upstream("svc", kind, hashOn, targets, null, null, null, null);
    }

    static Upstream upstream(BalancerKind kind, int... weights) {
        return upstream(kind, "header:x-user-id", urls(weights.length), weights);
    }

    static Upstream evenUpstream(BalancerKind kind, int size) {
        return upstream(kind, "header:x-user-id", urls(size));
    }

    static List<String> urls(int size) {
        return IntStream.range(0, size).mapToObj(Fixtures::url).toList();
    }

    static Balancer<String> balancer(Upstream upstream) {
        return Balancer.create(upstream, upstream.targets().stream().map(Upstream.Target::url).toList());
    }

    /** The target picked for a request, or null; the pick is closed at once. */
    static String pickOnce(Balancer<String> balancer, PickContext request, Predicate<String> eligible) {
        try (Balancer.Pick<String> pick = balancer.pick(request, eligible)) {
            return pick == null ? null : pick.target();
        }
    }

    static String pickOnce(Balancer<String> balancer, PickContext request) {
        return pickOnce(balancer, request, target -> true);
    }

    /** Request {@code i} of a stream of distinct clients and keys, for the hashing balancers. */
    static Request distinctClient(int index) {
        return Request.withHeader(clientIp(index), "x-user-id", "user-" + index);
    }

    static Map<String, Integer> count(Balancer<String> balancer, int picks, Predicate<String> eligible) {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < picks; i++) {
            String target = pickOnce(balancer, distinctClient(i), eligible);
            counts.merge(String.valueOf(target), 1, Integer::sum);
        }
        return counts;
    }
}
