package dev.btclock.server.ws;

import dev.btclock.core.Await;
import dev.btclock.core.GoldenVectors;
import dev.btclock.core.state.Change;
import dev.btclock.server.engine.EngineContext;
import dev.btclock.server.guard.FatalErrors;
import dev.btclock.server.guard.InboundBudget;
import dev.btclock.server.guard.Rejections;
import dev.btclock.server.metrics.ServerMetrics;
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
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.btclock.server.ws.FrameReaderTest.concat;
import static dev.btclock.server.ws.FrameReaderTest.frame;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server's own WebSocket layer over a real socket: the handshake answers, a frame sent in the
 * same packet as the handshake, pings, the closing handshake, and what an upgraded connection
 * keeps of HTTP (nothing).
 */
class WsUpgradeTest {

    private static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";

    private final ServerMetrics metrics = new ServerMetrics(false);
    private final Fanout fanout = new Fanout(metrics);
    private ClientSupervisor supervisor;
    private HttpServer http;
    private NetworkListener listener;

    @BeforeEach
    void start() throws IOException {
        supervisor = new ClientSupervisor(new EngineContext(fanout, metrics, new WsSettings(256, 4096, Duration.ofSeconds(10),
                Duration.ofSeconds(25), Duration.ofSeconds(75), Duration.ZERO, Duration.ofMillis(500)),
                new InboundBudget(1 << 20), new Rejections(Duration.ofMinutes(1)), FatalErrors.LOG_ONLY, Ticker.SYSTEM,
                Map.of()));
        http = new HttpServer();
        listener = new NetworkListener("test", "127.0.0.1", 0);
        supervisor.install(listener);
        http.addListener(listener);
        http.start();
    }

    @AfterEach
    void stop() {
        http.shutdownNow();
        supervisor.close();
    }

    @Test
    void aRequestInTheHandshakesPacket_isAnswered_andTheConnectionKeepsNothingOfHttp() throws Exception {
        fanout.publish(new Change.Block(870123, "00"));
        try (Socket socket = connect()) {
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(concat(handshake("/api/v2/ws", "13"), frame(0x82, latin1(GoldenVectors.bytes("11")))));
            assertTrue(readHead(in).startsWith("HTTP/1.1 101 Switching Protocols\r\n"));
            assertEquals(0x82, in.read(), "the welcome");
            in.readNBytes(in.read());
            assertEquals(GoldenVectors.hex(GoldenVectors.bytes("12")), GoldenVectors.hex(readFrame(in, 0x82)),
                    "the subscribe reply: the current height");

            Client client = (Client) fanout.recipients()[1][0]; // the only v2 client
            Connection<?> connection = client.connection();
            assertSame(client, connection.getProcessor(), "the client processes its connection's events");
            assertNotSame(listener.getFilterChain(), connection.getProcessor());
            assertTrue(connection.getAttributes().getAttributeNames().isEmpty(),
                    "HTTP state kept: " + connection.getAttributes().getAttributeNames());
        }
    }

    @Test
    void pings_areAnsweredWithTheirPayload_andACloseIsEchoedBeforeTheConnectionEnds() throws Exception {
        try (Socket socket = connect()) {
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(handshake("/ws", "13"));
            readHead(in);
            assertEquals("{}", new String(readFrame(in, 0x81), StandardCharsets.UTF_8), "v1's first frame without a price");

            out.write(frame(0x89, "are you there"));
            assertEquals("are you there", new String(readFrame(in, 0x8A), StandardCharsets.ISO_8859_1));

            out.write(frame(0x88, "\u0003\u00e8bye"));
            assertArrayEquals(new byte[] {0x03, (byte) 0xe8}, readFrame(in, 0x88), "the status code echoed");
            assertEquals(-1, in.read(), "the server ended its side of the TCP connection (FIN)");
            socket.close(); // the client's side, as a client does once the closing handshake is over
            Await.until("client forgotten", Duration.ofSeconds(5), () -> fanout.count(Protocol.V1) == 0);
        }
    }

