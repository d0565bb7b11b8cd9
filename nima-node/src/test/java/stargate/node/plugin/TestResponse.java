package stargate.node.plugin;

import java.util.ArrayList;
import java.util.List;

/** A {@link Response} over a plain header list, for running a response phase with no socket. */
public final class TestResponse implements Response {
    private final int status;
    public final List<String[]> headers = new ArrayList<>();

    public TestResponse(int status) {
        this.status = status;
    }

    @Override
    public int status() {
        return status;
    }

    @Override
    public String header(String name) {
        return headers.stream().filter(h -> h[0].equalsIgnoreCase(name)).map(h -> h[1]).findFirst().orElse(null);
    }

    public List<String> all(String name) {
        return headers.stream().filter(h -> h[0].equalsIgnoreCase(name)).map(h -> h[1]).toList();
    }

    @Override
    public void setHeader(String name, String value) {
        removeHeader(name);
        addHeader(name, value);
    }

    @Override
    public void addHeader(String name, String value) {
        headers.add(new String[] {name, value});
    }

    @Override
    public void removeHeader(String name) {
        headers.removeIf(h -> h[0].equalsIgnoreCase(name));
    }
}
