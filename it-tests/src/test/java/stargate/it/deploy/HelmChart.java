package stargate.it.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The chart under {@code etc/helm/stargate}, rendered by the real Helm engine (helm-java: Helm 3 as a
 * native library) and parsed strictly into the fabric8 Kubernetes model: a kind the test does not
 * know, or a field the Kubernetes API does not have (fabric8 keeps those in
 * {@code additionalProperties}), fails the parse with its path.
 */
final class HelmChart {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Path CHART = ROOT.resolve("etc/helm/stargate");
    static final Path VALUE_SETS = ROOT.resolve("etc/helm/values");
    static final String RELEASE = "sg";
    static final String NAMESPACE = "gateway";

    /** apiVersion/kind the chart may render, and the model class each one parses into. */
    private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.ofEntries(
            Map.entry("v1/Service", io.fabric8.kubernetes.api.model.Service.class),
            Map.entry("v1/ConfigMap", io.fabric8.kubernetes.api.model.ConfigMap.class),
            Map.entry("v1/Secret", io.fabric8.kubernetes.api.model.Secret.class),
            Map.entry("v1/ServiceAccount", io.fabric8.kubernetes.api.model.ServiceAccount.class),
            Map.entry("apps/v1/Deployment", io.fabric8.kubernetes.api.model.apps.Deployment.class),
            Map.entry("apps/v1/StatefulSet", io.fabric8.kubernetes.api.model.apps.StatefulSet.class),
            Map.entry("autoscaling/v2/HorizontalPodAutoscaler",
                    io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler.class),
            Map.entry("policy/v1/PodDisruptionBudget", io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget.class),
            Map.entry("networking.k8s.io/v1/NetworkPolicy", io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy.class),
            Map.entry("monitoring.coreos.com/v1/ServiceMonitor", io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor.class),
            Map.entry("monitoring.coreos.com/v1/PodMonitor", io.fabric8.openshift.api.model.monitoring.v1.PodMonitor.class),
            Map.entry("monitoring.coreos.com/v1/PrometheusRule", io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule.class));

    private static final YAMLMapper YAML = new YAMLMapper();
    private static final JsonMapper MODEL = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    private HelmChart() {
    }

    /** {@code helm lint --strict} on the chart with its default values. */
    static LintResult lint() {
        return new Helm(CHART).lint().strict().call();
    }

    /** {@code helm template sg etc/helm/stargate -n gateway -f <each file> --set k=v...}: the YAML stream. */
    static String template(List<Path> valuesFiles, Map<String, ?> set) {
        var command = new Helm(CHART).template().withName(RELEASE).withNamespace(NAMESPACE);
        valuesFiles.forEach(command::withValuesFile);
        set.forEach(command::set);
        return command.call();
    }

    /** Renders and parses strictly. */
    static Manifests render(List<Path> valuesFiles, Map<String, ?> set) {
        return parse(template(valuesFiles, set));
    }

    /** A value set of etc/helm/values, e.g. {@code standalone}. */
    static Path valueSet(String name) {
        Path file = VALUE_SETS.resolve(name + ".yaml");
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + " is missing");
        }
        return file;
    }

    /** Writes {@code yaml} to a temporary values file. */
    static Path valuesFile(Path dir, String name, String yaml) {
        try {
            return Files.writeString(dir.resolve(name + ".yaml"), yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Manifests parse(String stream) {
        List<HasMetadata> objects = new ArrayList<>();
        try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(stream)) {
            while (docs.hasNext()) {
                JsonNode doc = docs.next();
                if (doc == null || doc.isNull() || doc.isMissingNode() || doc.isEmpty()) {
                    continue;
                }
                String type = doc.path("apiVersion").asText() + "/" + doc.path("kind").asText();
                Class<? extends HasMetadata> model = KINDS.get(type);
                if (model == null) {
                    throw new AssertionError("the chart renders " + type + ", which the test does not know:\n" + doc);
                }
                HasMetadata object = MODEL.readValue(doc.toString(), model);
                String where = type + " " + object.getMetadata().getName();
                List<String> unknown = new ArrayList<>();
                unknownFields(object, where, unknown, Collections.newSetFromMap(new IdentityHashMap<>()));
                if (!unknown.isEmpty()) {
                    throw new AssertionError("fields the Kubernetes API does not have: " + unknown);
                }
                objects.add(object);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Manifests(objects);
    }

    /** Collects the {@code additionalProperties} fabric8 filled anywhere in the tree (= unknown fields). */
    private static void unknownFields(Object value, String path, List<String> found, Set<Object> seen) {
        if (value == null || !seen.add(value)) {
            return;
        }
        if (value instanceof Collection<?> list) {
            int i = 0;
            for (Object item : list) {
                unknownFields(item, path + "[" + i++ + "]", found, seen);
            }
            return;
        }
        if (value instanceof Map<?, ?> map) {
            map.forEach((k, v) -> unknownFields(v, path + "." + k, found, seen));
            return;
        }
        if (!value.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Method getter : value.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers())
                    || !getter.getName().startsWith("get") || getter.getName().equals("getClass")) {
                continue;
            }
            Object child;
            try {
                child = getter.invoke(value);
            } catch (ReflectiveOperationException | RuntimeException e) {
                continue;
            }
            if (getter.getName().equals("getAdditionalProperties")) {
                if (child instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    found.add(path + " " + extra.keySet());
                }
                continue;
            }
            String field = getter.getName().substring(3);
            unknownFields(child, path + "." + Character.toLowerCase(field.charAt(0)) + field.substring(1), found, seen);
        }
    }
}
