/**
 * The config in etcd: one key per object under the prefix, each a {@code {"meta", "spec"}} JSON
 * document (see {@code docs/etcd-layout.md}), and the storage form of secrets. Entry class:
 * {@link stargate.controller.store.EtcdStore}; {@link stargate.controller.store.Snapshot} is the
 * whole config at one etcd revision; {@link stargate.controller.store.Secrets} hashes and masks credentials.
 */
package stargate.controller.store;
