package stargate.model.plugin;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * {@code ip-restriction}: allow or deny clients by address. A client in a {@code deny} range is
 * refused; otherwise, when {@code allow} is set, only clients in an {@code allow} range pass.
 * Ranges are parsed by {@link Cidr} (strict; host bits set are an error).
 *
 * @param allow IPv4/IPv6 ranges or addresses; empty = every address not denied
 * @param deny  IPv4/IPv6 ranges or addresses; deny wins over allow. At least one of the two lists is set.
 */
public record IpRestrictionConfig(List<String> allow, List<String> deny) implements PluginConfig {
    public static final String NAME = "ip-restriction";

    public IpRestrictionConfig {
        allow = PluginConfigs.copy(allow, List.of());
        deny = PluginConfigs.copy(deny, List.of());
    }

    public static IpRestrictionConfig from(JsonNode config) {
        return PluginConfigs.read(config, IpRestrictionConfig.class);
    }

    /** {@link #allow()} parsed; call only on a checked config. */
    public List<Cidr> allowRanges() {
        return allow.stream().map(Cidr::parse).toList();
    }

    /** {@link #deny()} parsed; call only on a checked config. */
    public List<Cidr> denyRanges() {
        return deny.stream().map(Cidr::parse).toList();
    }

    @Override
    public void check(ConfigProblems problems) {
        if (allow.isEmpty() && deny.isEmpty()) {
            problems.add("", "set allow, deny or both: lists of ranges like 10.0.0.0/8 or 2001:db8::/32");
        }
        ranges(problems, "allow", allow);
        ranges(problems, "deny", deny);
    }

    private static void ranges(ConfigProblems problems, String key, List<String> ranges) {
        for (int i = 0; i < ranges.size(); i++) {
            try {
                Cidr.parse(ranges.get(i));
            } catch (IllegalArgumentException e) {
                problems.add(key + "[" + i + "]", e.getMessage());
            }
        }
    }

    /** Listed in {@code META-INF/services/stargate.model.validate.PluginSchema}. */
    public static final class Schema extends RecordPluginSchema<IpRestrictionConfig> {
        public Schema() {
            super(NAME, IpRestrictionConfig.class);
        }
    }
}
