package stargate.node.balancer;

/**
 * What a balancer may learn about the request it is placing. Only the hashing balancers read it
 * ({@code ip-hash} the client address, {@code consistent-hash} its {@code hash_on} key), so the node
 * should implement the accessors lazily: a round-robin pick never calls them.
 */
public interface PickContext {

    /** The client's address as text ({@code 192.0.2.7}, {@code 2001:db8:0:0:0:0:0:1}); null when unknown. */
    String clientIp();

    /** The request path without the query; null when unknown. */
    String path();

    /** The first value of a request header, by its lower-case name; null when absent. */
    String header(String lowerCaseName);

    /** The value of a request cookie, by its exact name; null when absent. */
    String cookie(String name);
}
