package stargate.node.plugin.example;

import stargate.model.plugin.ConfigProblems;
import stargate.model.plugin.PluginConfig;

/**
 * {@code greeting}: the example plugin's config, a record whose components are its keys.
 *
 * @param header  response header to add; default {@code X-Greeting}
 * @param message its value; required, at most 100 characters
 */
public record GreetingConfig(String header, String message) implements PluginConfig {
    public static final String NAME = "greeting";

    public GreetingConfig {
        header = header == null ? "X-Greeting" : header;
    }

    @Override
    public void check(ConfigProblems problems) {
        if (problems.required("message", message) && message.length() > 100) {
            problems.add("message", "at most 100 characters");
        }
    }
}
