package stargate.controller.store;

import java.util.Optional;
import stargate.model.Kind;

/** The stored objects a single-object write proposes from. */
public interface ConfigView {
    /** @param id empty for {@link Kind#GLOBAL_PLUGINS} */
    Optional<StoredObject> get(Kind kind, String id);
}
