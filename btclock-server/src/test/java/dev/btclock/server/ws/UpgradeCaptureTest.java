package dev.btclock.server.ws;

import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.Session;
import jakarta.websocket.server.ServerEndpointConfig;
import org.glassfish.grizzly.Connection;
import org.glassfish.grizzly.http.server.HttpServer;
import org.glassfish.grizzly.http.server.NetworkListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An upgraded connection leaves the HTTP codec (and the request it kept) behind, and still
 * carries frames both ways and reports its close, over a real socket.
 */
class UpgradeCaptureTest {

    private static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";

    private final BlockingQueue<Connection<?>> opened = new LinkedBlockingQueue<>();
    private final BlockingQueue<String> received = new LinkedBlockingQueue<>();
    private final CountDownLatch closed = new CountDownLatch(1);
    private HttpServer http;
    private NetworkListener listener;
    private WsContainer container;

    /** Records what the filter hands it and echoes text. */
    public final class Probe extends Endpoint {
        @Override
        public void onOpen(Session session, EndpointConfig config) {
            opened.add(UpgradeCapture.upgradingConnection());
            session.addMessageHandler(String.class, (MessageHandler.Whole<String>) text -> {
                received.add(text);
                session.getAsyncRemote().sendText("echo " + text);
            });
        }

        @Override
        public void onClose(Session session, CloseReason reason) {
            closed.countDown();
        }
    }

    @BeforeEach
    void start() throws Exception {
        container = new WsContainer(4096);
        http = new HttpServer();
        listener = new NetworkListener("test", "127.0.0.1", 0);
        listener.registerAddOn(new UpgradeCapture(container, Set.of("/ws")));
        http.addListener(listener);
        container.addEndpoint(ServerEndpointConfig.Builder.create(Probe.class, "/ws")
                .configurator(new ServerEndpointConfig.Configurator() {
                    @Override
                    public <T> T getEndpointInstance(Class<T> type) {
                        return type.cast(new Probe());
                    }
                }).build());
        http.start();
        container.start("/", listener.getPort());
    }

    @AfterEach
    void stop() {
        container.stop();
        http.shutdownNow();
    }

    @Test
    void upgradedConnection_dropsHttpState_andStillCarriesFramesAndClose() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", listener.getPort())) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: " + KEY + "\r\nSec-WebSocket-Version: 13\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String head = readHead(in);
            assertTrue(head.startsWith("HTTP/1.1 101"), head);

            Connection<?> connection = opened.poll(5, TimeUnit.SECONDS);
            assertNotNull(connection, "the endpoint saw the upgrading connection");

            // Grizzly reads a connection's next bytes only after the handshake's read returned, so
            // this frame is the first one the new chain carries.
            out.write(maskedText("hello"));
            assertEquals("hello", received.poll(5, TimeUnit.SECONDS));
            assertEquals("echo hello", readText(in));
            assertNotSame(listener.getFilterChain(), connection.getProcessor(), "the connection left the HTTP chain");
            for (String name : connection.getAttributes().getAttributeNames()) {
                if (name.contains("HttpServerFilter.")) {
                    assertNull(connection.getAttributes().getAttribute(name), "HTTP state kept: " + name);
                }
            }

            out.write(new byte[] {(byte) 0x88, (byte) 0x82, 1, 2, 3, 4, 0x03 ^ 1, (byte) (0xe8 ^ 2)});
            assertTrue(closed.await(5, TimeUnit.SECONDS), "onClose after the client's close frame");
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("EOF in the response head: " + head);
            }
            head.write(b);
        }
        return head.toString(StandardCharsets.US_ASCII);
    }

    private static String readText(InputStream in) throws IOException {
        int b0 = in.read();
        int len = in.read();
        assertEquals(0x81, b0, "an unfragmented text frame");
        return new String(in.readNBytes(len), StandardCharsets.UTF_8);
    }

    private static byte[] maskedText(String text) {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        byte[] mask = {7, 11, 13, 17};
        byte[] frame = new byte[6 + payload.length];
        frame[0] = (byte) 0x81;
        frame[1] = (byte) (0x80 | payload.length);
        System.arraycopy(mask, 0, frame, 2, 4);
        for (int i = 0; i < payload.length; i++) {
            frame[6 + i] = (byte) (payload[i] ^ mask[i & 3]);
        }
        return frame;
    }
}
