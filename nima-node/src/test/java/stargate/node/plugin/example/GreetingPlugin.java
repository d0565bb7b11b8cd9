package stargate.node.plugin.example;

import stargate.node.plugin.Exchange;
import stargate.node.plugin.Plugin;
import stargate.node.plugin.Response;

/** Adds a greeting header to every response, naming the consumer when one was authenticated. */
final class GreetingPlugin implements Plugin {
    private final GreetingConfig config;

    GreetingPlugin(GreetingConfig config) {
        this.config = config;
    }

    @Override
    public void onResponse(Exchange exchange, Response response) {
        String who = exchange.consumer() == null ? "" : ", " + exchange.consumer().id();
        response.setHeader(config.header(), config.message() + who);
    }
}
