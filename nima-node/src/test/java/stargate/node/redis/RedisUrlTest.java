package stargate.node.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The {@code --redis} flag (SPEC §15): the three forms, and refusals that never echo a password. */
class RedisUrlTest {
    @Test
    void readsTheStandaloneForm() {
        RedisUrl url = RedisUrl.parse("redis://app:s%40cret@127.0.0.1:6380/2");
        assertFalse(url.tls());
        assertFalse(url.sentinel());
        assertEquals(List.of(new RedisUrl.Host("127.0.0.1", 6380)), url.hosts());
        assertEquals("app", url.user());
        assertEquals("s@cret", url.password());
        assertEquals(2, url.database());
        assertEquals("redis://app:***@127.0.0.1:6380/2", url.toString(), "the password is never shown");
    }

    @Test
    void readsDefaultsTlsAndIpv6() {
        RedisUrl url = RedisUrl.parse("rediss://[::1]");
        assertTrue(url.tls());
        assertEquals(List.of(new RedisUrl.Host("::1", 6379)), url.hosts());
        assertNull(url.user());
        assertNull(url.password());
        assertEquals(0, url.database());
        assertEquals("s3", RedisUrl.parse("redis://:s3@h:1").password(), "redis-cli's form: no user");
    }

    @Test
    void readsSentinels() {
        RedisUrl url = RedisUrl.parse("redis-sentinel://10.0.0.1:26379,10.0.0.2/mymaster");
        assertTrue(url.sentinel());
        assertEquals("mymaster", url.master());
        assertEquals(List.of(new RedisUrl.Host("10.0.0.1", 26379), new RedisUrl.Host("10.0.0.2", 26379)), url.hosts());
    }

    @ParameterizedTest
    @ValueSource(strings = {"localhost:6379", "http://h:1", "redis://h:0", "redis://h:70000", "redis://h:x",
            "redis://:6379", "redis://h/x", "redis://h/-1", "redis://a,b", "redis://h?timeout=1",
            "redis-sentinel://h:26379", "redis-sentinel://h/a/b", "redis://[::1:6379"})
    void refusesWhatItCannotMeanClearly(String raw) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RedisUrl.parse(raw));
        assertTrue(e.getMessage().startsWith("--redis ") && e.getMessage().contains("expected redis://"), e.getMessage());
    }

    @Test
    void anErrorNeverEchoesThePassword() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RedisUrl.parse("redis://u:hunter2@h:99999"));
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> RedisUrl.parse("redis://hunter2@h/x"));
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    }
}
