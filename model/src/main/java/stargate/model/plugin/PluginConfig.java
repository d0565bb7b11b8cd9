package stargate.model.plugin;

/**
 * A plugin's config record. The record's components are its config keys (in snake_case), its
 * compact constructor applies the defaults, and {@link #check} adds what binding cannot see:
 * ranges, syntax, combinations.
 */
public interface PluginConfig {
    /**
     * Reports each problem of meaning at its key; reports nothing when the config is valid. Runs
     * on a record that bound cleanly, so every component is of the right type and defaults are applied.
     * The default checks nothing: for configs where every value binding accepts is valid.
     */
    default void check(ConfigProblems problems) {
    }
}
