/**
 * The Stargate control plane (SPEC §9): the admin API over etcd, on Helidon MP. Entry class:
 * {@link stargate.controller.Main}; the API is in {@code api}, etcd in {@code store}, auth in {@code auth}.
 */
package stargate.controller;
