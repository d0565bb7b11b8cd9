package stargate.node.observe;

import java.util.List;

/**
 * What a config source reports beside the snapshot it published, for {@code GET /status}: where the
 * served config came from, whether the source is reachable, and the objects it refused.
 *
 * @param source       {@code etcd} or {@code cache} (the last good config saved on disk, served while etcd is unreachable)
 * @param connected    whether the source answered its last read or watch
 * @param seenRevision the newest etcd revision the node has processed (applied or rejected); 0 before any
 * @param lastError    why the newest rejected change was refused, or why etcd cannot be read; null when none
 * @param rejected     objects whose newest version is not served (kept at their last good version, or absent)
 */
public record SourceStatus(String source, boolean connected, long seenRevision, String lastError,
                           List<Rejected> rejected) {

    public SourceStatus {
        rejected = List.copyOf(rejected);
    }

    /**
     * One object the node refused.
     *
     * @param kind     its etcd folder: {@code routes}, {@code upstreams}, ... or {@code global_plugins}
     * @param id       its id; empty for global plugins
     * @param revision the etcd mod revision of the refused version
     * @param errors   why, each with its config path
     */
    public record Rejected(String kind, String id, long revision, List<String> errors) {
        public Rejected {
            errors = List.copyOf(errors);
        }
    }
}
