package stargate.model;

/** The kinds of top-level objects, with their config key and etcd folder name. */
public enum Kind {
    ROUTE("routes", "route", "routes"),
    UPSTREAM("upstreams", "upstream", "upstreams"),
    CONSUMER("consumers", "consumer", "consumers"),
    CERTIFICATE("certificates", "certificate", "certificates"),
    GLOBAL_PLUGINS("global_plugins", "global plugin", "global plugins");

    private final String key;
    private final String singular;
    private final String plural;

    Kind(String key, String singular, String plural) {
        this.key = key;
        this.singular = singular;
        this.plural = plural;
    }

    /** The key in the config file and the folder under the etcd prefix, e.g. {@code routes}. */
    public String key() {
        return key;
    }

    /** A count in words for logs and tools: {@code 1 route}, {@code 3 routes}. */
    public String count(int n) {
        return n + " " + (n == 1 ? singular : plural);
    }
}
