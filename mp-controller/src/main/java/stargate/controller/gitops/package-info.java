/**
 * GitOps: the controller follows a Git branch and applies its config to etcd, Argo CD / Flux style
 * (status, inventory prune, empty guard, drift and self-heal, webhook, one applier among many).
 * Entry class: {@link stargate.controller.gitops.GitOps}; one pass is
 * {@link stargate.controller.gitops.Reconciler}; semantics in {@code docs/gitops.md}.
 */
package stargate.controller.gitops;
