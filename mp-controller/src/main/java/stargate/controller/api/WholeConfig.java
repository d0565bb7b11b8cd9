package stargate.controller.api;

import java.util.ArrayList;
import java.util.List;
import stargate.controller.audit.Actor;
import stargate.controller.problem.ApiProblem;
import stargate.controller.store.Secrets;
import stargate.controller.store.Snapshot;
import stargate.controller.store.StoredObject;
import stargate.controller.write.ConfigService;
import stargate.model.GatewayConfig;
import stargate.model.Kind;
import stargate.model.codec.ConfigCodec;
import stargate.model.validate.ConfigError;
import stargate.model.validate.Validated;

/**
 * The whole-config write shared by REST ({@code PUT /config}, {@code POST /config/validate}) and
 * the gRPC admin API ({@code PutConfig}, {@code ValidateConfig}): the text read as a config file,
 * masks resolved to the stored secrets, validated as a whole and committed in one transaction.
 */
public final class WholeConfig {
    private WholeConfig() {
    }

    /**
     * @param ifRevision the revision of the last config write the caller saw; null = any
     * @throws ApiProblem 400 with every error's path when the text is not a valid config
     */
    public static ConfigService.Outcome write(ConfigService service, String text, ConfigCodec.Format format, Long ifRevision,
                                              boolean dryRun, Actor actor) {
        String body = text == null ? "" : text;
        Validated<GatewayConfig> read = ConfigCodec.readConfig(body, format);
        if (!read.isValid()) {
            // one answer with every error: the parts that read are checked too, masks resolved as a write would
            Snapshot snapshot = service.snapshot();
            throw ApiProblem.invalid("the body is not a readable config", service.validator()
                    .check(body, format, readable -> unmasked(readable, snapshot).config()).errors());
        }
        GatewayConfig incoming = read.value();
        return service.write(null, ifRevision, dryRun, actor, snapshot -> unmasked(incoming, snapshot));
    }

    /** Masks in the body keep the secrets stored under the same id; paths follow the body's order. */
    private static ConfigService.Proposal unmasked(GatewayConfig incoming, Snapshot snapshot) {
        List<ConfigError> errors = new ArrayList<>();
        GatewayConfig unmasked = Secrets.unmask(incoming, (kind, id) -> stored(snapshot, kind, id),
                (kind, index, id) -> kind == Kind.GLOBAL_PLUGINS ? kind.key() : kind.key() + "[" + index + "]", errors);
        return new ConfigService.Proposal(unmasked, errors);
    }

    private static Object stored(Snapshot snapshot, Kind kind, String id) {
        return id == null ? null : snapshot.get(kind, id).map(StoredObject::value).orElse(null);
    }
}
