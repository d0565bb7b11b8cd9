package stargate.controller.gitops;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.treewalk.filter.AndTreeFilter;
import org.eclipse.jgit.treewalk.filter.PathFilter;
import org.eclipse.jgit.treewalk.filter.PathSuffixFilter;
import org.eclipse.jgit.treewalk.filter.TreeFilter;

/**
 * The followed branch of the repository, through JGit: a bare repository in the work dir, into
 * which each {@link #fetch} brings the branch ({@code +refs/heads/B:refs/stargate/B}, forced, so a
 * force-push is followed too); the files are read from the fetched commit's tree, never from a
 * checkout, so a half-written working copy can never be read. The first fetch is the clone.
 * Thread-safe (one fetch or read at a time).
 */
final class GitSource implements AutoCloseable {
    /** Network timeout of one fetch, in seconds. */
    private static final int FETCH_TIMEOUT_SECONDS = 60;
    private static final String SUFFIX = ".yaml";

    /** A fetched commit. */
    record Commit(String id, String author, String message, Instant time) {
    }

    /** The fetch or the read failed (unreachable remote, unknown branch, bad credentials...). */
    static final class GitFailure extends Exception {
        GitFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final GitSettings settings;
    private final Path dir;
    private final boolean temporary;
    private Git git;

    GitSource(GitSettings settings) {
        this.settings = settings;
        try {
            this.temporary = settings.workdir().isEmpty();
            this.dir = temporary ? Files.createTempDirectory("stargate-git") : Files.createDirectories(settings.workdir().get());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the GitOps work dir", e);
        }
    }

    /** Fetches the branch and answers its head commit. */
    synchronized Commit fetch() throws GitFailure {
        String ref = "refs/stargate/" + settings.branch();
        try {
            if (git == null) {
                git = Git.init().setBare(true).setGitDir(dir.toFile()).call();
            }
            git.fetch().setRemote(settings.url()).setRefSpecs(new RefSpec("+refs/heads/" + settings.branch() + ":" + ref))
                    .setCredentialsProvider(credentials()).setTimeout(FETCH_TIMEOUT_SECONDS).call();
            Repository repo = git.getRepository();
            ObjectId head = repo.resolve(ref);
            if (head == null) {
                throw new GitFailure("branch " + settings.branch() + " not found in " + settings.url(), null);
            }
            try (RevWalk walk = new RevWalk(repo)) {
                RevCommit commit = walk.parseCommit(head);
                return new Commit(head.name(), commit.getAuthorIdent().getName() + " <" + commit.getAuthorIdent().getEmailAddress() + ">",
                        commit.getShortMessage(), commit.getAuthorIdent().getWhenAsInstant());
            }
        } catch (GitAPIException | IOException | RuntimeException e) {
            throw new GitFailure("fetching " + settings.branch() + " from " + settings.url() + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * The {@code *.yaml} files under the config path at {@code commitId}, by path in the repository,
     * in path order.
     */
    synchronized Map<String, String> yamlFiles(String commitId) throws GitFailure {
        Repository repo = git.getRepository();
        Map<String, String> files = new TreeMap<>();
        try (RevWalk walk = new RevWalk(repo); TreeWalk tree = new TreeWalk(repo)) {
            tree.addTree(walk.parseCommit(ObjectId.fromString(commitId)).getTree());
            tree.setRecursive(true);
            TreeFilter yaml = PathSuffixFilter.create(SUFFIX);
            tree.setFilter(settings.path().isEmpty() ? yaml : AndTreeFilter.create(PathFilter.create(settings.path()), yaml));
            while (tree.next()) {
                files.put(tree.getPathString(), new String(repo.open(tree.getObjectId(0)).getBytes(), StandardCharsets.UTF_8));
            }
        } catch (IOException | RuntimeException e) {
            throw new GitFailure("reading " + commitId + " failed: " + e.getMessage(), e);
        }
        return files;
    }

    private CredentialsProvider credentials() throws IOException {
        if (settings.tokenFile().isEmpty()) {
            return null;
        }
        String token = Files.readString(settings.tokenFile().get()).trim();
        int colon = token.indexOf(':');
        return colon < 0 ? new UsernamePasswordCredentialsProvider("x-access-token", token)
                : new UsernamePasswordCredentialsProvider(token.substring(0, colon), token.substring(colon + 1));
    }

    @Override
    public synchronized void close() {
        if (git != null) {
            git.close();
        }
        if (temporary) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // a temp dir left behind is harmless
            }
        }
    }
}
