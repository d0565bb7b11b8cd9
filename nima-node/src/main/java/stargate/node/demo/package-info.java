/** {@code stargate demo}: {@link stargate.node.demo.Demo} and its {@link stargate.node.demo.EchoBackend}s. */
package stargate.node.demo;