    @Test
    void aChangeReachesEveryClientOnce_isCountedOncePerClient_andAClientThatLeftIsNoLongerSentTo() throws Exception {
        try (Socket a = connect(); Socket b = connect()) {
            for (Socket s : List.of(a, b)) {
                s.getOutputStream().write(handshake("/ws", "13"));
                readHead(s.getInputStream());
                assertEquals("{}", new String(readFrame(s.getInputStream(), 0x81), StandardCharsets.UTF_8));
            }
            long before = metrics.framesSent(Protocol.V1);

            fanout.publish(new Change.Block(870123, "00"));
            for (Socket s : List.of(a, b)) {
                assertEquals("{\"block\":{\"height\":870123}}", new String(readFrame(s.getInputStream(), 0x81), StandardCharsets.UTF_8));
            }
            assertEquals(before + 2, metrics.framesSent(Protocol.V1), "one frame counted per client");

            a.close();
            Await.until("the closed client left the fan-out", Duration.ofSeconds(5), () -> fanout.recipients()[0].length == 1);
            fanout.publish(new Change.Block(870124, "00"));
            assertEquals("{\"block\":{\"height\":870124}}", new String(readFrame(b.getInputStream(), 0x81), StandardCharsets.UTF_8));
            assertEquals(before + 3, metrics.framesSent(Protocol.V1), "nothing counted for the client that left");
        }
    }

    @Test
    void aMissingKeyIs400_andAnotherVersionIs426NamingVersion13() throws Exception {
        try (Socket socket = connect()) {
            socket.getOutputStream().write(("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            assertTrue(readHead(socket.getInputStream()).startsWith("HTTP/1.1 400 "));
        }
        try (Socket socket = connect()) {
            socket.getOutputStream().write(handshake("/api/v2/ws", "8"));
            String head = readHead(socket.getInputStream());
            assertTrue(head.startsWith("HTTP/1.1 426 Upgrade Required\r\n") && head.contains("Sec-WebSocket-Version: 13\r\n"), head);
            assertEquals(-1, socket.getInputStream().read());
        }
        assertEquals(0, fanout.count(Protocol.V1) + fanout.count(Protocol.V2));
    }

    @Test
    void otherSpellingsOfTheUpgradeHeaders_areAcceptedAsTheCommonOne() throws Exception {
        byte[] common;
        try (Socket socket = connect()) {
            socket.getOutputStream().write(handshake("/ws", "13"));
            common = readHead(socket.getInputStream()).getBytes(StandardCharsets.US_ASCII);
        }
        try (Socket socket = connect()) {
            socket.getOutputStream().write(("GET /ws?assets=bitcoin HTTP/1.1\r\nhost: x\r\nupgrade: WebSocket\r\n"
                    + "connection: keep-alive, Upgrade\r\nsec-websocket-key:   " + KEY + "  \r\n"
                    + "SEC-WEBSOCKET-VERSION:  13 \r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            assertEquals(latin1(common), readHead(socket.getInputStream()));
        }
        try (Socket socket = connect()) {
            socket.getOutputStream().write(("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: h2c, WebSocket/13\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Key: " + KEY + "\r\nSec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Protocol: arduino, chat\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            assertEquals(latin1(common).replace("\r\n\r\n", "\r\nSec-WebSocket-Protocol: arduino\r\n\r\n"),
                    readHead(socket.getInputStream()));
        }
        assertTrue(latin1(common).contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"), latin1(common));
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket("127.0.0.1", listener.getPort());
        socket.setSoTimeout(5000);
        return socket;
    }

    private static byte[] handshake(String path, String version) {
        return ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + KEY + "\r\nSec-WebSocket-Version: " + version + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    private static String latin1(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
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

    /** The payload of the next frame, which must be an unmasked, unfragmented one starting with {@code first}. */
    private static byte[] readFrame(InputStream in, int first) throws IOException {
        assertEquals(first, in.read(), "frame type");
        int len = in.read();
        assertTrue(len < 126, "short frame");
        return in.readNBytes(len);
    }
}
