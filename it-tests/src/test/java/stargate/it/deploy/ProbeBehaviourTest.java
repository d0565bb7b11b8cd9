package stargate.it.deploy;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import stargate.it.support.Await;
import stargate.it.support.ControllerProcess;
import stargate.it.support.EtcdCluster;
import stargate.it.support.Http;
import stargate.it.support.NodeProcess;

/**
 * The probes the chart renders, against the real processes: each container is run as its pod would
 * run it (the image's ENTRYPOINT from etc/docker, the rendered args and env, the rendered ConfigMaps
 * and Secrets written where the pod mounts them), and the probes' exact paths and ports, read from
 * the rendered manifest, are polled. Only two things are changed, because this machine allows
 * loopback only: {@code 0.0.0.0} binds become {@code 127.0.0.1}, and absolute paths live under a
 * temporary root. Kubernetes needs: readiness 503 as soon as a node drains (SIGTERM) and while the
 * controller has lost etcd, and liveness 200 throughout, or the kubelet would restart a pod that is
 * only draining or waiting for etcd.
 */
class ProbeBehaviourTest {
    private static final Duration BACKEND_DELAY = Duration.ofSeconds(4);

    @Test
    void nodeReadinessGoesDownOnDrainWhileLivenessStaysUp(@TempDir Path dir) throws Exception {
        CountDownLatch arrived = new CountDownLatch(1);
        HttpServer backend = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        backend.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        backend.createContext("/", exchange -> {
            arrived.countDown();
            sleep(BACKEND_DELAY);
            byte[] body = "slow".getBytes(UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        backend.start();
        int[] ports = freePorts(3);
        Path values = HelmChart.valuesFile(dir, "node", """
                mode: standalone
                node:
                  ports: {http: %d, https: %d, admin: %d}
                  drainTimeoutSeconds: 10
                  accessLog: "off"
                  standalone:
                    config: |
                      upstreams:
                        - id: slow
                          targets: [{url: "http://127.0.0.1:%d"}]
                      routes:
                        - id: slow
                          paths: [/slow]
                          upstream: slow
                """.formatted(ports[0], ports[1], ports[2], backend.getAddress().getPort()));
        Manifests m = HelmChart.render(List.of(values), Map.of());
        Deployment deployment = m.get(Deployment.class, HelmChart.RELEASE + "-stargate-node");
        Container container = Manifests.container(deployment, "node");
        LocalPod pod = LocalPod.of(m, deployment.getSpec().getTemplate(), container, "node.Dockerfile", dir);
        String ready = pod.probeUrl(container.getReadinessProbe());
        String live = pod.probeUrl(container.getLivenessProbe());
        assertEquals("http://127.0.0.1:" + ports[2] + "/health/ready", ready);

        ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();
        try (NodeProcess node = NodeProcess.startWithArgs("probe", pod.argv(), pod.env(), ports[0], ports[2], dir)) {
            Await.until("startup probe " + pod.probeUrl(container.getStartupProbe()), Duration.ofSeconds(10),
                    () -> Http.get(pod.probeUrl(container.getStartupProbe())).status() == 200);
            assertEquals(200, Http.get(ready).status(), "ready with the ConfigMap's config\n" + node.logTail());
            assertEquals(200, Http.get(live).status());
            // the image's HEALTHCHECK (for docker/compose), run as Docker would, with the admin port in its env
            ProcessBuilder healthcheck = new ProcessBuilder(DockerfileTest.healthcheck("node.Dockerfile")).redirectErrorStream(true);
            healthcheck.environment().put("STARGATE_ADMIN_PORT", Integer.toString(ports[2]));
            Process check = healthcheck.start();
            assertTrue(check.waitFor(10, TimeUnit.SECONDS));
            assertEquals(0, check.exitValue(), "HEALTHCHECK passes on a ready node: "
                    + new String(check.getInputStream().readAllBytes(), UTF_8));
            assertEquals(404, Http.get("http://127.0.0.1:" + ports[0] + "/nothing").status(),
                    "the proxy listens on the port of the rendered --port flag");

            Future<Http.Answer> inFlight = clients.submit(() -> node.request("/slow"));
            assertTrue(arrived.await(10, TimeUnit.SECONDS), "the request reached the backend\n" + node.logTail());
            Future<Integer> exit = clients.submit(() -> node.terminate(Duration.ofSeconds(15))); // what the kubelet sends after preStop
            Http.Answer[] answer = new Http.Answer[1];
            Await.until(() -> "readiness goes 503 on SIGTERM: " + (answer[0] == null ? "" : answer[0].status()),
                    Duration.ofSeconds(3), () -> (answer[0] = Http.get(ready)).status() == 503);
            assertTrue(answer[0].body().contains("\"DOWN\""), answer[0].body());
            assertEquals(200, Http.get(live).status(), "liveness stays 200 while draining: the kubelet must not kill the drain");
            assertEquals(200, inFlight.get(10, TimeUnit.SECONDS).status(), "the in-flight request finishes");
            assertEquals(0, exit.get(20, TimeUnit.SECONDS), "a drained node exits 0\n" + node.logTail());
        } finally {
            clients.shutdownNow();
            backend.stop(0);
        }
    }

    @Test
    void controllerReadinessFollowsEtcdWhileLivenessStaysUp(@TempDir Path dir) throws Exception {
        try (EtcdCluster etcd = EtcdCluster.startSingle()) {
            int[] free = freePorts(2);
            int port = free[0];
            Path values = HelmChart.valuesFile(dir, "controller", """
                    mode: etcd
                    etcd:
                      enabled: false
                      externalEndpoints: [%s]
                      prefix: /probe-test
                    controller:
                      port: %d
                      grpcPort: %d
                      auth: {apiKeys: {adminKey: probe-test-key}}
                    """.formatted(etcd.clientUrl(0), port, free[1]));
            Manifests m = HelmChart.render(List.of(values), Map.of());
            Deployment deployment = m.get(Deployment.class, HelmChart.RELEASE + "-stargate-controller");
            Container container = Manifests.container(deployment, "controller");
            LocalPod pod = LocalPod.of(m, deployment.getSpec().getTemplate(), container, "controller.Dockerfile", dir);
            String ready = pod.probeUrl(container.getReadinessProbe());
            String live = pod.probeUrl(container.getLivenessProbe());
            assertEquals("http://127.0.0.1:" + port + "/health/ready", ready);

            try (ControllerProcess controller = ControllerProcess.startWithArgs(pod.argv(), pod.env(), port,
                    "/health/ready", dir)) {
                assertEquals(200, Http.get(pod.probeUrl(container.getStartupProbe())).status());
                assertEquals(200, Http.get(live).status());
                assertEquals(401, controller.api("GET", "/routes", null).status(),
                        "auth is on: the mounted keys file was read (and /health needs no key)");

                etcd.stop(0);
                Http.Answer[] answer = new Http.Answer[1];
                Await.until(() -> "readiness goes 503 without etcd: " + (answer[0] == null ? "" : answer[0].status()),
                        Duration.ofSeconds(10), () -> (answer[0] = Http.get(ready)).status() == 503);
                assertTrue(answer[0].body().contains("\"DOWN\""), answer[0].body());
                assertEquals(200, Http.get(live).status(), "liveness stays 200: a restart would not bring etcd back");

                etcd.start(0);
                Await.until("readiness back to 200 with etcd\n" + controller.logTail(), Duration.ofSeconds(20),
                        () -> Http.get(ready).status() == 200);
            }
        }
    }

    /**
     * A container of a rendered pod, laid out locally: argv (the image's ENTRYPOINT after
     * {@code java -jar JAR}, then the args), env, and the mounted ConfigMaps/Secrets written under a
     * root directory that stands for {@code /}.
     */
    record LocalPod(List<String> argv, Map<String, String> env, Container container) {

        static LocalPod of(Manifests m, PodTemplateSpec template, Container container, String dockerfile, Path dir)
                throws IOException {
            Path root = Files.createDirectories(dir.resolve("root"));
            for (VolumeMount mount : container.getVolumeMounts()) {
                Path local = local(root, mount.getMountPath());
                Files.createDirectories(local);
                Volume volume = template.getSpec().getVolumes().stream().filter(v -> v.getName().equals(mount.getName()))
                        .findFirst().orElseThrow();
                List<String> files = new ArrayList<>();
                if (volume.getSecret() != null && volume.getSecret().getItems() != null) {
                    volume.getSecret().getItems().forEach(i -> files.add(i.getPath()));
                }
                if (volume.getConfigMap() != null && volume.getConfigMap().getItems() != null) {
                    volume.getConfigMap().getItems().forEach(i -> files.add(i.getPath()));
                }
                for (String file : files) {
                    String content = m.mountedContent(template, container, mount.getMountPath() + "/" + file);
                    Files.writeString(local.resolve(file), content);
                }
            }
            List<String> entrypoint = DockerfileTest.entrypoint(dockerfile);
            assertEquals("java", entrypoint.get(0));
            // what follows the jar: the image's JVM options (its AOT cache) are paths in the image
            List<String> argv = new ArrayList<>(entrypoint.subList(entrypoint.indexOf("-jar") + 2, entrypoint.size()));
            for (String arg : container.getArgs()) {
                int eq = arg.indexOf('=');
                String value = eq < 0 ? "" : arg.substring(eq + 1);
                if (value.equals("0.0.0.0")) {
                    arg = arg.substring(0, eq + 1) + "127.0.0.1";
                } else if (value.startsWith("/") && !arg.startsWith("--prefix=")) {
                    arg = arg.substring(0, eq + 1) + local(root, value);
                }
                argv.add(arg);
            }
            Map<String, String> env = new LinkedHashMap<>();
            for (EnvVar var : container.getEnv()) {
                if (var.getValue() != null) {
                    env.put(var.getName(), var.getValue());
                } else if (var.getValueFrom().getFieldRef() != null
                        && var.getValueFrom().getFieldRef().getFieldPath().equals("metadata.name")) {
                    env.put(var.getName(), "probe-test-pod");
                }
            }
            return new LocalPod(List.copyOf(argv), env, container);
        }

        /** {@code http://127.0.0.1:<the probe's port>/<the probe's path>}. */
        String probeUrl(Probe probe) {
            return "http://127.0.0.1:" + Manifests.probePort(container, probe) + probe.getHttpGet().getPath();
        }

        private static Path local(Path root, String absolute) {
            return root.resolve(absolute.substring(1));
        }
    }

    private static int[] freePorts(int count) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                sockets.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
            }
            return sockets.stream().mapToInt(ServerSocket::getLocalPort).toArray();
        } finally {
            for (ServerSocket s : sockets) {
                s.close();
            }
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
