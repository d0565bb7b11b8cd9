package stargate.it.deploy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The objects one {@code helm template} rendered, with the look-ups the tests need. */
record Manifests(List<HasMetadata> objects) {

    <T extends HasMetadata> List<T> all(Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    <T extends HasMetadata> Optional<T> find(Class<T> type, String name) {
        return all(type).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst();
    }

    <T extends HasMetadata> T get(Class<T> type, String name) {
        return find(type, name).orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name
                + " among " + objects.stream().map(o -> o.getKind() + "/" + o.getMetadata().getName()).toList()));
    }

    /** Every pod template: Deployments and StatefulSets, by name. */
    Map<String, PodTemplateSpec> podTemplates() {
        Map<String, PodTemplateSpec> templates = new LinkedHashMap<>();
        all(Deployment.class).forEach(d -> templates.put("Deployment/" + d.getMetadata().getName(), d.getSpec().getTemplate()));
        all(StatefulSet.class).forEach(s -> templates.put("StatefulSet/" + s.getMetadata().getName(), s.getSpec().getTemplate()));
        return templates;
    }

    /** Whether some pod template's labels include every one of {@code selector}. */
    boolean selectsSomePod(Map<String, String> selector) {
        return selector != null && !selector.isEmpty() && podTemplates().values().stream()
                .anyMatch(t -> t.getMetadata().getLabels().entrySet().containsAll(selector.entrySet()));
    }

    static Container container(Deployment deployment, String name) {
        return deployment.getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(c -> c.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no container " + name + " in " + deployment.getMetadata().getName()));
    }

    /** The value of {@code --name=value} among a container's args, or null. */
    static String flag(Container container, String name) {
        return container.getArgs().stream().filter(a -> a.startsWith("--" + name + "="))
                .map(a -> a.substring(name.length() + 3)).findFirst().orElse(null);
    }

    /** A probe's port: a number, or a named container port resolved to its number. */
    static int probePort(Container container, Probe probe) {
        IntOrString port = probe.getHttpGet().getPort();
        if (port.getIntVal() != null) {
            return port.getIntVal();
        }
        return container.getPorts().stream().filter(p -> port.getStrVal().equals(p.getName()))
                .map(ContainerPort::getContainerPort).findFirst()
                .orElseThrow(() -> new AssertionError("probe port " + port.getStrVal() + " is not a port of " + container.getName()));
    }

    /**
     * The content a container sees at {@code file}: the ConfigMap or Secret key (or projected item)
     * of the volume mounted over it, looked up among the rendered objects; null when no mount covers
     * the path, or the volume names an object the chart did not render.
     */
    String mountedContent(PodTemplateSpec pod, Container container, String file) {
        for (VolumeMount mount : container.getVolumeMounts()) {
            String dir = mount.getMountPath().endsWith("/") ? mount.getMountPath() : mount.getMountPath() + "/";
            if (!file.startsWith(dir)) {
                continue;
            }
            String relative = file.substring(dir.length());
            Volume volume = pod.getSpec().getVolumes().stream().filter(v -> v.getName().equals(mount.getName()))
                    .findFirst().orElseThrow(() -> new AssertionError("mount " + mount.getName() + " has no volume"));
            if (volume.getSecret() != null) {
                String key = itemKey(volume.getSecret().getItems(), relative);
                Secret secret = find(Secret.class, volume.getSecret().getSecretName()).orElse(null);
                if (key == null || secret == null) {
                    return null;
                }
                if (secret.getStringData() != null && secret.getStringData().containsKey(key)) {
                    return secret.getStringData().get(key);
                }
                String data = secret.getData() == null ? null : secret.getData().get(key);
                return data == null ? null : new String(Base64.getDecoder().decode(data), StandardCharsets.UTF_8);
            }
            if (volume.getConfigMap() != null) {
                String key = itemKey(volume.getConfigMap().getItems(), relative);
                ConfigMap map = find(ConfigMap.class, volume.getConfigMap().getName()).orElse(null);
                return key == null || map == null || map.getData() == null ? null : map.getData().get(key);
            }
        }
        return null;
    }

    /** The key projected at {@code path}: from the items list, or the path itself when there is none. */
    private static String itemKey(List<io.fabric8.kubernetes.api.model.KeyToPath> items, String path) {
        if (items == null || items.isEmpty()) {
            return path;
        }
        return items.stream().filter(i -> i.getPath().equals(path)).map(io.fabric8.kubernetes.api.model.KeyToPath::getKey)
                .findFirst().orElse(null);
    }
}
