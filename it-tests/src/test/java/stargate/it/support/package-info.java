/**
 * Test fixtures that run real processes for the end-to-end tests: {@link stargate.it.support.EtcdCluster}
 * (entry class: one etcd member or a static 3-member cluster on free loopback ports, with stop/start for
 * fault tests), {@link stargate.it.support.NodeProcess} and {@link stargate.it.support.ControllerProcess}
 * (the built jars as child processes) and {@link stargate.it.support.Http} (calls that answer -1 instead of throwing).
 */
package stargate.it.support;
