package stargate.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One {@code java -jar} child process built by the reactor ({@code <module>/target/<jar>}), its
 * stdout and stderr appended to a log file, with no inherited {@code STARGATE_*} variables (so the
 * flags alone configure it). The shared part of {@link NodeProcess} and {@link ControllerProcess}.
 */
final class JavaProcess {
    /** Generous: a controller (Helidon MP, CDI) took 60 s to start on a 2-core box shared by several builds. */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration CLOSE_GRACE = Duration.ofSeconds(10);

    private final String name;
    private final Process process;
    private final Path log;

    private JavaProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /**
     * Starts {@code java -Xmx256m -jar ../<module>/target/<jar> args...} (on JDK 24+ with the access flags
     * bin/stargate passes); a missing jar fails with the command that builds it.
     */
    static JavaProcess start(String name, String module, String jarName, List<String> args, Path log) {
        return start(name, module, jarName, args, java.util.Map.of(), log, 0);
    }

    /**
     * As {@link #start(String, String, String, List, Path)}, with extra environment variables (e.g.
     * {@code JDK_JAVA_OPTIONS}) for the child, and under bash's {@code ulimit -f fileSizeLimitKiB} (KiB; dash
     * would count 512 B blocks) when that is positive: a write past that size fails with EFBIG (the JVM
     * ignores SIGXFSZ), as on a full disk.
     */
    static JavaProcess start(String name, String module, String jarName, List<String> args,
                             java.util.Map<String, String> env, Path log, long fileSizeLimitKiB) {
        Path jar = Path.of("..", module, "target", jarName).toAbsolutePath().normalize();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build it with mvn -pl " + module + " -am package -DskipTests");
        }
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m"));
        if (Runtime.version().feature() >= 24) {
            // as bin/stargate, the images and the units run it: JDK 24+ would print warnings about netty's and
            // gRPC's Unsafe and native access, lines that are not the process's own logs
            command.addAll(List.of("--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED"));
        }
        command.addAll(List.of("-jar", jar.toString()));
        command.addAll(args);
        if (fileSizeLimitKiB > 0) {
            command.addAll(0, List.of("/bin/bash", "-c", "ulimit -f " + fileSizeLimitKiB + " && exec \"$0\" \"$@\""));
        }
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().keySet().removeIf(key -> key.startsWith("STARGATE_"));
        builder.environment().putAll(env);
        try {
            return new JavaProcess(name, builder.start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until {@code GET url} answers 200; fails with the log tail when the process exits or the time is up. */
    void awaitOk(String url) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + logTail());
            }
            if (Http.get(url).status() == 200) {
                return;
            }
            sleep(Duration.ofMillis(100));
        }
        close();
        throw new IllegalStateException(name + " did not answer 200 on " + url + " within " + START_TIMEOUT.toSeconds()
                + " s:\n" + logTail());
    }

    /**
     * SIGTERM, then waits up to {@code grace} for the exit.
     *
     * @return the exit code, or -1 when the process is still running after {@code grace}
     */
    int terminate(Duration grace) {
        process.destroy();
        return awaitExit(grace);
    }

    /** Sends {@code SIG<name>} (e.g. {@code USR1}) with {@code kill}; the shell's {@code exec} keeps the pid. */
    void signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** SIGKILL: no shutdown hook runs. */
    void kill() {
        process.destroyForcibly();
        awaitExit(CLOSE_GRACE);
    }

    /** SIGTERM, SIGKILL after 10 s; nothing when it has exited already. */
    void close() {
        if (process.isAlive() && terminate(CLOSE_GRACE) == -1) {
            kill();
        }
    }

    /** The whole log so far. */
    String log() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** The last 30 lines of the log, for failure messages. */
    String logTail() {
        List<String> lines = log().lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }

    private int awaitExit(Duration grace) {
        try {
            return process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** {@code count} distinct loopback ports that were free a moment ago (a small race, fine on a test machine). */
    static int[] freePorts(int count) {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                sockets.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
            }
            return sockets.stream().mapToInt(ServerSocket::getLocalPort).toArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (ServerSocket s : sockets) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // nothing held
                }
            }
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
