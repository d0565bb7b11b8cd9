package stargate.node.listener;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.spi.InetAddressResolver;
import java.net.spi.InetAddressResolverProvider;
import java.util.stream.Stream;

/**
 * The node's address resolver (installed as a {@link InetAddressResolverProvider} service): the JDK's own,
 * except that it never looks up the name of an address (reverse DNS); the address's text stands for it.
 *
 * <p>Why: Helidon 4.5 makes each TLS connection's {@code SSLEngine} with the client's host name
 * ({@code ConnectionHandler.createNioSocket} calls {@code InetSocketAddress.getHostName()}), so every
 * TLS connection cost a PTR query, before the node counts or times the connection, on its virtual thread,
 * which the blocking lookup holds on its carrier. With a resolver a few milliseconds away, a handshake flood
 * from addresses with no name made the node take 80 connections a second and a well-behaved client's
 * handshake wait 10 s in the same queue (TlsHandshakeFloodTest); an attacker who answers its own PTR
 * queries slowly holds the node's carriers for as long as the resolver waits. The node uses client
 * addresses as addresses (limits, logs, forwarding headers), never their names.
 */
public final class NoReverseLookups extends InetAddressResolverProvider {
    @Override
    public InetAddressResolver get(Configuration configuration) {
        InetAddressResolver builtin = configuration.builtinResolver();
        return new InetAddressResolver() {
            @Override
            public Stream<InetAddress> lookupByName(String host, LookupPolicy policy) throws UnknownHostException {
                return builtin.lookupByName(host, policy);
            }

            @Override
            public String lookupByAddress(byte[] address) throws UnknownHostException {
                throw new UnknownHostException("the node does no reverse DNS lookups");
            }
        };
    }

    @Override
    public String name() {
        return "stargate-no-reverse-lookups";
    }
}
