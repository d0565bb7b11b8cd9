package stargate.model.rollout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import stargate.model.codec.Units;
import stargate.model.validate.ConfigError;
import stargate.model.validate.Validated;

/**
 * How a rollout picks its canaries and judges them (SPEC §22). Written as
 * {@code {canary_selector: {canary: "true"}, canary_percent: 10, bake: 2m, max_error_rate: 1%,
 * max_p99_increase: 50%, min_requests: 100}}; a key left out takes the default's value.
 *
 * @param canarySelector labels a node must carry (all of them) to be a canary candidate; empty = every node
 * @param canaryPercent  share of the candidates that become canaries, 1 to 100 (at least one node)
 * @param bake           how long canaries serve the change before it is promoted; 1s to 24h
 * @param maxErrorRate   how much the canaries' 5xx share may exceed the baseline's, 0 to 1 ({@code 1%} is 0.01)
 * @param maxP99Increase how much the canaries' p99 may exceed the baseline's, as a share of it ({@code 50%} is 0.5)
 * @param minRequests    canary requests needed before the change is judged at all; until then it keeps baking
 */
public record RolloutPolicy(Map<String, String> canarySelector, int canaryPercent, Duration bake, double maxErrorRate,
                            double maxP99Increase, long minRequests) {
    /** The built-in defaults, those of SPEC §22. */
    public static final RolloutPolicy DEFAULTS = new RolloutPolicy(Map.of("canary", "true"), 10, Duration.ofMinutes(2),
            0.01, 0.5, 100);
    /** Label keys and values, as for {@code --node-labels}: short, no separators, no spaces. */
    public static final Pattern LABEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/-]{0,62}");
    private static final Set<String> KEYS = Set.of("canary_selector", "canary_percent", "bake", "max_error_rate",
            "max_p99_increase", "min_requests");
    private static final Pattern PERCENT = Pattern.compile("(\\d{1,5}(?:\\.\\d{1,4})?)%");
    private static final Duration MAX_BAKE = Duration.ofHours(24);

    public RolloutPolicy {
        canarySelector = Map.copyOf(canarySelector);
    }

    /**
     * Reads a policy; each key it leaves out keeps {@code defaults}' value.
     *
     * @param path prefixed to error paths ({@code rollout_policy})
     * @return the policy, or every error with its path
     */
    public static Validated<RolloutPolicy> read(JsonNode tree, RolloutPolicy defaults, String path) {
        List<ConfigError> errors = new ArrayList<>();
        String at = path.isEmpty() ? "" : path + ".";
        if (tree == null || tree.isNull()) {
            return Validated.valid(defaults);
        }
        if (!tree.isObject()) {
            return Validated.invalid(List.of(new ConfigError(path, "expected an object like {\"bake\": \"2m\"}")));
        }
        for (Iterator<String> names = tree.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!KEYS.contains(name)) {
                errors.add(new ConfigError(at + name, "unknown key; expected one of " + new java.util.TreeSet<>(KEYS)));
            }
        }
        Map<String, String> selector = defaults.canarySelector();
        JsonNode s = tree.get("canary_selector");
        if (s != null) {
            if (!s.isObject()) {
                errors.add(new ConfigError(at + "canary_selector", "expected an object of labels, e.g. {\"canary\": \"true\"}"));
            } else {
                Map<String, String> read = new TreeMap<>();
                s.fields().forEachRemaining(e -> {
                    if (!LABEL.matcher(e.getKey()).matches()) {
                        errors.add(new ConfigError(at + "canary_selector." + e.getKey(), "not a label name " + LABEL));
                    } else if (!e.getValue().isTextual() || !LABEL.matcher(e.getValue().asText()).matches()) {
                        errors.add(new ConfigError(at + "canary_selector." + e.getKey(), "expected a label value " + LABEL
                                + " as a string, got " + e.getValue()));
                    } else {
                        read.put(e.getKey(), e.getValue().asText());
                    }
                });
                selector = read;
            }
        }
        int percent = defaults.canaryPercent();
        JsonNode p = tree.get("canary_percent");
        if (p != null) {
            if (!p.isIntegralNumber() || p.asInt() < 1 || p.asInt() > 100) {
                errors.add(new ConfigError(at + "canary_percent", "expected a whole number from 1 to 100, got " + p));
            } else {
                percent = p.asInt();
            }
        }
        Duration bake = defaults.bake();
        JsonNode b = tree.get("bake");
        if (b != null) {
            try {
                bake = Units.parseDuration(b.asText());
                if (!b.isTextual() || bake.compareTo(Duration.ofSeconds(1)) < 0 || bake.compareTo(MAX_BAKE) > 0) {
                    throw new IllegalArgumentException("expected a duration from 1s to 24h, got " + b);
                }
            } catch (IllegalArgumentException e) {
                errors.add(new ConfigError(at + "bake", e.getMessage()));
            }
        }
        double errorRate = share(tree, "max_error_rate", defaults.maxErrorRate(), 1.0, at, errors);
        double p99 = share(tree, "max_p99_increase", defaults.maxP99Increase(), 100.0, at, errors);
        long min = defaults.minRequests();
        JsonNode m = tree.get("min_requests");
        if (m != null) {
            if (!m.isIntegralNumber() || m.asLong() < 1 || m.asLong() > 1_000_000_000L) {
                errors.add(new ConfigError(at + "min_requests", "expected a whole number from 1, got " + m));
            } else {
                min = m.asLong();
            }
        }
        return errors.isEmpty() ? Validated.valid(new RolloutPolicy(selector, percent, bake, errorRate, p99, min))
                : Validated.invalid(errors);
    }

    /** A share written {@code 1%} (or {@code 0.01}), at most {@code max}. */
    private static double share(JsonNode tree, String key, double fallback, double max, String at, List<ConfigError> errors) {
        JsonNode v = tree.get(key);
        if (v == null) {
            return fallback;
        }
        double value = -1;
        if (v.isNumber()) {
            value = v.asDouble();
        } else if (v.isTextual() && PERCENT.matcher(v.asText()).matches()) {
            value = Double.parseDouble(v.asText().substring(0, v.asText().length() - 1)) / 100;
        }
        if (!(value >= 0 && value <= max)) {
            errors.add(new ConfigError(at + key, "expected a percentage like \"1%\" (or a fraction like 0.01) from 0% to "
                    + Math.round(max * 100) + "%, got " + v));
            return fallback;
        }
        return value;
    }

    /** Whether a node with {@code labels} is a canary candidate. */
    public boolean selects(Map<String, String> labels) {
        for (Map.Entry<String, String> e : canarySelector.entrySet()) {
            if (!e.getValue().equals(labels.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    /** The policy as written ({@link #read} reads it back). */
    public ObjectNode toTree() {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        ObjectNode selector = out.putObject("canary_selector");
        new TreeMap<>(canarySelector).forEach(selector::put);
        out.put("canary_percent", canaryPercent);
        out.put("bake", Units.formatDuration(bake));
        out.put("max_error_rate", percent(maxErrorRate));
        out.put("max_p99_increase", percent(maxP99Increase));
        out.put("min_requests", minRequests);
        return out;
    }

    private static String percent(double share) {
        String text = String.format(Locale.ROOT, "%.4f", share * 100).replaceAll("0+$", "").replaceAll("\\.$", "");
        return text + "%";
    }

    /** Reads {@code k=v[,k=v]} (the {@code --node-labels} flag). @throws IllegalArgumentException naming the bad pair */
    public static Map<String, String> parseLabels(String text) {
        Map<String, String> labels = new LinkedHashMap<>();
        if (text == null || text.isBlank()) {
            return labels;
        }
        for (String pair : text.split(",", -1)) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq).trim();
            String value = eq < 0 ? "" : pair.substring(eq + 1).trim();
            if (eq < 0 || !LABEL.matcher(key).matches() || !LABEL.matcher(value).matches()) {
                throw new IllegalArgumentException("expected labels as k=v[,k=v] with keys and values matching " + LABEL
                        + ", got \"" + pair + "\"");
            }
            if (labels.put(key, value) != null) {
                throw new IllegalArgumentException("label \"" + key + "\" given twice");
            }
        }
        return labels;
    }
}
