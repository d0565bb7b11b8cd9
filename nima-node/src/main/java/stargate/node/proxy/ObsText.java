package stargate.node.proxy;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import io.helidon.common.GenericType;
import io.helidon.common.mapper.MapperException;
import io.helidon.common.mapper.Value;
import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderValues;

/**
 * Header values carried byte for byte (SPEC §13): obs-text, the octets 0x80–0xFF that RFC 9110 §5.5
 * still allows in a field value, reach the other side unchanged, as nginx and Envoy pass them.
 *
 * <p>Helidon 4.5 decodes request header values as US-ASCII (each such octet becomes U+FFFD) and encodes
 * response header values as US-ASCII (each char above 0x7F becomes {@code ?}). Requests: the octets are
 * still in the header's lazily decoded buffer, read here through private fields, looked up once; when
 * that lookup fails (another Helidon version), the value is sent as decoded and the failure logged once
 * at start. Only the first value of a repeated header is recoverable (Helidon decodes the others when it
 * merges them). Responses: the upstream head is read as ISO-8859-1, and {@link #responseHeader} gives a
 * header whose wire bytes are that encoding again.
 */
final class ObsText {
    private static final char REPLACEMENT = '\uFFFD';
    private static final VarHandle LAZY_HEADER_VALUE;
    private static final VarHandle BUFFER;
    private static final VarHandle OFFSET;
    private static final VarHandle LENGTH;

    static {
        VarHandle value = null;
        VarHandle buffer = null;
        VarHandle offset = null;
        VarHandle length = null;
        try {
            Class<?> lazyHeader = Class.forName("io.helidon.http.HeaderValueLazy");
            Class<?> lazyString = Class.forName("io.helidon.common.buffers.LazyString");
            value = MethodHandles.privateLookupIn(lazyHeader, MethodHandles.lookup())
                    .findVarHandle(lazyHeader, "value", lazyString);
            MethodHandles.Lookup strings = MethodHandles.privateLookupIn(lazyString, MethodHandles.lookup());
            buffer = strings.findVarHandle(lazyString, "buffer", byte[].class);
            offset = strings.findVarHandle(lazyString, "offset", int.class);
            length = strings.findVarHandle(lazyString, "length", int.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            System.getLogger(ObsText.class.getName()).log(System.Logger.Level.WARNING,
                    "event=obs_text_unavailable note=\"request header bytes above 0x7F will reach upstreams as"
                    + " U+FFFD's low byte\" cause=\"" + e + "\"");
            value = null;
        }
        LAZY_HEADER_VALUE = value;
        BUFFER = buffer;
        OFFSET = offset;
        LENGTH = length;
    }

    private ObsText() {
    }

    /** Whether Helidon lost octets of this decoded request value. */
    static boolean decodedLossily(String value) {
        return value.indexOf(REPLACEMENT) >= 0;
    }

    /**
     * The octets the client sent as the first value of {@code header}, without surrounding whitespace,
     * or null when Helidon no longer holds them.
     */
    static byte[] clientBytes(Header header) {
        if (LAZY_HEADER_VALUE == null || !header.getClass().getName().equals("io.helidon.http.HeaderValueLazy")) {
            return null;
        }
        Object lazy = LAZY_HEADER_VALUE.get(header);
        byte[] buffer = (byte[]) BUFFER.get(lazy);
        int start = (int) OFFSET.get(lazy);
        int end = start + (int) LENGTH.get(lazy);
        while (start < end && isOws(buffer[start])) {
            start++;
        }
        while (end > start && isOws(buffer[end - 1])) {
            end--;
        }
        return java.util.Arrays.copyOfRange(buffer, start, end);
    }

    private static boolean isOws(byte b) {
        return b == ' ' || b == '\t';
    }

    /** A response header for {@code value} as read from the upstream; one that writes obs-text octets as they came. */
    static Header responseHeader(HeaderName name, String value) {
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) > 0x7F) {
                return new Latin1Header(HeaderValues.create(name, value));
            }
        }
        return HeaderValues.create(name, value);
    }

    /** A single-valued header whose wire bytes are its value in ISO-8859-1; everything else is the plain header's. */
    private record Latin1Header(Header plain) implements Header {
        @Override
        public byte[] valueBytes() {
            return plain.get().getBytes(StandardCharsets.ISO_8859_1);
        }

        @Override
        public String name() {
            return plain.name();
        }

        @Override
        public HeaderName headerName() {
            return plain.headerName();
        }

        @Override
        public String get() {
            return plain.get();
        }

        @Override
        public List<String> allValues() {
            return plain.allValues();
        }

        @Override
        public int valueCount() {
            return plain.valueCount();
        }

        @Override
        public boolean sensitive() {
            return plain.sensitive();
        }

        @Override
        public boolean changing() {
            return plain.changing();
        }

        @Override
        public <N> Value<N> as(Class<N> type) throws MapperException {
            return plain.as(type);
        }

        @Override
        public <N> Value<N> as(GenericType<N> type) throws MapperException {
            return plain.as(type);
        }

        @Override
        public <N> Value<N> as(Function<? super String, ? extends N> mapper) {
            return plain.as(mapper);
        }

        @Override
        public Optional<String> asOptional() throws MapperException {
            return plain.asOptional();
        }

        @Override
        public Value<Boolean> asBoolean() {
            return plain.asBoolean();
        }

        @Override
        public Value<String> asString() {
            return plain.asString();
        }

        @Override
        public Value<Integer> asInt() {
            return plain.asInt();
        }

        @Override
        public Value<Long> asLong() {
            return plain.asLong();
        }

        @Override
        public Value<Double> asDouble() {
            return plain.asDouble();
        }
    }
}
