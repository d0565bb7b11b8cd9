/**
 * Who may call the admin API: bearer JWTs (RS256/ES256, roles from the {@code groups} claim) and
 * {@code X-API-Key} keys from a YAML file, both mapped to the roles {@code admin} (read and write)
 * and {@code viewer} (read). Entry class: {@link stargate.controller.auth.AuthFilter}.
 */
package stargate.controller.auth;
