/**
 * OCSP stapling ({@code ocsp_stapling: true} on a certificate): {@link stargate.node.ocsp.OcspStaples}
 * fetches, checks and refreshes each certificate's OCSP response in the background, so a TLS handshake
 * staples what is in memory and never waits for a responder.
 */
package stargate.node.ocsp;
