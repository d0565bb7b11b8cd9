package stargate.node.proxy;

import io.helidon.http.HeaderNames;
import io.helidon.http.ServerResponseHeaders;

/**
 * The header fields of a response about to be sent, as plugins edit them ({@link ForwardEdits.ResponseHook}):
 * over Helidon's response headers, or over an upstream's head on its way past Helidon's response layer
 * ({@link DirectResponse}). Names are case-insensitive. A value with a control character is refused
 * ({@link IllegalArgumentException}): it could end the field and smuggle another.
 */
public interface ResponseFields {
    /** The first value of {@code name}, or null. */
    String first(String name);

    /** Replaces every value of {@code name} with {@code value}. */
    void set(String name, String value);

    void add(String name, String value);

    void remove(String name);

    /** The fields of a response that goes through Helidon (which validates them as it sends). */
    static ResponseFields of(ServerResponseHeaders headers) {
        return new ResponseFields() {
            @Override
            public String first(String name) {
                return headers.first(HeaderNames.create(name)).orElse(null);
            }

            @Override
            public void set(String name, String value) {
                headers.set(HeaderNames.create(name), value);
            }

            @Override
            public void add(String name, String value) {
                headers.add(HeaderNames.create(name), value);
            }

            @Override
            public void remove(String name) {
                headers.remove(HeaderNames.create(name));
            }
        };
    }
}
