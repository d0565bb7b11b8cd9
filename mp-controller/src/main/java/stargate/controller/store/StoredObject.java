package stargate.controller.store;

import stargate.model.Kind;

/**
 * One object as etcd holds it.
 *
 * @param kind        its kind
 * @param id          its id; empty for {@link Kind#GLOBAL_PLUGINS}
 * @param value       the model object in storage form (secrets hashed): a record, or the global plugins map
 * @param meta        server-owned metadata
 * @param modRevision the key's mod revision: the object's {@code revision} and {@code ETag}
 */
public record StoredObject(Kind kind, String id, Object value, Meta meta, long modRevision) {
}
