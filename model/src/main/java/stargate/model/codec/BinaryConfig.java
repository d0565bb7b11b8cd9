package stargate.model.codec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import stargate.model.GatewayConfig;
import stargate.model.WireName;

/**
 * A config in a compact binary form, for a node's snapshot of a parsed standalone file: reading it
 * back costs a fraction of parsing 100,000 routes of YAML (SPEC §12's start budget). Driven by the
 * record types, as {@link TreeBinder} is: each value is a presence byte, then records their
 * components in order, lists and maps a count and their elements, strings UTF-8 with a length,
 * numbers in binary, {@link WireName} enums their ordinal and plugin configs ({@link JsonNode}) JSON
 * text. Records are built through their canonical constructors, so they hold what a parse builds.
 *
 * <p>The form has no version of its own: {@link #schema()} fingerprints the record types it is made
 * of, and a reader refuses a snapshot written for another schema. Not a wire format: what reads it
 * is the build that wrote it.
 */
public final class BinaryConfig {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SCHEMA = fingerprint();

    private BinaryConfig() {
    }

    /** A fingerprint of the record types, components and enum constants this form encodes. */
    public static String schema() {
        return SCHEMA;
    }

    public static byte[] write(GatewayConfig config) {
        var bytes = new java.io.ByteArrayOutputStream(1 << 16);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            write(config, GatewayConfig.class, out);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return bytes.toByteArray();
    }

    /** @throws IOException when {@code bytes} are not a config of this schema (truncated, or a value out of range) */
    public static GatewayConfig read(byte[] bytes) throws IOException {
        Reading reading = new Reading(new DataInputStream(new ByteArrayInputStream(bytes)));
        try {
            Object config = reading.value(GatewayConfig.class);
            if (!(config instanceof GatewayConfig read) || reading.in.available() != 0) {
                throw new IOException("not one config");
            }
            return read;
        } catch (RuntimeException e) { // a constructor refusing what it got, an unknown ordinal...
            throw new IOException("corrupt: " + e.getMessage(), e);
        }
    }

    private static void write(Object value, Type type, DataOutputStream out) throws IOException {
        if (value == null) {
            out.writeByte(0);
            return;
        }
        out.writeByte(1);
        if (type instanceof ParameterizedType generic) {
            Type element = generic.getActualTypeArguments()[generic.getActualTypeArguments().length - 1];
            if (generic.getRawType() == List.class) {
                List<?> list = (List<?>) value;
                out.writeInt(list.size());
                for (Object item : list) {
                    write(item, element, out);
                }
            } else {
                Map<?, ?> map = (Map<?, ?>) value;
                out.writeInt(map.size());
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    writeString((String) e.getKey(), out);
                    write(e.getValue(), element, out);
                }
            }
            return;
        }
        Class<?> c = (Class<?>) type;
        if (c.isRecord() && c != ByteSize.class) {
            for (RecordShape.Field field : RecordShape.of(c).fields()) {
                write(field.read(value), field.genericType(), out);
            }
        } else if (c == String.class) {
            writeString((String) value, out);
        } else if (c == JsonNode.class) {
            writeString(JSON.writeValueAsString(value), out);
        } else if (c == int.class || c == Integer.class) {
            out.writeInt((Integer) value);
        } else if (c == double.class || c == Double.class) {
            out.writeDouble((Double) value);
        } else if (c == boolean.class || c == Boolean.class) {
            out.writeBoolean((Boolean) value);
        } else if (c == Duration.class) {
            out.writeLong(((Duration) value).getSeconds());
            out.writeInt(((Duration) value).getNano());
        } else if (c == ByteSize.class) {
            out.writeLong(((ByteSize) value).bytes());
        } else if (c.isEnum() && WireName.class.isAssignableFrom(c)) {
            out.writeInt(((Enum<?>) value).ordinal());
        } else {
            throw new IllegalArgumentException("unsupported config type " + type);
        }
    }

    private static void writeString(String s, DataOutputStream out) throws IOException {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    /** One read: its input, and the short strings shared within it as a parse shares them. */
    private static final class Reading {
        final DataInputStream in;
        final TreeBinder strings = new TreeBinder();

        Reading(DataInputStream in) {
            this.in = in;
        }

        Object value(Type type) throws IOException {
            int presence = in.readUnsignedByte();
            if (presence == 0) {
                return null;
            }
            if (presence != 1) {
                throw new IOException("bad presence byte " + presence);
            }
            if (type instanceof ParameterizedType generic) {
                Type element = generic.getActualTypeArguments()[generic.getActualTypeArguments().length - 1];
                int size = count();
                if (generic.getRawType() == List.class) {
                    List<Object> list = new ArrayList<>(size);
                    for (int i = 0; i < size; i++) {
                        list.add(value(element));
                    }
                    return list;
                }
                Map<String, Object> map = new LinkedHashMap<>();
                for (int i = 0; i < size; i++) {
                    map.put(string(), value(element));
                }
                return map;
            }
            Class<?> c = (Class<?>) type;
            if (c.isRecord() && c != ByteSize.class) {
                RecordShape shape = RecordShape.of(c);
                Object[] args = new Object[shape.fields().size()];
                for (int i = 0; i < args.length; i++) {
                    args[i] = value(shape.fields().get(i).genericType());
                }
                return shape.construct(args);
            }
            if (c == String.class) {
                return string();
            }
            if (c == JsonNode.class) {
                return JSON.readTree(string());
            }
            if (c == int.class || c == Integer.class) {
                return in.readInt();
            }
            if (c == double.class || c == Double.class) {
                return in.readDouble();
            }
            if (c == boolean.class || c == Boolean.class) {
                return in.readBoolean();
            }
            if (c == Duration.class) {
                return Duration.ofSeconds(in.readLong(), in.readInt());
            }
            if (c == ByteSize.class) {
                return new ByteSize(in.readLong());
            }
            if (c.isEnum() && WireName.class.isAssignableFrom(c)) {
                return c.getEnumConstants()[in.readInt()];
            }
            throw new IllegalArgumentException("unsupported config type " + type);
        }

        /** A count of elements, each at least one byte: never more than the bytes left. */
        private int count() throws IOException {
            int size = in.readInt();
            if (size < 0 || size > in.available()) {
                throw new IOException("bad count " + size);
            }
            return size;
        }

        private String string() throws IOException {
            byte[] utf8 = in.readNBytes(count());
            return strings.canonical(new String(utf8, StandardCharsets.UTF_8));
        }
    }

    private static String fingerprint() {
        StringBuilder text = new StringBuilder();
        describe(GatewayConfig.class, text, new HashSet<>());
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static void describe(Type type, StringBuilder text, Set<Type> seen) {
        if (!seen.add(type)) {
            return;
        }
        text.append(type.getTypeName()).append('\n');
        if (type instanceof ParameterizedType generic) {
            for (Type argument : generic.getActualTypeArguments()) {
                describe(argument, text, seen);
            }
        } else if (type instanceof Class<?> c && c.isRecord()) {
            for (RecordShape.Field field : RecordShape.of(c).fields()) {
                text.append(' ').append(field.key()).append(':').append(field.genericType().getTypeName()).append('\n');
                describe(field.genericType(), text, seen);
            }
        } else if (type instanceof Class<?> c && c.isEnum()) {
            for (Object constant : c.getEnumConstants()) {
                text.append(' ').append(constant).append('\n');
            }
        }
    }
}
