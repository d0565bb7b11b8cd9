package stargate.node.proxy;

import java.io.IOException;
import java.io.InputStream;

/**
 * How an exchange waits on its client, so that the listener can bound the waits it cannot see at the socket:
 * on an HTTP/2 stream, a pause in the request body and a write of the answer that waits for the client's
 * WINDOW_UPDATE (each bounded there; HTTP/1.1 waits are timed at the socket, so it watches nothing here).
 */
public interface ClientWatch {
    /** Watches nothing: the client's body as it is, and writes as they are. */
    ClientWatch NONE = new ClientWatch() {
        @Override
        public InputStream body(InputStream body) {
            return body;
        }

        @Override
        public void write(Write write) throws IOException {
            write.run();
        }
    };

    /** The client's request body as the exchange reads it. */
    InputStream body(InputStream body);

    /** Runs one write of the answer to the client (into Helidon's response), timed by the listener. */
    void write(Write write) throws IOException;

    /** One write to the client. */
    @FunctionalInterface
    interface Write {
        void run() throws IOException;
    }
}
