package stargate.model.diff;

import stargate.model.Kind;

/**
 * One object that differs between two configs.
 *
 * @param kind   which list it is in
 * @param id     its id; empty for {@link Kind#GLOBAL_PLUGINS}, which is one object per config
 * @param op     what happened to it
 * @param before the old object (a record, or the global plugins map); null when {@link Op#ADDED}
 * @param after  the new object; null when {@link Op#REMOVED}
 */
public record Change(Kind kind, String id, Op op, Object before, Object after) {
    public enum Op {
        ADDED("+"), CHANGED("~"), REMOVED("-");

        private final String sign;

        Op(String sign) {
            this.sign = sign;
        }

        /** {@code +}, {@code ~} or {@code -}, as in the diff summary. */
        public String sign() {
            return sign;
        }
    }

    @Override
    public String toString() {
        return op.sign() + kind.key() + (id.isEmpty() ? "" : "/" + id);
    }
}
