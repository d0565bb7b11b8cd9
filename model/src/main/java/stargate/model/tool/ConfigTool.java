package stargate.model.tool;

/** Offline config commands (validate, explain). */
public final class ConfigTool {
    private ConfigTool() {
    }

    public static void main(String[] args) {
        System.out.println("stargate-model " + ConfigTool.class.getPackage().getImplementationVersion());
    }
}
