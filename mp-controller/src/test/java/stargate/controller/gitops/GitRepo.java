package stargate.controller.gitops;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real bare repository in a temp dir and a working clone pushed to it with the git CLI, as a
 * user would: the controller follows {@link #url()} ({@code file://}).
 */
final class GitRepo implements AutoCloseable {
    static final String BRANCH = "main";
    private final Path root;
    private final Path work;

    private GitRepo(Path root) {
        this.root = root;
        this.work = root.resolve("work");
    }

    static GitRepo create() throws Exception {
        GitRepo repo = new GitRepo(Files.createTempDirectory("stargate-gitops-repo"));
        repo.git(repo.root, "init", "-q", "--bare", "-b", BRANCH, "remote.git");
        repo.git(repo.root, "clone", "-q", repo.root.resolve("remote.git").toString(), "work");
        repo.git(repo.work, "config", "user.email", "ops@example.com");
        repo.git(repo.work, "config", "user.name", "Ops");
        repo.git(repo.work, "checkout", "-q", "-b", BRANCH);
        return repo;
    }

    String url() {
        return root.resolve("remote.git").toUri().toString();
    }

    /** Replaces everything under {@code folder} by these files, commits and pushes; returns the commit id. */
    String pushOnly(String folder, String message, String... pathsAndTexts) throws Exception {
        Path dir = work.resolve(folder);
        if (Files.exists(dir)) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        return push(message, pathsAndTexts);
    }

    /** Writes (or, with null text, deletes) files, commits them all and pushes; returns the commit id. */
    String push(String message, String... pathsAndTexts) throws Exception {
        for (int i = 0; i + 1 < pathsAndTexts.length; i += 2) {
            Path file = work.resolve(pathsAndTexts[i]);
            if (pathsAndTexts[i + 1] == null) {
                Files.deleteIfExists(file);
            } else {
                Files.createDirectories(file.getParent());
                Files.writeString(file, pathsAndTexts[i + 1]);
            }
        }
        git(work, "add", "-A");
        git(work, "commit", "-q", "--allow-empty", "-m", message);
        git(work, "push", "-q", "origin", BRANCH);
        return git(work, "rev-parse", "HEAD").trim();
    }

    private String git(Path dir, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("git"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("git " + String.join(" ", args) + " failed: " + out);
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
