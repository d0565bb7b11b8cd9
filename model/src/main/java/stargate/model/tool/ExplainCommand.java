package stargate.model.tool;

/** {@code stargate explain FILE METHOD URL [-H 'Name: value']...}: which route serves a request, and why others lose. */
final class ExplainCommand {
    private ExplainCommand() {
    }

    /** @return the process exit code */
    static int run(String[] args) {
        System.err.println("explain: not yet available");
        return 2;
    }
}
