package stargate.it.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.PodMonitor;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import stargate.model.codec.ConfigCodec;
import stargate.model.validate.ConfigValidator;

/**
 * {@code helm lint} and {@code helm template} of etc/helm/stargate with the real Helm engine, for
 * the default values and each value set of etc/helm/values; every rendered object parsed strictly
 * into the Kubernetes model, then checked for what a cluster needs: probes on the real admin
 * endpoints, grace period over the drain, selectors that match, Secrets and ConfigMaps mounted where
 * the flags read them, and the security context.
 */
class HelmChartTest {
    private static final String NODE = HelmChart.RELEASE + "-stargate-node";
    private static final String CONTROLLER = HelmChart.RELEASE + "-stargate-controller";
    private static final String ETCD = HelmChart.RELEASE + "-stargate-etcd";
    /** Flags whose value is a file the process reads. */
    private static final List<String> FILE_FLAGS = List.of("config", "api-keys", "jwt-public-key", "git-token-file",
            "git-secret-file");

    @Test
    void lintsStrictly() {
        LintResult result = HelmChart.lint();
        assertFalse(result.isFailed(), String.join("\n", result.getMessages()));
    }

    static Stream<Arguments> valueSets() {
        return Stream.of(Arguments.of("default"), Arguments.of("standalone"), Arguments.of("etcd-incluster"),
                Arguments.of("external-etcd"), Arguments.of("hpa"), Arguments.of("networkpolicy"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valueSets")
    void everyValueSetRendersWhatAClusterNeeds(String set) {
        Manifests m = HelmChart.render(set.equals("default") ? List.of() : List.of(HelmChart.valueSet(set)), Map.of());
        selectorsMatchPods(m);
        podsAreLockedDown(m);
        nodeIsDeployable(m);
        if (m.find(Deployment.class, CONTROLLER).isPresent()) {
            controllerIsDeployable(m);
        }
        filesAreMountedWhereFlagsReadThem(m);
    }

    @Test
    void defaultsAreEtcdInChartWithTheControllerAndAGeneratedAdminKey() throws Exception {
        Manifests m = HelmChart.render(List.of(), Map.of());
        StatefulSet etcd = m.get(StatefulSet.class, ETCD);
        assertEquals(3, etcd.getSpec().getReplicas());
        assertEquals("Parallel", etcd.getSpec().getPodManagementPolicy());
        assertEquals(ETCD + "-headless", etcd.getSpec().getServiceName());
        assertTrue(m.get(Service.class, ETCD + "-headless").getSpec().getPublishNotReadyAddresses());
        String members = "http://" + ETCD + "-0." + ETCD + "-headless.gateway.svc:2379,http://" + ETCD + "-1." + ETCD
                + "-headless.gateway.svc:2379,http://" + ETCD + "-2." + ETCD + "-headless.gateway.svc:2379";
        assertEquals(members, Manifests.flag(Manifests.container(m.get(Deployment.class, NODE), "node"), "etcd"));
        assertEquals(members, Manifests.flag(Manifests.container(m.get(Deployment.class, CONTROLLER), "controller"), "etcd"));
        // etcd's own probes, and the member list every member is started with
        Container member = etcd.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertEquals("/readyz", member.getReadinessProbe().getHttpGet().getPath());
        assertEquals("/livez", member.getLivenessProbe().getHttpGet().getPath());
        assertTrue(member.getArgs().contains("--initial-cluster=" + ETCD + "-0=http://" + ETCD + "-0." + ETCD
                + "-headless.gateway.svc:2380," + ETCD + "-1=http://" + ETCD + "-1." + ETCD + "-headless.gateway.svc:2380,"
                + ETCD + "-2=http://" + ETCD + "-2." + ETCD + "-headless.gateway.svc:2380"), member.getArgs().toString());
        assertEquals(1, etcd.getSpec().getVolumeClaimTemplates().size());

        // the generated key: the Secret holds it, and the mounted keys file holds its SHA-256 only
        Secret auth = m.get(Secret.class, HelmChart.RELEASE + "-stargate-controller-auth");
        String key = new String(java.util.Base64.getDecoder().decode(auth.getData().get("admin-key")), StandardCharsets.UTF_8);
        assertEquals(40, key.length());
        JsonNode keys = new YAMLMapper().readTree(java.util.Base64.getDecoder().decode(auth.getData().get("api-keys.yaml")));
        assertEquals("admin", keys.get(0).get("name").asText());
        assertEquals("admin", keys.get(0).get("role").asText());
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8))),
                keys.get(0).get("key_sha256").asText());
        assertFalse(keys.toString().contains(key), "the keys file never holds the key itself");

