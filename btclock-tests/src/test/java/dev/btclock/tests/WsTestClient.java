package dev.btclock.tests;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A WebSocket client over a plain socket that shows exactly what is on the wire: the 101 response
 * headers and every frame with its header bytes. It answers pings like a device, can send any
 * bytes (masked, as clients must), and can stop reading to play a slow or dead device.
 */
public final class WsTestClient implements AutoCloseable {

    /** How long waits last by default. */
    public static final Duration DEADLINE = Duration.ofSeconds(10);

    /** One received frame. */
    public record Frame(int opcode, byte[] payload, byte[] raw) {
        /** The payload as UTF-8 text. */
        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        /** For close frames, the status code. */
        public int closeCode() {
            return payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
        }
    }

    /** A pong from the server, with how many data or close frames had arrived before it. */
    public record Pong(byte[] payload, int framesBefore) {
    }

    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;
    private final int status;
    private final Map<String, String> headers;
    private final BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
    private final BlockingQueue<Pong> pongs = new LinkedBlockingQueue<>();
    private int framesReceived;
    private final CountDownLatch ended = new CountDownLatch(1);
    private final CountDownLatch reading = new CountDownLatch(1);
    private final Thread reader;
    private volatile boolean answerPings = true;
    private final List<Long> pingNanos = new CopyOnWriteArrayList<>();

