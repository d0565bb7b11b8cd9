/**
 * How consumers' secrets are stored at rest ({@code docs/etcd-layout.md}, "Secrets at rest"): the
 * one definition of the hash formats, used by the controller to write them and by the node to
 * check presented credentials against them. See {@link stargate.model.secret.SecretHash}.
 */
package stargate.model.secret;
