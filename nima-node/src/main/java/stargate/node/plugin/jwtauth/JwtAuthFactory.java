package stargate.node.plugin.jwtauth;

import stargate.model.plugin.JwtAuthConfig;
import stargate.node.plugin.Phase;
import stargate.node.plugin.Plugin;
import stargate.node.plugin.PluginContext;
import stargate.node.plugin.RecordPluginFactory;

/** {@code jwt-auth} (SPEC §6), listed in {@code META-INF/services/stargate.node.plugin.PluginFactory}. */
public final class JwtAuthFactory extends RecordPluginFactory<JwtAuthConfig> {
    public JwtAuthFactory() {
        super(JwtAuthConfig.NAME, Phase.AUTH, JwtAuthConfig.class);
    }

    @Override
    protected Plugin create(JwtAuthConfig config, PluginContext context) {
        VerificationKeys keys = config.jwksUri() != null
                ? new JwksKeys(java.net.URI.create(config.jwksUri()), context.nanoTime(), JwksKeys.MIN_REFRESH_INTERVAL)
                : StaticKey.of(config);
        return new JwtAuthPlugin(config, keys, context.clock());
    }
}
