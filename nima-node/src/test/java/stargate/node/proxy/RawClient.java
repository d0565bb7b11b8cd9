package stargate.node.proxy;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A byte-exact HTTP/1.1 client for tests: sends text as is (ISO-8859-1, one byte per char), parses one response. */
public final class RawClient {
    private RawClient() {
    }

    /**
     * @param complete whether the body ended as its framing said (false: the connection was cut short)
     */
    public record Response(int status, List<String[]> headers, byte[] body, boolean complete) {
        public List<String> all(String name) {
            return RawHeaders.all(headers, name);
        }

        public String header(String name) {
            return RawHeaders.first(headers, name);
        }

        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** Sends {@code request} on a new connection and reads one response (no body when {@code head}). */
    public static Response send(int port, String request, boolean head) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            return read(new BufferedInputStream(socket.getInputStream()), head);
        }
    }

    public static Response send(int port, String request) throws IOException {
        return send(port, request, false);
    }

    static Response read(InputStream in, boolean head) throws IOException {
        String statusLine = readLine(in);
        while (statusLine != null && statusLine.startsWith("HTTP/1.1 1")) {       // skip 100 Continue
            for (String line = readLine(in); line != null && !line.isEmpty(); line = readLine(in)) {
                // interim headers
            }
            statusLine = readLine(in);
        }
        if (statusLine == null) {
            throw new IOException("no response");
        }
        List<String[]> headers = new ArrayList<>();
        for (String line = readLine(in); line != null && !line.isEmpty(); line = readLine(in)) {
            int colon = line.indexOf(':');
            headers.add(new String[] {line.substring(0, colon), line.substring(colon + 1).strip()});
        }
        Response shell = new Response(Integer.parseInt(statusLine.substring(9, 12)), headers, new byte[0], true);
        int status = shell.status();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        boolean complete = true;
        if (head || status == 204 || status == 304) {
            return shell;
        }
        if ("chunked".equalsIgnoreCase(shell.header("Transfer-Encoding"))) {
            while (true) {
                String sizeLine = readLine(in);
                if (sizeLine == null) {
                    complete = false;
                    break;
                }
                int size = Integer.parseInt(sizeLine.strip(), 16);
                if (size == 0) {
                    readLine(in);
                    break;
                }
                byte[] chunk = in.readNBytes(size);
                body.write(chunk);
                if (chunk.length < size) {
                    complete = false;
                    break;
                }
                readLine(in);
            }
        } else if (shell.header("Content-Length") != null) {
            int length = Integer.parseInt(shell.header("Content-Length"));
            byte[] bytes = in.readNBytes(length);
            body.write(bytes);
            complete = bytes.length == length;
        } else {
            body.write(in.readAllBytes());
        }
        return new Response(status, headers, body.toByteArray(), complete);
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                return line.isEmpty() ? null : line.toString();
            }
            line.append((char) b);
        }
        int end = line.length();
        return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
    }
}
