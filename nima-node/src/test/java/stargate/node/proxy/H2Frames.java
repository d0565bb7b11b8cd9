package stargate.node.proxy;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A raw HTTP/2 cleartext (prior knowledge) connection that writes frames exactly as a test builds them,
 * for the attacks a well-behaved client library would never send: bad field bytes, floods, HPACK bombs.
 * HPACK here is the literal encodings without Huffman, plus indexed fields (RFC 7541 §6).
 */
final class H2Frames implements AutoCloseable {
    static final int DATA = 0;
    static final int HEADERS = 1;
    static final int RST_STREAM = 3;
    static final int SETTINGS = 4;
    static final int GOAWAY = 7;
    static final int CONTINUATION = 9;
    static final int END_STREAM = 0x1;
    static final int END_HEADERS = 0x4;
    /** GOAWAY / RST_STREAM error codes (RFC 9113 §7). */
    static final int PROTOCOL_ERROR = 0x1;
    static final int REFUSED_STREAM = 0x7;
    static final int ENHANCE_YOUR_CALM = 0xb;

    record Frame(int type, int flags, int stream, byte[] payload) {
        int errorCode() {
            int at = type == GOAWAY ? 4 : 0;
            return (payload[at] & 0xff) << 24 | (payload[at + 1] & 0xff) << 16 | (payload[at + 2] & 0xff) << 8
                    | payload[at + 3] & 0xff;
        }

        String text() {
            return new String(payload, StandardCharsets.ISO_8859_1);
        }
    }

    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;
    /** Whether reading acknowledges the server's SETTINGS (not while a header block the test left open is). */
    private boolean ackSettings = true;

    static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    H2Frames(int port) throws IOException {
        this(port, PREFACE);
        send(frame(SETTINGS, 0, 0, new byte[0]));
    }

    /** A connection that starts with {@code first} (an h2c upgrade request, say) in place of the preface. */
    H2Frames(int port, byte[] first) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(20_000);
        out = socket.getOutputStream();
        in = new DataInputStream(socket.getInputStream());
        out.write(first);
    }

    /** Stops acknowledging the server's SETTINGS: an acknowledgement inside an open header block is a protocol error. */
    H2Frames noSettingsAck() {
        ackSettings = false;
        return this;
    }

    /** Reads an HTTP/1.1 response head (up to its blank line): a 101 before the frames of an h2c upgrade. */
    String head() throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.append((char) b);
        }
        return head.toString();
    }

    static byte[] frame(int type, int flags, int stream, byte[] payload) {
        byte[] f = new byte[9 + payload.length];
        f[0] = (byte) (payload.length >>> 16);
        f[1] = (byte) (payload.length >>> 8);
        f[2] = (byte) payload.length;
        f[3] = (byte) type;
        f[4] = (byte) flags;
        f[5] = (byte) (stream >>> 24);
        f[6] = (byte) (stream >>> 16);
        f[7] = (byte) (stream >>> 8);
        f[8] = (byte) stream;
        System.arraycopy(payload, 0, f, 9, payload.length);
        return f;
    }

    /** A GET's header block: indexed {@code :method GET}, {@code :scheme http}, then {@code :path}, {@code :authority}, extra. */
    static byte[] get(String path, byte[]... extra) {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        block.write(0x82);
        block.write(0x86);
        block.writeBytes(indexedNameLiteral(4, path));
        block.writeBytes(indexedNameLiteral(1, "127.0.0.1"));
        for (byte[] field : extra) {
            block.writeBytes(field);
        }
        return block.toByteArray();
    }

    /** Literal field, new name; {@code indexed} also adds it to the dynamic table (then it is entry 62). */
    static byte[] literal(String name, String value, boolean indexed) {
        ByteArrayOutputStream field = new ByteArrayOutputStream();
        field.write(indexed ? 0x40 : 0x00);
        string(field, name);
        string(field, value);
        return field.toByteArray();
    }

    /** An indexed field (static 1-61, dynamic from 62). */
    static byte[] indexed(int index) {
        ByteArrayOutputStream field = new ByteArrayOutputStream();
        integer(field, index, 7, 0x80);
        return field.toByteArray();
    }

    private static byte[] indexedNameLiteral(int nameIndex, String value) {
        ByteArrayOutputStream field = new ByteArrayOutputStream();
        integer(field, nameIndex, 4, 0x00);
        string(field, value);
        return field.toByteArray();
    }

    private static void string(ByteArrayOutputStream out, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        integer(out, bytes.length, 7, 0x00);
        out.writeBytes(bytes);
    }

    private static void integer(ByteArrayOutputStream out, int value, int prefixBits, int firstByte) {
        int max = (1 << prefixBits) - 1;
        if (value < max) {
            out.write(firstByte | value);
            return;
        }
        out.write(firstByte | max);
        for (value -= max; value >= 128; value >>>= 7) {
            out.write(value & 0x7f | 0x80);
        }
        out.write(value);
    }

    void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /**
     * Reads frames (acknowledging the server's SETTINGS) until one matches, the server closes, or 20 s
     * pass; returns all read.
     */
    List<Frame> readUntil(Predicate<Frame> stop) throws IOException {
        List<Frame> frames = new ArrayList<>();
        try {
            while (true) {
                byte[] head = new byte[9];
                in.readFully(head);
                int length = (head[0] & 0xff) << 16 | (head[1] & 0xff) << 8 | head[2] & 0xff;
                int stream = (head[5] & 0x7f) << 24 | (head[6] & 0xff) << 16 | (head[7] & 0xff) << 8 | head[8] & 0xff;
                byte[] payload = new byte[length];
                in.readFully(payload);
                Frame frame = new Frame(head[3], head[4], stream, payload);
                frames.add(frame);
                if (ackSettings && frame.type() == SETTINGS && (frame.flags() & 1) == 0) {
                    try {
                        send(frame(SETTINGS, 1, 0, new byte[0]));
                    } catch (IOException closing) {
                        // the server is already closing (after its GOAWAY, still to be read)
                    }
                }
                if (stop.test(frame)) {
                    return frames;
                }
            }
        } catch (EOFException | SocketTimeoutException e) {
            return frames;
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().contains("reset")) {
                return frames;
            }
            throw e;
        }
    }

    /** Reads until the server's GOAWAY (or the end of the connection) and returns the GOAWAY, or null. */
    Frame goAway() throws IOException {
        List<Frame> frames = readUntil(f -> f.type() == GOAWAY);
        Frame last = frames.isEmpty() ? null : frames.getLast();
        return last != null && last.type() == GOAWAY ? last : null;
    }

    /** Reads until stream {@code id} ends and returns its DATA as text. */
    String body(int id) throws IOException {
        StringBuilder body = new StringBuilder();
        for (Frame f : readUntil(f -> f.stream() == id && ((f.flags() & END_STREAM) != 0 || f.type() == RST_STREAM)
                || f.type() == GOAWAY)) {
            if (f.type() == DATA && f.stream() == id) {
                body.append(f.text());
            }
        }
        return body.toString();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
