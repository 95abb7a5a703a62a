package dev.btclock.tests;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A WebSocket endpoint written on a bare socket, for what a WebSocket library hides: it counts the
 * pings it receives and either answers them with pongs or stays silent, like a relay behind a dead
 * TCP path. It never sends anything else.
 */
final class RawRelay implements AutoCloseable {

    private final ServerSocket server;
    private final boolean answerPings;
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger pings = new AtomicInteger();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final List<Socket> closedByClient = new CopyOnWriteArrayList<>();

    RawRelay(boolean answerPings) throws IOException {
        this.answerPings = answerPings;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::acceptLoop, "raw-relay");
        t.setDaemon(true);
        t.start();
    }

    String url() {
        return "ws://127.0.0.1:" + server.getLocalPort() + "/";
    }

    int connections() {
        return connections.get();
    }

    int pings() {
        return pings.get();
    }

    /** Connections the client closed (EOF seen). */
    int closedByClient() {
        return closedByClient.size();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                sockets.add(s);
                connections.incrementAndGet();
                Thread t = new Thread(() -> serve(s), "raw-relay-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            DataInputStream in = new DataInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            String key = null;
            for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
                if (line.toLowerCase(java.util.Locale.ROOT).startsWith("sec-websocket-key:")) {
                    key = line.substring(line.indexOf(':') + 1).trim();
                }
            }
            out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Accept: " + accept(key) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            while (true) {
                int b0 = in.read();
                if (b0 < 0) {
                    closedByClient.add(s);
                    return;
                }
                int b1 = in.readUnsignedByte();
                long len = b1 & 0x7F;
                if (len == 126) {
                    len = in.readUnsignedShort();
                } else if (len == 127) {
                    len = in.readLong();
                }
                byte[] mask = new byte[4];
                if ((b1 & 0x80) != 0) {
                    in.readFully(mask);
                }
                byte[] payload = new byte[(int) len];
                in.readFully(payload);
                for (int i = 0; i < payload.length; i++) {
                    payload[i] ^= mask[i % 4];
                }
                if ((b0 & 0x0F) == 0x9) {
                    pings.incrementAndGet();
                    if (answerPings) {
                        out.write(new byte[] {(byte) 0x8A, (byte) payload.length});
                        out.write(payload);
                        out.flush();
                    }
                }
            }
        } catch (IOException e) {
            closedByClient.add(s);
        }
    }

    private static String readLine(DataInputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
            if (c != '\r') {
                b.append((char) c);
            }
        }
        return b.toString();
    }

    private static String accept(String key) {
        try {
            byte[] sha = MessageDigest.getInstance("SHA-1")
                    .digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(sha);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
