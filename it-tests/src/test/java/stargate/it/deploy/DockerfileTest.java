package stargate.it.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The images of etc/docker, checked statically (no image can be pulled or built here): multi-stage,
 * a runtime base pinned to a JRE 21+ version, a numeric non-root USER (the uid the chart runs as),
 * an exec-form ENTRYPOINT that runs the jar the build stage made (with its libs/), a HEALTHCHECK
 * on the ready endpoint, and the ports the chart's containers declare.
 */
class DockerfileTest {
    private static final Pattern PINNED = Pattern.compile("[a-z0-9./-]+:(\\d+)\\.\\d+\\.\\d+[._+]\\d+-jre(-[a-z]+)?(@sha256:[0-9a-f]{64})?");

    /** One instruction: keyword and its arguments, continuation lines joined. */
    record Instruction(String keyword, String args) {
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"node.Dockerfile, nima-node, stargate-node.jar, '8080,8443,9901', node",
                "controller.Dockerfile, mp-controller, stargate-controller.jar, '9080,9090', controller"})
    void imageIsSmallConventionalAndMatchesTheChart(String file, String module, String jar, String ports, String component)
            throws IOException {
        List<Instruction> all = parse(HelmChart.ROOT.resolve("etc/docker").resolve(file));
        Map<String, String> args = new HashMap<>();
        all.stream().filter(i -> i.keyword().equals("ARG") && i.args().contains("="))
                .forEach(i -> args.put(i.args().substring(0, i.args().indexOf('=')), i.args().substring(i.args().indexOf('=') + 1)));
        List<Integer> froms = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).keyword().equals("FROM")) {
                froms.add(i);
            }
        }
        assertTrue(froms.size() >= 2, "multi-stage: a build stage and a runtime stage");
        assertTrue(all.get(froms.get(0)).args().endsWith(" AS build"), "the first stage is the build");
        List<Instruction> runtime = all.subList(froms.get(froms.size() - 1), all.size());

        String base = resolve(runtime.get(0).args(), args);
        Matcher pinned = PINNED.matcher(base);
        assertTrue(pinned.matches(), "runtime base pinned to a full JRE version: " + base);
        assertTrue(Integer.parseInt(pinned.group(1)) >= 21, "JRE 21 or newer: " + base);

        List<String> users = runtime.stream().filter(i -> i.keyword().equals("USER")).map(Instruction::args).toList();
        assertEquals(1, users.size(), "one USER in the runtime stage");
        String uid = users.get(0).split(":")[0];
        assertTrue(uid.matches("\\d+") && !uid.equals("0"), "numeric non-root USER (runAsNonRoot can check it): " + uid);
        Deployment deployment = HelmChart.render(List.of(), Map.of()).get(Deployment.class, HelmChart.RELEASE + "-stargate-" + component);
        assertEquals(Long.parseLong(uid), deployment.getSpec().getTemplate().getSpec().getSecurityContext().getRunAsUser(),
                "the chart runs as the image's user");

        Instruction entrypoint = runtime.stream().filter(i -> i.keyword().equals("ENTRYPOINT")).findFirst().orElseThrow();
        assertTrue(entrypoint.args().startsWith("["), "exec form, so SIGTERM reaches the JVM: " + entrypoint.args());
        List<String> argv = List.of(new ObjectMapper().readValue(entrypoint.args(), String[].class));
        List<String> launch = argv.stream().filter(a -> !a.startsWith("-XX:AOTCache=")).toList();
        assertEquals(List.of("java", "-jar", "/opt/stargate/" + jar), launch.subList(0, 3));
        assertTrue(runtime.stream().noneMatch(i -> i.keyword().equals("CMD")), "no CMD: the chart's args are the flags");
        assertTrue(copied(runtime, "/src/" + module + "/target/" + jar, "/opt/stargate/" + jar), "the jar from the build stage");
        assertTrue(copied(runtime, "/src/" + module + "/target/libs/", "/opt/stargate/libs/"), "its libs/ beside it");
        assertTrue(all.subList(froms.get(0), froms.get(1)).stream().anyMatch(
                i -> i.keyword().equals("RUN") && i.args().contains("-pl " + module + " -am package")), "the build stage builds " + module);

        Instruction health = runtime.stream().filter(i -> i.keyword().equals("HEALTHCHECK")).findFirst().orElse(null);
        assertNotNull(health, "HEALTHCHECK for docker/compose");
        assertTrue(health.args().contains("/health/ready"), health.args());

        List<String> exposed = runtime.stream().filter(i -> i.keyword().equals("EXPOSE"))
                .flatMap(i -> List.of(i.args().split("\\s+")).stream()).toList();
        assertEquals(List.of(ports.split(",")), exposed);
        List<String> chartPorts = deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getPorts().stream()
                .map(p -> String.valueOf(p.getContainerPort())).toList();
        assertEquals(exposed, chartPorts, "the chart's container ports are the image's");

        assertTrue(all.stream().noneMatch(i -> i.keyword().equals("ADD")), "COPY, never ADD (no remote fetches)");
        assertFalse(all.stream().anyMatch(i -> i.args().contains(":latest")), "no :latest");
        assertTrue(Files.isRegularFile(HelmChart.ROOT.resolve(".dockerignore")), ".dockerignore keeps target/ and .git out");
    }

    /**
     * The node image makes its JDK AOT cache in the runtime stage, after its jars and JVM options are in
     * place and before it drops root, with the script the systemd unit and bin/stargate use, and its
     * ENTRYPOINT loads that file: a cache made on the build stage's JDK or before the jars were copied
     * would not match them (docs/operations.md, "Startup").
     */
    @org.junit.jupiter.api.Test
    void nodeImageTrainsTheAotCacheItsEntrypointLoads() throws IOException {
        List<Instruction> all = parse(HelmChart.ROOT.resolve("etc/docker/node.Dockerfile"));
        int runtime = 0;
        for (int i = 0; i < all.size(); i++) {
            runtime = all.get(i).keyword().equals("FROM") ? i : runtime;
        }
        List<Instruction> stage = all.subList(runtime, all.size());
        int train = indexOf(stage, i -> i.keyword().equals("RUN") && i.args().contains("stargate-aot-cache train"));
        assertTrue(train > 0, "a RUN trains the cache in the runtime stage");
        Matcher cache = Pattern.compile("--cache (\\S+)").matcher(stage.get(train).args());
        assertTrue(cache.find(), stage.get(train).args());
        assertTrue(entrypoint("node.Dockerfile").contains("-XX:AOTCache=" + cache.group(1)),
                "the ENTRYPOINT loads the trained cache " + cache.group(1) + ": " + entrypoint("node.Dockerfile"));
        assertTrue(stage.get(train).args().contains("--jar /opt/stargate/stargate-node.jar"), stage.get(train).args());
        assertTrue(indexOf(stage, i -> i.keyword().equals("COPY") && i.args().endsWith(" /opt/stargate/stargate-aot-cache")
                && i.args().startsWith("bin/stargate-aot-cache")) < train, "the script from bin/, before the training");
        for (String before : List.of("/opt/stargate/libs/", "/opt/stargate/stargate-node.jar", "JDK_JAVA_OPTIONS")) {
            int at = indexOf(stage, i -> !i.keyword().equals("RUN") && i.args().contains(before));
            assertTrue(at >= 0 && at < train, before + " is in place before the training");
        }
        assertTrue(train < indexOf(stage, i -> i.keyword().equals("USER")), "trained as root, before USER: the cache is read-only to the node");
        Matcher config = Pattern.compile("ARG AOT_TRAINING_CONFIG=(\\S+)").matcher(
                Files.readString(HelmChart.ROOT.resolve("etc/docker/node.Dockerfile")));
        assertTrue(config.find() && Files.isRegularFile(HelmChart.ROOT.resolve(config.group(1))), "the default training config is in the repo");
    }

    private static int indexOf(List<Instruction> stage, java.util.function.Predicate<Instruction> test) {
        for (int i = 0; i < stage.size(); i++) {
            if (test.test(stage.get(i))) {
                return i;
            }
        }
        return -1;
    }

    /** The image's ENTRYPOINT, as the argv list of its exec form. */
    static List<String> entrypoint(String dockerfile) throws IOException {
        Instruction entrypoint = parse(HelmChart.ROOT.resolve("etc/docker").resolve(dockerfile)).stream()
                .filter(i -> i.keyword().equals("ENTRYPOINT")).reduce((a, b) -> b).orElseThrow();
        return List.of(new ObjectMapper().readValue(entrypoint.args(), String[].class));
    }

    /** The image's HEALTHCHECK command (exec form), as an argv list. */
    static List<String> healthcheck(String dockerfile) throws IOException {
        Instruction health = parse(HelmChart.ROOT.resolve("etc/docker").resolve(dockerfile)).stream()
                .filter(i -> i.keyword().equals("HEALTHCHECK")).findFirst().orElseThrow();
        String json = health.args().substring(health.args().indexOf("CMD ") + 4);
        return List.of(new ObjectMapper().readValue(json, String[].class));
    }

    private static boolean copied(List<Instruction> stage, String from, String to) {
        return stage.stream().anyMatch(i -> i.keyword().equals("COPY") && i.args().equals("--from=build " + from + " " + to));
    }

    private static String resolve(String text, Map<String, String> args) {
        Matcher m = Pattern.compile("\\$\\{(\\w+)}").matcher(text);
        return m.replaceAll(r -> Matcher.quoteReplacement(args.getOrDefault(r.group(1), "")));
    }

    static List<Instruction> parse(Path file) throws IOException {
        List<Instruction> instructions = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : Files.readAllLines(file)) {
            if (line.strip().startsWith("#") && current.isEmpty() || line.isBlank()) {
                continue;
            }
            if (line.endsWith("\\")) {
                current.append(line, 0, line.length() - 1).append(' ');
                continue;
            }
            current.append(line);
            String text = current.toString().strip().replaceAll("\\s+", " ");
            current.setLength(0);
            int space = text.indexOf(' ');
            instructions.add(new Instruction(text.substring(0, space).toUpperCase(), text.substring(space + 1)));
        }
        return instructions;
    }
}
