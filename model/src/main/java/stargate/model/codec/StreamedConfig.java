package stargate.model.codec;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import stargate.model.GatewayConfig;
import stargate.model.Kind;
import stargate.model.validate.ConfigError;

/**
 * What a streamed read of a whole config found ({@link ConfigCodec#stream}): the objects that read,
 * and for the ones that did not, their errors and where they were, so that the checks of meaning
 * can still run on the rest (one pass reports everything, SPEC §13).
 *
 * @param readable        every object that read, each list in document order without the unreadable ones
 * @param errors          reading errors, each with its path; the errors of one object in a list end with
 *                        {@code (line N)}, the line the object starts on; empty when everything read
 * @param unreadable      per kind, the positions of the objects that did not read, to their id (null: none)
 * @param unreadableLists kinds whose whole list did not read (not a list)
 */
public record StreamedConfig(GatewayConfig readable, List<ConfigError> errors,
                             Map<Kind, SortedMap<Integer, String>> unreadable, Set<Kind> unreadableLists) {
    public StreamedConfig {
        errors = List.copyOf(errors);
        unreadable = Map.copyOf(unreadable);
        unreadableLists = Set.copyOf(unreadableLists);
    }

    /** Whether the text was well-formed enough to say which objects read (false: one syntax error, nothing read). */
    public boolean malformed() {
        return readable == null;
    }
}
