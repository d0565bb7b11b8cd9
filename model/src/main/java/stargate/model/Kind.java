package stargate.model;

/** The kinds of top-level objects, with their config key and etcd folder name. */
public enum Kind {
    ROUTE("routes"),
    UPSTREAM("upstreams"),
    CONSUMER("consumers"),
    CERTIFICATE("certificates"),
    GLOBAL_PLUGINS("global_plugins");

    private final String key;

    Kind(String key) {
        this.key = key;
    }

    /** The key in the config file and the folder under the etcd prefix, e.g. {@code routes}. */
    public String key() {
        return key;
    }
}
