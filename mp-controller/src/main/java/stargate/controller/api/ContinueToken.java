package stargate.controller.api;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import stargate.controller.problem.ApiProblem;
import stargate.controller.store.EtcdStore;
import stargate.model.Kind;
import stargate.model.validate.ConfigError;

/**
 * Where the next page of a list starts (Kubernetes style {@code ?continue=}): the kind listed, the
 * etcd revision the first page was read at (every page is read at it, so a paged list is one
 * consistent view), and the last id answered. Opaque to clients: base64url of
 * {@code <kind>:<revision>:<id>}. It grants nothing: any reader may list the kind, and reading at
 * an old revision shows no more than {@code GET /history} does.
 */
record ContinueToken(Kind kind, long revision, String after) {
    static final String PARAM = "continue";

    String encode() {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((kind.key() + ":" + revision + ":" + after).getBytes(StandardCharsets.UTF_8));
    }

    /** @throws ApiProblem 400 when {@code token} is not one this controller gave for {@code kind} */
    static ContinueToken decode(String token, Kind kind) {
        if (token.length() > 200) {
            throw invalid("too long");
        }
        String text;
        try {
            text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw invalid("not base64url");
        }
        String[] parts = text.split(":", 3);
        if (parts.length != 3) {
            throw invalid("malformed");
        }
        if (!parts[0].equals(kind.key())) {
            throw invalid("it continues a list of " + parts[0] + ", not of " + kind.key());
        }
        long revision;
        try {
            revision = Long.parseLong(parts[1]);
        } catch (NumberFormatException e) {
            throw invalid("malformed");
        }
        if (revision <= 0 || !EtcdStore.ID.matcher(parts[2]).matches()) {
            throw invalid("malformed");
        }
        return new ContinueToken(kind, revision, parts[2]);
    }

    private static ApiProblem invalid(String why) {
        return ApiProblem.badRequest("invalid continue token: " + why + "; pass the continue value of the previous page",
                List.of(new ConfigError(PARAM, why)));
    }
}
