package stargate.controller.audit;

/**
 * Who makes a config write and from where: what the audit log and the history record.
 *
 * @param principal the JWT subject or API key name ({@code anonymous} without auth); {@code gitops} for Git applies
 * @param source    what kind of write it is
 * @param from      the client address for API writes and rollbacks; the commit id for Git applies
 * @param note      a word on why, e.g. {@code rollback to revision 42}; null for none
 */
public record Actor(String principal, Source source, String from, String note) {
    /** The principal of GitOps applies. */
    public static final String GITOPS = "gitops";

    public enum Source {
        API, GIT, ROLLBACK, ROLLOUT;

        /** {@code api}, {@code git}, {@code rollback}, {@code rollout}. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public static Actor api(String principal, String address) {
        return new Actor(principal, Source.API, address, null);
    }

    public static Actor git(String commit) {
        return git(commit, null);
    }

    /** A Git apply with a word on it, e.g. the rollout that promotes the commit's change. */
    public static Actor git(String commit, String note) {
        return new Actor(GITOPS, Source.GIT, commit, note);
    }

    public static Actor rollback(String principal, String address, long revision) {
        return new Actor(principal, Source.ROLLBACK, address, "rollback to revision " + revision);
    }

    /**
     * The promotion of a progressive rollout (docs/rollout.md): by whoever promoted it by hand, or
     * by {@code rollout} when its bake passed.
     */
    public static Actor rollout(String principal, String from, String note) {
        return new Actor(principal, Source.ROLLOUT, from, note);
    }

    /** The commit of a Git apply; null for other writes. */
    public String commit() {
        return source == Source.GIT ? from : null;
    }
}
