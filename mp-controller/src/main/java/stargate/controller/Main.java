package stargate.controller;

/** Entry point of the control plane. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.out.println("stargate-controller " + Main.class.getPackage().getImplementationVersion());
    }
}
