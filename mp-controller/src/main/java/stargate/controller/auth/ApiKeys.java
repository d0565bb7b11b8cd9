package stargate.controller.auth;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import stargate.model.secret.SecretHash;

/**
 * The API keys file ({@code --api-keys}): a YAML list of {@code {name, key_sha256, role}}, where
 * {@code key_sha256} is the hex SHA-256 of the key ({@code printf %s KEY | sha256sum}), optionally
 * written {@code sha256:<hex>}. The file never holds a key itself. Lookup is one hash and one map
 * probe on the hash: timing reveals nothing about the key's bytes, as the caller cannot steer its hash.
 */
final class ApiKeys {
    /** One entry of the file. */
    record Entry(String name, String key_sha256, String role) {
    }

    private static final ObjectMapper YAML = YAMLMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
    private final Map<String, Caller> byHash;

    private ApiKeys(Map<String, Caller> byHash) {
        this.byHash = byHash;
    }

    /** @throws IllegalArgumentException naming the file and the bad entry */
    static ApiKeys load(Path file) {
        List<Entry> entries;
        try {
            entries = YAML.readValue(Files.readString(file), new TypeReference<List<Entry>>() { });
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the API keys file " + file + ": " + e.getMessage(), e);
        }
        Map<String, Caller> byHash = new HashMap<>();
        for (int i = 0; entries != null && i < entries.size(); i++) {
            Entry e = entries.get(i);
            String where = file + "[" + i + "]";
            Role role = Role.named(e.role());
            String hex = e.key_sha256() == null ? "" : e.key_sha256().toLowerCase(Locale.ROOT).replaceFirst("^sha256:", "");
            if (e.name() == null || e.name().isBlank() || role == null || !hex.matches("[0-9a-f]{64}")) {
                throw new IllegalArgumentException(where + ": expected {name, key_sha256: <64 hex digits>, role: admin|viewer}");
            }
            if (byHash.put(hex, new Caller(e.name(), role)) != null) {
                throw new IllegalArgumentException(where + ": the same key is listed twice");
            }
        }
        return new ApiKeys(byHash);
    }

    /** @return the caller of a presented key, or null when it is not listed */
    Caller find(String key) {
        String hex = SecretHash.hashApiKey(key).substring(SecretHash.API_KEY_PREFIX.length());
        return byHash.get(hex);
    }
}
