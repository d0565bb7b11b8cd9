package stargate.model.validate;

/**
 * One problem in a config, located by its path, e.g.
 * {@code routes[2].upstream: unknown upstream "users"}.
 *
 * @param path    where: {@code routes[2].upstream}, {@code upstreams[0].targets[1].url}, {@code global_plugins.cors}
 * @param message what is wrong, in words an operator can act on
 */
public record ConfigError(String path, String message) {
    @Override
    public String toString() {
        return path.isEmpty() ? message : path + ": " + message;
    }
}
