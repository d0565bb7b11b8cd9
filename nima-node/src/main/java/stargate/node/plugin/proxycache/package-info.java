/**
 * {@code proxy-cache}: GET and HEAD responses kept in memory and answered without the upstream while
 * fresh. Entry class: {@link stargate.node.plugin.proxycache.ProxyCacheFactory}; the plugin is
 * {@code ProxyCachePlugin}, what may be stored and for how long is {@code Storability} (over
 * {@code CacheControl}), the entries live in {@code ResponseCache} (LRU). The body is copied while it
 * streams to the client through the proxy's response tap ({@code ForwardEdits.ResponseTap}).
 */
package stargate.node.plugin.proxycache;