        assertTrue(m.all(HorizontalPodAutoscaler.class).isEmpty());
        assertTrue(m.all(NetworkPolicy.class).isEmpty());
        assertTrue(m.all(ServiceMonitor.class).isEmpty() && m.all(PodMonitor.class).isEmpty()
                && m.all(PrometheusRule.class).isEmpty(), "no CRD objects unless asked for");
        assertEquals(2, m.get(Deployment.class, NODE).getSpec().getReplicas());
    }

    @Test
    void standaloneServesAValidConfigFromAConfigMapWithoutEtcdOrController() {
        Manifests m = HelmChart.render(List.of(HelmChart.valueSet("standalone")), Map.of());
        assertTrue(m.all(StatefulSet.class).isEmpty(), "no etcd");
        assertTrue(m.find(Deployment.class, CONTROLLER).isEmpty(), "no controller");
        assertTrue(m.all(Secret.class).isEmpty(), "no controller secrets");
        Container node = Manifests.container(m.get(Deployment.class, NODE), "node");
        assertNull(Manifests.flag(node, "etcd"));
        assertEquals("/etc/stargate/config/stargate.yaml", Manifests.flag(node, "config"));
        assertEquals("/var/cache/stargate/file", Manifests.flag(node, "cache-dir"), "the parse kept for a restart");
        assertTrue(node.getVolumeMounts().stream().anyMatch(v -> v.getMountPath().equals("/var/cache/stargate")));
        assertTrue(node.getVolumeMounts().stream().noneMatch(v -> v.getSubPath() != null),
                "a subPath mount never sees the ConfigMap's updates");
        String config = m.get(ConfigMap.class, NODE + "-config").getData().get("stargate.yaml");
        var checked = ConfigValidator.create().check(config, ConfigCodec.Format.YAML);
        assertTrue(checked.isValid(), "bin/stargate validate accepts the ConfigMap's config: " + checked.errors());
        assertEquals(1, checked.value().routes().size());
        // the chart's own default standalone config is valid too
        String empty = HelmChart.render(List.of(), Map.of("mode", "standalone")).get(ConfigMap.class, NODE + "-config")
                .getData().get("stargate.yaml");
        assertTrue(ConfigValidator.create().check(empty, ConfigCodec.Format.YAML).isValid(), empty);
    }

    @Test
    void etcdInChartWithJwtGitAndTwoControllers() {
        Manifests m = HelmChart.render(List.of(HelmChart.valueSet("etcd-incluster")), Map.of());
        Deployment controller = m.get(Deployment.class, CONTROLLER);
        assertEquals(2, controller.getSpec().getReplicas());
        m.get(PodDisruptionBudget.class, CONTROLLER);
        Container c = Manifests.container(controller, "controller");
        assertEquals("https://login.example.com/", Manifests.flag(c, "jwt-issuer"));
        assertNotNull(Manifests.flag(c, "api-keys"));
        assertEquals("/etc/stargate/git/token", Manifests.flag(c, "git-token-file"));
        assertEquals("/etc/stargate/git/webhook-secret", Manifests.flag(c, "git-secret-file"));
        assertEquals("fast-ssd", m.get(StatefulSet.class, ETCD).getSpec().getVolumeClaimTemplates().get(0).getSpec()
                .getStorageClassName());
        assertTrue(m.get(StatefulSet.class, ETCD).getSpec().getTemplate().getSpec().getContainers().get(0).getArgs()
                .contains("--quota-backend-bytes=4294967296"));
    }

    @Test
    void theGrpcAdminPortIsServedWithTlsFromASecretOrTurnedOff() {
        Manifests tls = HelmChart.render(List.of(), Map.of("controller.grpcTls.existingSecret", "admin-grpc-tls",
                "controller.service.grpcPort", "443"));
        Deployment deployment = tls.get(Deployment.class, CONTROLLER);
        Container c = Manifests.container(deployment, "controller");
        assertEquals("9090", Manifests.flag(c, "grpc-port"));
        assertEquals("/etc/stargate/grpc-tls/tls.crt", Manifests.flag(c, "grpc-tls-cert"));
        assertEquals("/etc/stargate/grpc-tls/tls.key", Manifests.flag(c, "grpc-tls-key"));
        var volume = deployment.getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getName().equals("grpc-tls")).findFirst().orElseThrow();
        assertEquals("admin-grpc-tls", volume.getSecret().getSecretName());
        assertTrue(c.getVolumeMounts().stream().anyMatch(v -> v.getName().equals("grpc-tls")
                && v.getMountPath().equals("/etc/stargate/grpc-tls") && Boolean.TRUE.equals(v.getReadOnly())));
        ServicePort port = tls.get(Service.class, CONTROLLER).getSpec().getPorts().get(1);
        assertEquals(List.of("grpc", 443, "grpc"), List.of(port.getName(), port.getPort(), port.getTargetPort().getStrVal()));
        controllerIsDeployable(tls);

        Manifests plain = HelmChart.render(List.of(), Map.of());
        assertNull(Manifests.flag(Manifests.container(plain.get(Deployment.class, CONTROLLER), "controller"), "grpc-tls-cert"));
        Manifests off = HelmChart.render(List.of(HelmChart.valueSet("networkpolicy")), Map.of("controller.grpcPort", "0"));
        Container offContainer = Manifests.container(off.get(Deployment.class, CONTROLLER), "controller");
        assertEquals("0", Manifests.flag(offContainer, "grpc-port"));
        assertTrue(offContainer.getPorts().stream().noneMatch(p -> p.getName().equals("grpc")));
        assertEquals(1, off.get(Service.class, CONTROLLER).getSpec().getPorts().size());
        assertTrue(off.get(NetworkPolicy.class, CONTROLLER).getSpec().getIngress().get(0).getPorts().stream()
                .noneMatch(p -> "grpc".equals(p.getPort().getStrVal())), "no rule for a port nobody serves");
        assertRefused("grpcTls needs controller.grpcPort", Map.of("controller.grpcPort", "0",
                "controller.grpcTls.existingSecret", "admin-grpc-tls"));
    }

    @Test
    void externalEtcdStartsNoEtcd() {
        Manifests m = HelmChart.render(List.of(HelmChart.valueSet("external-etcd")), Map.of());
        assertTrue(m.all(StatefulSet.class).isEmpty());
        String endpoints = "http://etcd-0.etcd.infra.svc:2379,http://etcd-1.etcd.infra.svc:2379,http://etcd-2.etcd.infra.svc:2379";
        for (String name : List.of(NODE, CONTROLLER)) {
            Container container = m.get(Deployment.class, name).getSpec().getTemplate().getSpec().getContainers().get(0);
            assertEquals(endpoints, Manifests.flag(container, "etcd"), name);
            assertEquals("/stargate-prod", Manifests.flag(container, "prefix"), name);
        }
    }

    @Test
    void hpaScalesTheNodeDeploymentOnCpu() {
        Manifests m = HelmChart.render(List.of(HelmChart.valueSet("hpa")), Map.of());
        HorizontalPodAutoscaler hpa = m.get(HorizontalPodAutoscaler.class, NODE);
        assertEquals("Deployment", hpa.getSpec().getScaleTargetRef().getKind());
        assertEquals(NODE, hpa.getSpec().getScaleTargetRef().getName());
        assertEquals(3, hpa.getSpec().getMinReplicas());
        assertEquals(20, hpa.getSpec().getMaxReplicas());
        assertEquals("cpu", hpa.getSpec().getMetrics().get(0).getResource().getName());
        assertEquals(60, hpa.getSpec().getMetrics().get(0).getResource().getTarget().getAverageUtilization());
        Deployment node = m.get(Deployment.class, NODE);
        assertNull(node.getSpec().getReplicas(), "the HPA owns the replica count");
        assertEquals("60s", Manifests.flag(Manifests.container(node, "node"), "drain-timeout"));
        assertTrue(node.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds() > 70);
    }

    @Test
    void networkPoliciesKeepTheAdminPortToScrapersAndEtcdToTheChart() {
        Manifests m = HelmChart.render(List.of(HelmChart.valueSet("networkpolicy")), Map.of());
        assertEquals(3, m.all(NetworkPolicy.class).size());
        NetworkPolicy node = m.get(NetworkPolicy.class, NODE);
        for (NetworkPolicyIngressRule rule : node.getSpec().getIngress()) {
            List<String> ports = rule.getPorts().stream().map(p -> p.getPort().getStrVal()).toList();
            if (ports.contains("admin")) {
                assertEquals(List.of("admin"), ports, "the admin port has a rule of its own");
                assertEquals("monitoring", rule.getFrom().get(0).getNamespaceSelector().getMatchLabels()
                        .get("kubernetes.io/metadata.name"));
            } else {
                assertEquals(List.of("http", "https"), ports);
                assertEquals("ingress-nginx", rule.getFrom().get(0).getNamespaceSelector().getMatchLabels()
                        .get("kubernetes.io/metadata.name"));
            }
        }
        NetworkPolicy etcd = m.get(NetworkPolicy.class, ETCD);
        assertTrue(etcd.getSpec().getIngress().stream().flatMap(r -> r.getFrom().stream())
                .allMatch(peer -> peer.getNamespaceSelector() == null && peer.getPodSelector() != null),
                "etcd only from the chart's own pods");
        // Prometheus Operator objects: the node's admin port per pod, the controller through its Service
        PodMonitor podMonitor = m.get(PodMonitor.class, NODE);
        assertEquals("admin", podMonitor.getSpec().getPodMetricsEndpoints().get(0).getPort());
        assertEquals("/metrics", podMonitor.getSpec().getPodMetricsEndpoints().get(0).getPath());
        assertEquals(List.of("api", "grpc"), m.get(NetworkPolicy.class, CONTROLLER).getSpec().getIngress().get(0).getPorts()
                .stream().map(p -> p.getPort().getStrVal()).toList(), "admin clients reach REST and gRPC");
        ServiceMonitor serviceMonitor = m.get(ServiceMonitor.class, CONTROLLER);
        assertEquals("api", serviceMonitor.getSpec().getEndpoints().get(0).getPort());
        assertEquals(m.get(Service.class, CONTROLLER).getMetadata().getLabels().entrySet().containsAll(
                serviceMonitor.getSpec().getSelector().getMatchLabels().entrySet()), true);
        assertFalse(m.get(PrometheusRule.class, HelmChart.RELEASE + "-stargate").getSpec().getGroups().get(0).getRules().isEmpty());
    }

    @Test
    void theParseIsStrict() {
        String typo = """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: x}
                spec:
                  selector: {matchLabels: {a: b}}
                  template:
                    metadata: {labels: {a: b}}
                    spec:
                      containers:
                        - name: x
                          image: x:1
                          readinessProbe: {httpGet: {path: /health/ready, port: 9901}, periodSecond: 5}
                """;
        AssertionError e = assertThrows(AssertionError.class, () -> HelmChart.parse(typo));
        assertTrue(e.getMessage().contains("readinessProbe [periodSecond]"), e.getMessage());
        assertThrows(AssertionError.class, () -> HelmChart.parse("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"),
                "a kind the chart should not render");
    }

    @Test
    void clientProtectionAndRedisValuesBecomeNodeFlags() {
        Manifests m = HelmChart.render(List.of(), Map.of("node.clientProtection.headerTimeout", "5s",
                "node.clientProtection.bodyTimeout", "20s", "node.clientProtection.sendTimeout", "45s",
                "node.clientProtection.maxConnections", "50000",
                "node.clientProtection.maxConnectionsPerIp", "200", "node.redis.url", "rediss://redis.cache:6380/2",
                "node.redis.timeout", "25ms"));
        Container node = Manifests.container(m.get(Deployment.class, NODE), "node");
        assertEquals("5s", Manifests.flag(node, "client-header-timeout"));
        assertEquals("20s", Manifests.flag(node, "client-body-timeout"));
        assertEquals("45s", Manifests.flag(node, "client-send-timeout"));
        assertEquals("50000", Manifests.flag(node, "max-connections"));
        assertEquals("200", Manifests.flag(node, "max-connections-per-ip"));
        assertEquals("rediss://redis.cache:6380/2", Manifests.flag(node, "redis"));
        assertEquals("25ms", Manifests.flag(node, "redis-timeout"));

        // a URL with credentials comes from a Secret, as STARGATE_REDIS, and never shows in the pod spec
        Container fromSecret = Manifests.container(HelmChart.render(List.of(), Map.of("node.redis.url", "redis://ignored:6379",
                "node.redis.existingSecret", "redis-credentials")).get(Deployment.class, NODE), "node");
        assertNull(Manifests.flag(fromSecret, "redis"));
        var env = fromSecret.getEnv().stream().filter(e -> e.getName().equals("STARGATE_REDIS")).findFirst().orElseThrow();
        assertEquals("redis-credentials", env.getValueFrom().getSecretKeyRef().getName());
        assertEquals("url", env.getValueFrom().getSecretKeyRef().getKey());

        Manifests tunedChart = HelmChart.render(List.of(), Map.of("node.tlsProvider", "conscrypt",
                "node.labels.zone", "eu-1", "node.labels.canary", "true", "node.logFormat", "json",
                "controller.logFormat", "json"));
        Container tuned = Manifests.container(tunedChart.get(Deployment.class, NODE), "node");
        assertEquals("conscrypt", Manifests.flag(tuned, "tls-provider"));
        assertEquals("json", Manifests.flag(tuned, "log-format"));
        assertEquals("json", Manifests.flag(Manifests.container(tunedChart.get(Deployment.class, CONTROLLER), "controller"),
                "log-format"));
        assertEquals("canary=true,zone=eu-1", Manifests.flag(tuned, "node-labels"));

        Container defaults = Manifests.container(HelmChart.render(List.of(), Map.of()).get(Deployment.class, NODE), "node");
        assertTrue(defaults.getArgs().stream().noneMatch(a -> a.startsWith("--tls-provider") || a.startsWith("--node-labels")
                || a.startsWith("--log-format")),
                defaults.getArgs().toString());
        assertTrue(defaults.getArgs().stream().noneMatch(a -> a.startsWith("--redis") || a.startsWith("--client-header")
                || a.startsWith("--max-connections")), "the node's own defaults unless set: " + defaults.getArgs());
        assertTrue(defaults.getEnv().stream().noneMatch(e -> e.getName().equals("STARGATE_REDIS")));
    }

    @Test
    void rolloutPoliciesReachTheControllerAsJson(@TempDir Path dir) {
        Path values = HelmChart.valuesFile(dir, "rollouts", """
                controller:
                  rolloutPolicy: '{"bake": "5m", "min_requests": 500}'
                  git: {url: "https://git.example/config.git", rollout: canary, rolloutPolicy: '{"bake": "10m"}'}
                """);
        Container controller = Manifests.container(HelmChart.render(List.of(values), Map.of())
                .get(Deployment.class, CONTROLLER), "controller");
        assertEquals("canary", Manifests.flag(controller, "git-rollout"));
        assertEquals("{\"bake\": \"10m\"}", Manifests.flag(controller, "git-rollout-policy"));
        assertEquals("{\"bake\": \"5m\", \"min_requests\": 500}", Manifests.flag(controller, "rollout-policy"));
    }

    @Test
    void refusesValuesThatCannotWork(@TempDir Path dir) {
        assertRefused("terminationGracePeriodSeconds", Map.of("node.terminationGracePeriodSeconds", "35"));
        assertRefused("controller needs auth", Map.of("controller.auth.apiKeys.generate", "false"));
        assertRefused("mode must be", Map.of("mode", "fleet"));
        assertRefused("node.logFormat must be text or json", Map.of("node.logFormat", "logfmt"));
        assertRefused("controller.logFormat must be text or json", Map.of("controller.logFormat", "JSON"));
        assertRefused("controller.git.rollout must be canary", Map.of("controller.git.url", "https://g/c.git",
                "controller.git.rollout", "blue-green"));
        assertRefused("rolloutPolicy needs controller.git.rollout", Map.of("controller.git.url", "https://g/c.git",
                "controller.git.rolloutPolicy", "{}"));
        assertRefused("externalEndpoints", Map.of("etcd.enabled", "false"));
        assertRefused("1 to 3", Map.of("controller.replicas", "4"));
        assertRefused("node.redis.url holds a password", Map.of("node.redis.url", "redis://app:s3cret@redis:6379"));
        Path badKey = HelmChart.valuesFile(dir, "bad", "controller: {auth: {apiKeys: {entries: [{name: x, role: root}]}}}");
        Exception e = assertThrows(Exception.class, () -> HelmChart.template(List.of(badKey), Map.of()));
        assertTrue(e.getMessage().contains("key_sha256"), e.getMessage());
    }

    private static void assertRefused(String message, Map<String, ?> set) {
        Exception e = assertThrows(Exception.class, () -> HelmChart.template(List.of(), set), set.toString());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    // ---- checks every value set must pass -------------------------------------------------------

    private static void selectorsMatchPods(Manifests m) {
        for (Deployment d : m.all(Deployment.class)) {
            assertTrue(d.getSpec().getTemplate().getMetadata().getLabels().entrySet()
                    .containsAll(d.getSpec().getSelector().getMatchLabels().entrySet()), d.getMetadata().getName());
        }
        for (StatefulSet s : m.all(StatefulSet.class)) {
            assertTrue(s.getSpec().getTemplate().getMetadata().getLabels().entrySet()
                    .containsAll(s.getSpec().getSelector().getMatchLabels().entrySet()), s.getMetadata().getName());
        }
        for (Service s : m.all(Service.class)) {
            assertTrue(m.selectsSomePod(s.getSpec().getSelector()), "Service " + s.getMetadata().getName() + " selects no pod");
        }
        for (PodDisruptionBudget p : m.all(PodDisruptionBudget.class)) {
            assertTrue(m.selectsSomePod(p.getSpec().getSelector().getMatchLabels()), "PDB " + p.getMetadata().getName());
        }
        for (NetworkPolicy p : m.all(NetworkPolicy.class)) {
            assertTrue(m.selectsSomePod(p.getSpec().getPodSelector().getMatchLabels()), "NetworkPolicy " + p.getMetadata().getName());
        }
        for (PodMonitor p : m.all(PodMonitor.class)) {
            assertTrue(m.selectsSomePod(p.getSpec().getSelector().getMatchLabels()), "PodMonitor " + p.getMetadata().getName());
        }
        for (HorizontalPodAutoscaler h : m.all(HorizontalPodAutoscaler.class)) {
            m.get(Deployment.class, h.getSpec().getScaleTargetRef().getName());
        }
        for (Map.Entry<String, PodTemplateSpec> pod : m.podTemplates().entrySet()) {
            PodSpec spec = pod.getValue().getSpec();
            spec.getTopologySpreadConstraints().forEach(t -> assertTrue(pod.getValue().getMetadata().getLabels().entrySet()
                    .containsAll(t.getLabelSelector().getMatchLabels().entrySet()), pod.getKey() + " topology spread"));
            m.find(io.fabric8.kubernetes.api.model.ServiceAccount.class, spec.getServiceAccountName())
                    .orElseThrow(() -> new AssertionError(pod.getKey() + ": no ServiceAccount " + spec.getServiceAccountName()));
        }
    }

    private static void podsAreLockedDown(Manifests m) {
        for (Map.Entry<String, PodTemplateSpec> pod : m.podTemplates().entrySet()) {
            PodSpec spec = pod.getValue().getSpec();
            String where = pod.getKey();
            assertEquals(Boolean.FALSE, spec.getAutomountServiceAccountToken(), where + ": no API token");
            assertEquals(Boolean.TRUE, spec.getSecurityContext().getRunAsNonRoot(), where);
            assertTrue(spec.getSecurityContext().getRunAsUser() > 0, where);
            assertEquals("RuntimeDefault", spec.getSecurityContext().getSeccompProfile().getType(), where);
            for (Container c : spec.getContainers()) {
                var sc = c.getSecurityContext();
                assertEquals(Boolean.TRUE, sc.getReadOnlyRootFilesystem(), where + " read-only root fs");
                assertEquals(Boolean.FALSE, sc.getAllowPrivilegeEscalation(), where);
                assertEquals(List.of("ALL"), sc.getCapabilities().getDrop(), where + " capabilities");
                assertTrue(sc.getCapabilities().getAdd() == null || sc.getCapabilities().getAdd().isEmpty(), where);
                assertNotNull(c.getResources().getRequests().get("memory"), where + " memory request");
                assertNotNull(c.getResources().getLimits().get("memory"), where + " memory limit");
                String tag = c.getImage().substring(c.getImage().lastIndexOf(':') + 1);
                assertFalse(tag.isEmpty() || tag.equals("latest") || !c.getImage().contains(":"), where + " image " + c.getImage());
            }
        }
    }

    private static void nodeIsDeployable(Manifests m) {
        Deployment deployment = m.get(Deployment.class, NODE);
        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        Container node = Manifests.container(deployment, "node");
        int adminPort = Integer.parseInt(Manifests.flag(node, "admin-port"));
        assertEquals("0.0.0.0", Manifests.flag(node, "admin-host"), "the kubelet probes the pod IP, not loopback");
        assertProbe(node, node.getReadinessProbe(), "/health/ready", adminPort);
        assertProbe(node, node.getStartupProbe(), "/health/ready", adminPort);
        assertProbe(node, node.getLivenessProbe(), "/health/live", adminPort);

        // grace period > preStop sleep + drain timeout
        long drain = java.time.Duration.parse("PT" + Manifests.flag(node, "drain-timeout").toUpperCase()).toSeconds();
        List<String> preStop = node.getLifecycle().getPreStop().getExec().getCommand();
        assertEquals("/bin/sleep", preStop.get(0));
        long sleep = Long.parseLong(preStop.get(1));
        assertTrue(sleep > 0);
        assertTrue(pod.getTerminationGracePeriodSeconds() > sleep + drain,
                "grace " + pod.getTerminationGracePeriodSeconds() + " s > preStop " + sleep + " s + drain " + drain + " s");

        // the heap follows the container's memory limit
        String javaOpts = node.getEnv().stream().filter(e -> e.getName().equals("JDK_JAVA_OPTIONS")).findFirst()
                .orElseThrow().getValue();
        assertTrue(javaOpts.contains("-XX:MaxRAMPercentage="), javaOpts);
        assertFalse(javaOpts.contains("-Xmx"), "a fixed -Xmx ignores the container limit: " + javaOpts);
        assertEquals("metadata.name", node.getEnv().stream().filter(e -> e.getName().equals("STARGATE_NODE_ID"))
                .findFirst().orElseThrow().getValueFrom().getFieldRef().getFieldPath());

        // the Service carries the proxy ports only
        Service service = m.get(Service.class, NODE);
        for (ServicePort port : service.getSpec().getPorts()) {
            String target = port.getTargetPort().getStrVal() != null ? port.getTargetPort().getStrVal()
                    : String.valueOf(port.getTargetPort().getIntVal());
            assertTrue(List.of("http", "https").contains(target), "Service port " + port.getName() + " -> " + target);
            assertFalse(port.getPort() == adminPort || target.equals(String.valueOf(adminPort)));
        }
        for (Service other : m.all(Service.class)) {
            if (m.selectsSomePod(other.getSpec().getSelector())
                    && deployment.getSpec().getTemplate().getMetadata().getLabels().entrySet()
                    .containsAll(other.getSpec().getSelector().entrySet())) {
                assertTrue(other.getSpec().getPorts().stream().noneMatch(p -> "admin".equals(p.getTargetPort().getStrVal())
                        || Integer.valueOf(adminPort).equals(p.getTargetPort().getIntVal())),
                        "Service " + other.getMetadata().getName() + " exposes the node's admin port");
            }
        }
        if (m.all(HorizontalPodAutoscaler.class).isEmpty()) {
            assertNotNull(deployment.getSpec().getReplicas());
        }
        assertEquals(0, deployment.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal(),
                "a rollout never drops below the wanted count");
    }

    private static void controllerIsDeployable(Manifests m) {
        Container controller = Manifests.container(m.get(Deployment.class, CONTROLLER), "controller");
        int port = Integer.parseInt(Manifests.flag(controller, "port"));
        assertEquals("0.0.0.0", Manifests.flag(controller, "host"));
        assertTrue(Manifests.flag(controller, "api-keys") != null || Manifests.flag(controller, "jwt-issuer") != null,
                "with no auth the controller binds 127.0.0.1, out of the probes' reach");
        assertProbe(controller, controller.getReadinessProbe(), "/health/ready", port);
        assertProbe(controller, controller.getLivenessProbe(), "/health/live", port);
        assertProbe(controller, controller.getStartupProbe(), "/health/live", port);
        Service service = m.get(Service.class, CONTROLLER);
        assertEquals("api", service.getSpec().getPorts().get(0).getTargetPort().getStrVal());
        int grpc = Integer.parseInt(Manifests.flag(controller, "grpc-port"));
        if (grpc > 0) {
            assertEquals(grpc, controller.getPorts().stream().filter(p -> p.getName().equals("grpc")).findFirst()
                    .orElseThrow().getContainerPort(), "the grpc container port is the one --grpc-port binds");
            assertEquals("grpc", service.getSpec().getPorts().get(1).getTargetPort().getStrVal());
        }
    }

    private static void filesAreMountedWhereFlagsReadThem(Manifests m) {
        for (Deployment d : m.all(Deployment.class)) {
            for (Container c : d.getSpec().getTemplate().getSpec().getContainers()) {
                for (String flag : FILE_FLAGS) {
                    String file = Manifests.flag(c, flag);
                    if (file != null) {
                        String content = m.mountedContent(d.getSpec().getTemplate(), c, file);
                        assertNotNull(content, d.getMetadata().getName() + ": --" + flag + "=" + file
                                + " is not a key of a rendered Secret or ConfigMap mounted there");
                        assertFalse(content.isBlank(), "--" + flag + " reads an empty file");
                    }
                }
                for (var mount : c.getVolumeMounts()) {
                    boolean fromObject = d.getSpec().getTemplate().getSpec().getVolumes().stream()
                            .anyMatch(v -> v.getName().equals(mount.getName()) && (v.getSecret() != null || v.getConfigMap() != null));
                    if (fromObject) {
                        assertEquals(Boolean.TRUE, mount.getReadOnly(), mount.getName() + " is mounted read-only");
                    }
                }
            }
        }
    }

    private static void assertProbe(Container container, Probe probe, String path, int port) {
        assertNotNull(probe, container.getName() + " probe");
        assertEquals(path, probe.getHttpGet().getPath(), container.getName());
        assertEquals(port, Manifests.probePort(container, probe), container.getName() + " probe port = the port the flag binds");
        assertNull(probe.getHttpGet().getHost(), "the kubelet probes the pod IP");
    }
}
