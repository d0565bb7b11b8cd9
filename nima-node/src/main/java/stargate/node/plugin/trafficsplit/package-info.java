/**
 * {@code traffic-split}: a share of a route's requests, or those matching headers, go to another
 * upstream. Entry class: {@link stargate.node.plugin.trafficsplit.TrafficSplitFactory}.
 */
package stargate.node.plugin.trafficsplit;
