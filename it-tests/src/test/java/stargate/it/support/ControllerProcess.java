package stargate.it.support;

import java.nio.file.Path;
import java.util.List;

/**
 * A real controller process, {@code java -jar mp-controller/target/stargate-controller.jar --etcd ...},
 * without auth (so on 127.0.0.1) on a free port (and a free gRPC port), its output in {@code controller.log} under the given
 * directory. Started means {@code /health/ready} answers 200 (etcd reachable).
 */
public final class ControllerProcess implements AutoCloseable {
    private final int port;
    private final int grpcPort;
    private final JavaProcess process;

    private ControllerProcess(int port, int grpcPort, JavaProcess process) {
        this.port = port;
        this.grpcPort = grpcPort;
        this.process = process;
    }

    public static ControllerProcess start(String endpoints, String prefix, Path dir) {
        return start(endpoints, prefix, dir, List.of());
    }

    /** {@link #start(String, String, Path)} with more flags, e.g. {@code --api-keys FILE}. */
    public static ControllerProcess start(String endpoints, String prefix, Path dir, List<String> flags) {
        int[] ports = JavaProcess.freePorts(2);
        int port = ports[0];
        List<String> args = new java.util.ArrayList<>(List.of("--etcd", endpoints, "--prefix", prefix,
                "--port", Integer.toString(port), "--grpc-port", Integer.toString(ports[1])));
        args.addAll(flags);
        JavaProcess process = JavaProcess.start("controller", "mp-controller", "stargate-controller.jar", args,
                dir.resolve("controller.log"));
        ControllerProcess controller = new ControllerProcess(ports[0], ports[1], process);
        process.awaitOk(controller.url("/health/ready"));
        return controller;
    }

    /**
     * Starts {@code java -jar stargate-controller.jar} with exactly {@code args} and {@code env} added,
     * as a container would run it, and waits until {@code GET <readyPath>} answers 200 on {@code port}.
     * For the deployment tests, which take the args from a rendered manifest.
     */
    public static ControllerProcess startWithArgs(List<String> args, java.util.Map<String, String> env, int port,
                                                  String readyPath, Path dir) {
        JavaProcess process = JavaProcess.start("controller", "mp-controller", "stargate-controller.jar", args, env,
                dir.resolve("controller.log"), 0);
        ControllerProcess controller = new ControllerProcess(port, -1, process);
        process.awaitOk(controller.url(readyPath));
        return controller;
    }

    /** {@code GET <path>} on the controller's port (e.g. {@code /health/ready}), the whole answer. */
    public Http.Answer get(String path) {
        return Http.get(url(path));
    }

    /** {@code method /api/v1<path>} with an optional JSON body. */
    public Http.Answer api(String method, String path, String jsonBody) {
        return Http.send(method, url("/api/v1" + path), jsonBody);
    }

    /** {@link #api(String, String, String)} with request headers ({@code If-Match}...). */
    public Http.Answer api(String method, String path, String jsonBody, java.util.Map<String, String> headers) {
        return Http.send(method, url("/api/v1" + path), jsonBody, headers);
    }

    /** The gRPC admin API's port (-1 when started with {@link #startWithArgs}). */
    public int grpcPort() {
        return grpcPort;
    }

    /** The controller's whole log so far (stdout and stderr). */
    public String log() {
        return process.log();
    }

    /** The last lines of the controller's log, for failure messages. */
    public String logTail() {
        return process.logTail();
    }

    /** SIGTERM, SIGKILL after 10 s. */
    @Override
    public void close() {
        process.close();
    }

    /** {@code http://127.0.0.1:<port><path>}: for clients of its own, such as a browser. */
    public String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }
}
