/**
 * Test fixtures that run real processes for the end-to-end tests. Entry class: {@link stargate.it.support.EtcdCluster},
 * one etcd member or a static 3-member cluster on free loopback ports, with stop/start for fault tests.
 */
package stargate.it.support;
