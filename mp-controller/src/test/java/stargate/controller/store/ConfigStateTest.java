package stargate.controller.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import stargate.model.Consumer;
import stargate.model.Kind;
import stargate.model.Route;
import stargate.model.codec.ConfigCodec;
import stargate.model.routing.Shadowing;

/** The indexes follow puts and removals through one holder, several, and none. */
class ConfigStateTest {
    private static final Meta META = new Meta(Instant.EPOCH, Instant.EPOCH, "test", "api", null);

    @Test
    void referrersAndLeavesFollowOneThenTwoThenOneThenNoHolder() {
        ConfigState state = ConfigState.of(new Snapshot(1, 1, 1, Map.of()));
        state.put(route("a", "/a"));
        assertEquals(Set.of("routes/a"), state.referrers("u"));
        state.put(route("b", "/a"));
        assertEquals(Set.of("routes/a", "routes/b"), state.referrers("u"));
        assertEquals(Set.of("a", "b"), state.routesSharing(leaves("/a")));
        state.put(route("a", "/other")); // a moves: the leaf keeps b alone, the upstream both
        assertEquals(Set.of("b"), state.routesSharing(leaves("/a")));
        assertEquals(Set.of("a"), state.routesSharing(leaves("/other")));
        state.remove(Kind.ROUTE, "b");
        assertEquals(Set.of(), state.routesSharing(leaves("/a")));
        assertEquals(Set.of("routes/a"), state.referrers("u"));
        state.remove(Kind.ROUTE, "a");
        assertEquals(Set.of(), state.referrers("u"));
        state.put(route("a", "/a"));
        assertEquals(Set.of("routes/a"), state.referrers("u"));
    }

    @Test
    void aSharedKeyListsEveryHolder() {
        ConfigState state = ConfigState.of(new Snapshot(1, 1, 1, Map.of()));
        state.put(consumer("x", "sha256:k"));
        state.put(consumer("y", "sha256:k"));
        state.put(consumer("x", "sha256:k")); // the same holder again: still two
        assertEquals(Set.of("x", "y"), state.apiKeyHolders("sha256:k"));
        state.remove(Kind.CONSUMER, "x");
        assertEquals(Set.of("y"), state.apiKeyHolders("sha256:k"));
        state.remove(Kind.CONSUMER, "y");
        assertEquals(Set.of(), state.apiKeyHolders("sha256:k"));
    }

    private static Set<String> leaves(String path) {
        return Shadowing.leaves((Route) route("l", path).value());
    }

    private static StoredObject route(String id, String path) {
        Object route = ConfigCodec.readObject(Kind.ROUTE, "{\"id\":\"" + id + "\",\"paths\":[\"" + path
                + "\"],\"upstream\":\"u\"}").orElseThrow();
        return new StoredObject(Kind.ROUTE, id, route, META, 1);
    }

    private static StoredObject consumer(String id, String key) {
        return new StoredObject(Kind.CONSUMER, id, new Consumer(id, new Consumer.KeyAuth(key), null, null, null), META, 1);
    }
}
