/**
 * {@code jwt-auth}: a signed JWT in {@code Authorization: Bearer} authenticates the request, and may
 * identify a consumer through its {@code iss}/{@code aud}/{@code sub} claims. Entry class:
 * {@link stargate.node.plugin.jwtauth.JwtAuthFactory}; the plugin is {@code JwtAuthPlugin}, its keys come
 * from {@code VerificationKeys}: {@code StaticKey} (a secret or PEM key) or {@code JwksKeys} (a cached,
 * rate-limited JWKS fetch). Signatures are checked with Nimbus JOSE+JWT.
 */
package stargate.node.plugin.jwtauth;
