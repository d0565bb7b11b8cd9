package stargate.node.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import stargate.model.GatewayConfig;
import stargate.model.codec.ConfigCodec;

class LastGoodCacheTest {
    private static final GatewayConfig CONFIG = ConfigCodec.readConfig("""
            routes:
              - {id: r, paths: ["/x"], upstream: u}
            upstreams:
              - {id: u, targets: [{url: "http://127.0.0.1:9000"}]}
            consumers:
              - {id: c, key_auth: {key: "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}}
            """, ConfigCodec.Format.YAML).orElseThrow();

    @Test
    void aSavedConfigLoadsBackWithItsRevisionFromAnOwnerOnlyFileAndNoTempFilesLeft(@TempDir Path dir) throws Exception {
        try (LastGoodCache cache = new LastGoodCache(dir.resolve("cache"))) {
            cache.save(GatewayConfig.EMPTY, 3);
            cache.save(CONFIG, 7);
        }

        LastGoodCache.Entry loaded = new LastGoodCache(dir.resolve("cache")).load().orElseThrow();

        assertEquals(CONFIG, loaded.config());
        assertEquals(7, loaded.revision());
        Path file = dir.resolve("cache").resolve(LastGoodCache.FILE_NAME);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        try (var files = Files.list(dir.resolve("cache"))) {
            assertEquals(List.of(file), files.toList());
        }
    }

    @Test
    void aMissingOrCorruptCacheIsNoCache(@TempDir Path dir) throws Exception {
        LastGoodCache cache = new LastGoodCache(dir);
        assertTrue(cache.load().isEmpty());

        Files.writeString(dir.resolve(LastGoodCache.FILE_NAME), "{\"revision\": 4, \"config\": {\"routes\": 12}}");
        assertTrue(cache.load().isEmpty());

        Files.writeString(dir.resolve(LastGoodCache.FILE_NAME), "{trunc");
        assertTrue(cache.load().isEmpty());
    }
}
