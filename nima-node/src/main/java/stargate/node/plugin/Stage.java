package stargate.node.plugin;

/**
 * One plugin instance at its place in a chain.
 *
 * @param name          the plugin's config name, used in every error about it
 * @param respondsToo   whether the plugin overrides {@link Plugin#onResponse}: only then does the
 *                      chain hook into the response (found once, when the chain is built)
 */
record Stage(String name, Phase phase, Plugin plugin, boolean respondsToo) {

    static Stage of(String name, Phase phase, Plugin plugin) {
        return new Stage(name, phase, plugin, overridesOnResponse(plugin));
    }

    private static boolean overridesOnResponse(Plugin plugin) {
        try {
            return plugin.getClass().getMethod("onResponse", Exchange.class, Response.class).getDeclaringClass()
                    != Plugin.class;
        } catch (NoSuchMethodException e) {
            throw new AssertionError("Plugin declares onResponse", e);
        }
    }

    @Override
    public String toString() {
        return "plugin \"" + name + "\" (" + phase + ")";
    }
}
