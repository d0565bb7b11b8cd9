package stargate.controller.gitops;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.microprofile.config.Config;
import stargate.model.codec.Units;

/**
 * The GitOps flags ({@code --git*}, SPEC §2) as MicroProfile config keys {@code stargate.git.*}.
 *
 * @param url        the repository: {@code file://}, {@code https://} or {@code ssh://} (or scp-like {@code git@host:repo})
 * @param branch     the branch to follow
 * @param path       the folder whose {@code *.yaml} files (recursively) are the config; empty = the whole repository
 * @param interval   how often to fetch and reconcile
 * @param secretFile the webhook's HMAC secret; empty = webhooks are refused
 * @param tokenFile  an https token ({@code TOKEN} or {@code USER:TOKEN}), sent as basic auth; empty = none
 * @param workdir    where the bare clone lives; empty = a temp dir removed on exit
 * @param selfHeal   revert drift (API edits of Git-owned objects) without waiting for a new commit
 * @param prune      delete Git-owned objects that left Git (on by default)
 * @param allowEmpty allow an apply that deletes every route, or prunes more than half of the Git-owned objects
 * @param rollout    {@code canary}: a new commit's change goes through a progressive rollout instead of
 *                   being written at once (docs/gitops.md); empty = written at once
 * @param rolloutPolicy the rollouts' policy as JSON over the controller's {@code --rollout-policy}; empty = that one
 */
public record GitSettings(String url, String branch, String path, Duration interval, Optional<Path> secretFile,
                          Optional<Path> tokenFile, Optional<Path> workdir, boolean selfHeal, boolean prune,
                          boolean allowEmpty, Optional<String> rollout, Optional<String> rolloutPolicy) {

    public GitSettings {
        path = normalize(path);
    }

    /** @return the settings, or empty when {@code stargate.git.url} is not set (GitOps off) */
    static Optional<GitSettings> from(Config config) {
        return config.getOptionalValue("stargate.git.url", String.class).filter(u -> !u.isBlank()).map(url -> new GitSettings(url,
                config.getOptionalValue("stargate.git.branch", String.class).orElse("main"),
                config.getOptionalValue("stargate.git.path", String.class).orElse(""),
                Units.parseDuration(config.getOptionalValue("stargate.git.interval", String.class).orElse("30s")),
                config.getOptionalValue("stargate.git.secret-file", String.class).map(Path::of),
                config.getOptionalValue("stargate.git.token-file", String.class).map(Path::of),
                config.getOptionalValue("stargate.git.workdir", String.class).map(Path::of),
                flag(config, "stargate.git.self-heal", false),
                flag(config, "stargate.git.prune", true),
                flag(config, "stargate.git.allow-empty", false),
                config.getOptionalValue("stargate.git.rollout", String.class),
                config.getOptionalValue("stargate.git.rollout-policy", String.class)));
    }

    /** The same settings with self-heal on or off. */
    GitSettings withSelfHeal(boolean on) {
        return new GitSettings(url, branch, path, interval, secretFile, tokenFile, workdir, on, prune, allowEmpty, rollout,
                rolloutPolicy);
    }

    private static boolean flag(Config config, String key, boolean fallback) {
        return config.getOptionalValue(key, Boolean.class).orElse(fallback);
    }

    /** {@code ./config/} and {@code /config} are {@code config}; {@code .} and {@code /} are the root. */
    private static String normalize(String path) {
        String p = path == null ? "" : path.trim();
        while (p.startsWith("./") || p.startsWith("/")) {
            p = p.substring(p.startsWith("./") ? 2 : 1);
        }
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p.equals(".") ? "" : p;
    }
}
