package stargate.model;

/** An enum whose config spelling differs from its Java name ({@code round-robin} vs ROUND_ROBIN). */
public interface WireName {
    /** The spelling in YAML/JSON. */
    @com.fasterxml.jackson.annotation.JsonValue
    String wire();
}
