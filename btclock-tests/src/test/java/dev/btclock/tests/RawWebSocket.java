package dev.btclock.tests;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket client with no opinions, for conformance and hostile tests: it sends exactly the
 * bytes it is given (any framing, masked or not, split anywhere), reads on the caller's thread
 * with a deadline, and never answers anything by itself.
 */
final class RawWebSocket implements AutoCloseable {

    /** One frame from the server. */
    record Frame(int first, byte[] payload) {
        int opcode() {
            return first & 0x0f;
        }

        int closeCode() {
            return payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
        }

        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;

    private RawWebSocket(Socket socket, InputStream rest) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.in = new DataInputStream(rest);
    }

    /** Opens {@code path} with a well-formed handshake and reads the 101. */
    static RawWebSocket open(int port, String path) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(10_000);
        s.setTcpNoDelay(true);
        s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        InputStream in = s.getInputStream();
        String head = readHead(in);
        if (!head.startsWith("HTTP/1.1 101 ")) {
            s.close();
            throw new IOException("no 101: " + head);
        }
        return new RawWebSocket(s, in);
    }

    /** A masked client frame: {@code first} is the first header byte (FIN, RSV, opcode). */
    static byte[] frame(int first, byte[] payload) {
        return frame(first, payload, false);
    }

    /** A masked client frame; {@code wide} uses the 64-bit length form whatever the length. */
    static byte[] frame(int first, byte[] payload, boolean wide) {
        ByteArrayOutputStream f = new ByteArrayOutputStream(payload.length + 14);
        f.write(first);
        int n = payload.length;
        if (wide || n > 0xFFFF) {
            f.write(0x80 | 127);
            for (int i = 7; i >= 0; i--) {
                f.write((int) ((long) n >> (8 * i)));
            }
        } else if (n >= 126) {
            f.write(0x80 | 126);
            f.write(n >> 8);
            f.write(n);
        } else {
            f.write(0x80 | n);
        }
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        f.writeBytes(mask);
        for (int i = 0; i < n; i++) {
            f.write(payload[i] ^ mask[i & 3]);
        }
        return f.toByteArray();
    }

    static byte[] frame(int first, String latin1) {
        return frame(first, latin1.getBytes(StandardCharsets.ISO_8859_1));
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** Sets how long a read waits before failing with a timeout. */
    RawWebSocket timeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
        return this;
    }

    /** Bytes from the server that can be read without waiting. */
    int available() throws IOException {
        return in.available();
    }

    /** Sends {@code bytes} in one write. */
    RawWebSocket send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** Sends {@code bytes} in writes of {@code chunk} bytes, each flushed on its own (TCP_NODELAY is on). */
    RawWebSocket sendChopped(byte[] bytes, int chunk) throws IOException {
        for (int i = 0; i < bytes.length; i += chunk) {
            out.write(Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + chunk)));
            out.flush();
        }
        return this;
    }

    /** The next frame from the server; null at the end of the stream. */
    Frame next() throws IOException {
        int b0;
        try {
            b0 = in.read();
        } catch (SocketException e) {
            return null; // reset: the end as well
        }
        if (b0 < 0) {
            return null;
        }
        int b1 = in.readUnsignedByte();
        long len = b1 & 0x7f;
        if (len == 126) {
            len = in.readUnsignedShort();
        } else if (len == 127) {
            len = in.readLong();
        }
        if ((b1 & 0x80) != 0) {
            throw new IOException("a masked server frame");
        }
        byte[] payload = new byte[(int) len];
        in.readFully(payload);
        return new Frame(b0, payload);
    }

    /** Skips data frames until a pong with {@code payload}; fails at a close, the end or the deadline. */
    void expectPong(byte[] payload) throws IOException {
        for (Frame f = next(); ; f = next()) {
            if (f == null) {
                throw new AssertionError("the server ended the connection instead of answering a ping");
            }
            if (f.opcode() == 0x8) {
                throw new AssertionError("the server closed with " + f.closeCode() + " instead of answering a ping");
            }
            if (f.opcode() == 0xA && Arrays.equals(f.payload(), payload)) {
                return;
            }
        }
    }

    /** The connection is alive and every frame before this probe was accepted: a ping gets its pong. */
    void expectAlive() throws IOException {
        byte[] probe = ("probe-" + System.nanoTime()).getBytes(StandardCharsets.US_ASCII);
        send(frame(0x89, probe));
        expectPong(probe);
    }

    /** Skips data frames and pongs until a close frame; returns it. Fails at the end or the deadline. */
    Frame expectClose() throws IOException {
        for (Frame f = next(); ; f = next()) {
            if (f == null) {
                throw new AssertionError("the connection ended without a close frame");
            }
            if (f.opcode() == 0x8) {
                return f;
            }
        }
    }

    /** After the close frame: the server closes the TCP connection (nothing but EOF or a reset follows). */
    boolean ended() throws IOException {
        try {
            return next() == null;
        } catch (EOFException | SocketException e) {
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        while (!sb.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed after: " + sb);
            }
            sb.append((char) b);
        }
        return sb.toString();
    }
}
