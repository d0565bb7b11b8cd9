package stargate.model.codec;

import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.List;

/**
 * What the binder and the encoder need to know about one record class, computed once per class:
 * its components with their config keys, its canonical constructor, and its "absent" instance
 * (every component absent), whose values are the defaults the encoder leaves out.
 */
final class RecordShape {
    private static final ClassValue<RecordShape> SHAPES = new ClassValue<>() {
        @Override
        protected RecordShape computeValue(Class<?> type) {
            return new RecordShape(type);
        }
    };

    /** One component: its Java accessor, its snake_case config key and its declared type. */
    record Field(RecordComponent component, String key, java.lang.reflect.Type genericType) {
        Object read(Object record) {
            try {
                return component.getAccessor().invoke(record);
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new IllegalStateException("cannot read " + component, e);
            }
        }
    }

    private final Class<?> type;
    private final List<Field> fields;
    private final java.util.Set<String> keys;
    /** Per component, what an absent value is passed as: the primitive's zero (0, false), else null. */
    private final Object[] zeros;
    private final Constructor<?> constructor;
    private final Object absent;

    private RecordShape(Class<?> type) {
        this.type = type;
        RecordComponent[] components = type.getRecordComponents();
        this.fields = Arrays.stream(components).map(c -> new Field(c, snakeCase(c.getName()), c.getGenericType())).toList();
        java.util.Set<String> names = new java.util.LinkedHashSet<>();
        fields.forEach(f -> names.add(f.key()));
        this.keys = java.util.Collections.unmodifiableSet(names);
        this.zeros = Arrays.stream(components).map(RecordComponent::getType)
                .map(t -> t.isPrimitive() ? Array.get(Array.newInstance(t, 1), 0) : null).toArray();
        try {
            this.constructor = type.getDeclaredConstructor(
                    Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new));
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException("no canonical constructor on " + type, e);
        }
        this.absent = construct(new Object[fields.size()]);
    }

    static RecordShape of(Class<?> type) {
        return SHAPES.get(type);
    }

    List<Field> fields() {
        return fields;
    }

    /** The config keys of {@link #fields()}, to look an unknown key up. */
    java.util.Set<String> keys() {
        return keys;
    }

    /** The record built with every component absent: null, or 0/false for primitives. */
    Object absent() {
        return absent;
    }

    /**
     * Calls the canonical constructor; null arguments for primitive components become 0/false.
     *
     * @throws IllegalArgumentException with the constructor's own message when it rejects the values
     */
    Object construct(Object[] args) {
        Object[] filled = args.clone();
        for (int i = 0; i < filled.length; i++) {
            if (filled[i] == null) {
                filled[i] = zeros[i];
            }
        }
        try {
            return constructor.newInstance(filled);
        } catch (InvocationTargetException e) {
            throw new IllegalArgumentException(String.valueOf(e.getCause().getMessage()), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot construct " + type.getSimpleName(), e);
        }
    }

    /** {@code halfOpenSuccesses} to {@code half_open_successes}. */
    static String snakeCase(String camel) {
        StringBuilder out = new StringBuilder(camel.length() + 4);
        for (char c : camel.toCharArray()) {
            if (Character.isUpperCase(c)) {
                out.append('_').append(Character.toLowerCase(c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
