package stargate.controller.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import stargate.controller.store.ConfigView;
import stargate.controller.store.Meta;
import stargate.controller.store.Secrets;
import stargate.controller.store.StoredObject;
import stargate.model.Kind;
import stargate.model.diff.Change;
import stargate.model.validate.ConfigError;
import stargate.controller.write.ConfigService;
import stargate.controller.problem.ApiProblem;

/**
 * The rules of a single-object write and read shared by the REST resources ({@link ObjectResource})
 * and the gRPC admin API: how a body binds, what a write proposes (masked secrets keep the stored
 * value), and how an object is shown (secrets masked, server-owned fields added). Errors are
 * {@link ApiProblem}s with the same paths either way.
 */
public final class ObjectWrites {
    private ObjectWrites() {
    }

    /** @throws ApiProblem 400 unless {@code id} is a well-formed object id */
    public static String checkedId(String id) {
        return Json.id(id);
    }

    /**
     * Binds an object's JSON text (a REST body) for a create-or-replace of {@code kind/id}.
     *
     * @throws ApiProblem 400 with every error's path
     */
    public static Object bind(Kind kind, String id, String json) {
        return Json.bind(kind, Json.body(json), checkedId(id));
    }

    /**
     * Binds the global plugins' JSON text (plugin name to config, REST's {@code PUT /global-plugins} body).
     *
     * @throws ApiProblem 400 with every error's path
     */
    public static Object bindGlobalPlugins(String json) {
        return Json.bind(Kind.GLOBAL_PLUGINS, Json.body(json), "");
    }

    /**
     * A create or replace: a masked secret sent back keeps the stored one. Global plugins without
     * any plugin are a removal.
     */
    public static ConfigService.ObjectProposal replace(ConfigView view, Kind kind, String id, Object incoming) {
        if (kind == Kind.GLOBAL_PLUGINS && ((Map<?, ?>) incoming).isEmpty()) {
            return new ConfigService.ObjectProposal(null, List.of());
        }
        List<ConfigError> errors = new ArrayList<>();
        Object previous = view.get(kind, id).map(StoredObject::value).orElse(null);
        Object unmasked = Secrets.unmask(incoming, previous, kind == Kind.GLOBAL_PLUGINS ? kind.key() : "", errors);
        return new ConfigService.ObjectProposal(unmasked, errors);
    }

    /** A delete. @throws ApiProblem 404 when the object is absent (referrers are checked by the service) */
    public static ConfigService.ObjectProposal remove(ConfigView view, Kind kind, String id) {
        if (view.get(kind, id).isEmpty()) {
            throw notFound(kind, id);
        }
        return new ConfigService.ObjectProposal(null, List.of());
    }

    public static ApiProblem notFound(Kind kind, String id) {
        return ApiProblem.notFound("no " + kind.key() + " object \"" + id + "\"");
    }

    /** An object as the API shows it (JSON text). */
    public static String view(StoredObject o) {
        return Json.view(o).toString();
    }

    /** An object just written, as the API shows it (JSON text). */
    public static String view(Object storedValue, Meta meta, long revision) {
        return Json.view(storedValue, meta, revision).toString();
    }

    /** A write's diff as REST answers a dry run (JSON text, secrets masked). */
    public static String diff(List<Change> changes, boolean dryRun, long revision) {
        return Json.changes(changes, dryRun, revision).toString();
    }
}
