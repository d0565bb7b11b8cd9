package stargate.node.plugin;

import java.util.List;
import java.util.Map;

import stargate.model.Consumer;

/**
 * The consumers of one config as the plugin chains use them: the {@link Credentials} auth plugins
 * look consumers up in, and each consumer's own plugin stages. Immutable; built by
 * {@link ChainCompiler} (whole, or alone when only consumers changed) and owned by the snapshot it
 * was compiled for ({@code Snapshot.consumers()}). Every chain reads the served one through one
 * {@link Served} holder, so a consumer change reaches all routes without compiling their chains
 * again; a request takes one {@code Consumers} when it starts and keeps it to the end.
 */
public final class Consumers {
    static final Consumers NONE = new Consumers(Credentials.of(List.<Consumer>of()), Map.of());
    private static final Stage[] NO_STAGES = new Stage[0];

    private final Credentials credentials;
    /** Consumer id to that consumer's stages, in run order. */
    private final Map<String, Stage[]> stages;

    Consumers(Credentials credentials, Map<String, Stage[]> stages) {
        this.credentials = credentials;
        this.stages = stages;
    }

    Credentials credentials() {
        return credentials;
    }

    /** The stages of a consumer's own plugins; empty when it has none (or is not in this config). */
    Stage[] stagesOf(String consumerId) {
        return stages.getOrDefault(consumerId, NO_STAGES);
    }

    /** The consumers the chains of one whole compile serve now; swapped when a snapshot with others is published. */
    static final class Served {
        private volatile Consumers now;

        Served(Consumers now) {
            this.now = now;
        }

        Consumers get() {
            return now;
        }

        void set(Consumers next) {
            now = next;
        }
    }
}
