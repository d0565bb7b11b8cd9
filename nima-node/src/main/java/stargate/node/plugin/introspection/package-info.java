/**
 * {@code oauth2-introspection}: a bearer token is judged by the authorization server's introspection
 * endpoint (RFC 7662), and the answer cached. Entry class:
 * {@link stargate.node.plugin.introspection.IntrospectionFactory}; the plugin is
 * {@code IntrospectionPlugin}, the call {@code Introspector}, the cache {@code TokenCache}.
 */
package stargate.node.plugin.introspection;
