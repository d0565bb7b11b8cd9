package stargate.node;

/** Entry point of the data plane. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.out.println("stargate-node " + Main.class.getPackage().getImplementationVersion());
    }
}