    private WsTestClient(Socket socket, int status, Map<String, String> headers, InputStream rest, boolean read)
            throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.in = new DataInputStream(rest);
        this.status = status;
        this.headers = headers;
        this.reader = new Thread(this::readLoop, "ws-test-client");
        this.reader.setDaemon(true);
        if (read) {
            reading.countDown();
        }
        reader.start();
    }

    /** Connects to {@code path} (with any query) on loopback {@code port}, reading frames as they come. */
    public static WsTestClient connect(int port, String path, String... extraHeaders) throws IOException {
        return open(port, path, true, 0, extraHeaders);
    }

    /**
     * Connects without ever reading after the handshake, with a tiny receive buffer: a device whose
     * network stalled. {@link #resumeReading} lets it read again.
     */
    public static WsTestClient connectNotReading(int port, String path) throws IOException {
        return open(port, path, false, 1024, new String[0]);
    }

    private static WsTestClient open(int port, String path, boolean read, int receiveBuffer, String... extraHeaders)
            throws IOException {
        Socket s = new Socket();
        if (receiveBuffer > 0) {
            s.setReceiveBufferSize(receiveBuffer);
        }
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout((int) DEADLINE.toMillis() * 3);
        byte[] nonce = new byte[16];
        ThreadLocalRandom.current().nextBytes(nonce);
        StringBuilder req = new StringBuilder()
                .append("GET ").append(path).append(" HTTP/1.1\r\n")
                .append("Host: 127.0.0.1:").append(port).append("\r\n")
                .append("Upgrade: websocket\r\nConnection: Upgrade\r\n")
                .append("Sec-WebSocket-Key: ").append(Base64.getEncoder().encodeToString(nonce)).append("\r\n")
                .append("Sec-WebSocket-Version: 13\r\n");
        for (String h : extraHeaders) {
            req.append(h).append("\r\n");
        }
        req.append("\r\n");
        s.getOutputStream().write(req.toString().getBytes(StandardCharsets.US_ASCII));
        InputStream in = s.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int last4 = 0;
        while (last4 != 0x0d0a0d0a) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed during handshake: " + head);
            }
            head.write(b);
            last4 = (last4 << 8) | b;
        }
        String[] lines = head.toString(StandardCharsets.US_ASCII).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
            }
        }
        return new WsTestClient(s, status, headers, in, read);
    }

    /** The HTTP status of the handshake response. */
    public int status() {
        return status;
    }

    /** A response header (name case-insensitive), or null. */
    public String header(String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
    }

    /** The next data or close frame, waiting up to {@link #DEADLINE}. */
    public Frame next() throws InterruptedException {
        Frame f = frames.poll(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        if (f == null) {
            throw new AssertionError("no frame within " + DEADLINE);
        }
        return f;
    }

    /** The next {@code n} frames. */
    public List<Frame> next(int n) throws InterruptedException {
        List<Frame> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            list.add(next());
        }
        return list;
    }

    /** The next pong, waiting up to {@code timeout}. */
    public Pong nextPong(Duration timeout) throws InterruptedException {
        Pong p = pongs.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (p == null) {
            throw new AssertionError("no pong within " + timeout + " (" + framesReceived + " frames received)");
        }
        return p;
    }

    /** Sends a masked binary frame. */
    public void sendBinary(byte[] payload) throws IOException {
        sendFrame(0x82, payload);
    }

    /** Sends a masked text frame. */
    public void sendText(String text) throws IOException {
        sendFrame(0x81, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends a masked ping. */
    public void sendPing(byte[] payload) throws IOException {
        sendFrame(0x89, payload);
    }

    /** Stops answering the server's pings: a peer whose TCP stack is up but whose application is gone. */
    public void ignorePings() {
        answerPings = false;
    }

    /** When each ping from the server arrived ({@link System#nanoTime()}), oldest first. */
    public List<Long> pingTimes() {
        return List.copyOf(pingNanos);
    }

    /** Starts reading after {@link #connectNotReading}. */
    public void resumeReading() {
        reading.countDown();
    }

    /** Waits until the server closed the TCP connection (EOF or reset); frames before it stay readable. */
    public boolean awaitEnd(Duration timeout) throws InterruptedException {
        return ended.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Frames received and not yet taken. */
    public int pending() {
        return frames.size();
    }

    private synchronized void sendFrame(int first, byte[] payload) throws IOException {
        ByteArrayOutputStream f = new ByteArrayOutputStream(payload.length + 14);
        f.write(first);
        int n = payload.length;
        if (n < 126) {
            f.write(0x80 | n);
        } else if (n <= 0xFFFF) {
            f.write(0x80 | 126);
            f.write(n >> 8);
            f.write(n);
        } else {
            f.write(0x80 | 127);
            for (int i = 7; i >= 0; i--) {
                f.write((int) ((long) n >> (8 * i)));
            }
        }
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        f.write(mask);
        for (int i = 0; i < n; i++) {
            f.write(payload[i] ^ mask[i & 3]);
        }
        out.write(f.toByteArray());
        out.flush();
    }

    private void readLoop() {
        try {
            reading.await();
            while (true) {
                int b0 = in.readUnsignedByte();
                int b1 = in.readUnsignedByte();
                long len = b1 & 0x7f;
                ByteArrayOutputStream raw = new ByteArrayOutputStream();
                raw.write(b0);
                raw.write(b1);
                if (len == 126) {
                    int hi = in.readUnsignedByte();
                    int lo = in.readUnsignedByte();
                    raw.write(hi);
                    raw.write(lo);
                    len = (hi << 8) | lo;
                } else if (len == 127) {
                    len = 0;
                    for (int i = 0; i < 8; i++) {
                        int x = in.readUnsignedByte();
                        raw.write(x);
                        len = (len << 8) | x;
                    }
                }
                if ((b1 & 0x80) != 0) {
                    throw new IOException("server frames must not be masked");
                }
                byte[] payload = new byte[(int) len];
                in.readFully(payload);
                raw.write(payload);
                int opcode = b0 & 0x0f;
                if (opcode == 0x9) {
                    pingNanos.add(System.nanoTime());
                    if (answerPings) {
                        sendFrame(0x8A, payload);
                    }
                    continue;
                }
                if (opcode == 0xA) {
                    pongs.add(new Pong(payload, framesReceived));
                    continue;
                }
                framesReceived++;
                frames.add(new Frame(opcode, payload, raw.toByteArray()));
            }
        } catch (IOException | InterruptedException e) {
            ended.countDown();
        }
    }

    @Override
    public void close() throws IOException {
        reading.countDown();
        socket.close();
    }
}
