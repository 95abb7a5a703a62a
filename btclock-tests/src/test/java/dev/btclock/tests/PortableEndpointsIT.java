package dev.btclock.tests;

import dev.btclock.core.Await;
import dev.btclock.core.state.Change;
import dev.btclock.server.jakarta.DeviceEndpoints;
import dev.btclock.server.metrics.ServerMetrics;
import dev.btclock.server.ws.Fanout;
import dev.btclock.server.ws.Protocol;
import dev.btclock.server.ws.WsSettings;
import jakarta.websocket.server.ServerContainer;
import jakarta.websocket.server.ServerEndpointConfig;
import org.apache.catalina.Context;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.websocket.server.WsSci;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static dev.btclock.core.GoldenVectors.bytes;
import static dev.btclock.core.GoldenVectors.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The public {@link DeviceEndpoints} deployed into a second Jakarta WebSocket 2.x container,
 * Apache Tomcat 11 (embedded), with a fan-out the test owns and feeds: what an embedder does. Real
 * devices' sessions (golden vectors), the bounded queue, and idle reaping on a hand-driven clock.
 */
class PortableEndpointsIT {

    @TempDir
    Path base;
    private final AtomicLong now = new AtomicLong();
    private final ServerMetrics metrics = new ServerMetrics(false);
    private final Fanout fanout = new Fanout(metrics, 1, now::get);
    private DeviceEndpoints devices;
    private Tomcat tomcat;
    private int port;

    /** Tomcat with the device endpoints, the way a web application adds them when it starts. */
    private void start(WsSettings settings) throws Exception {
        devices = DeviceEndpoints.builder(fanout, metrics).settings(settings).ticker(now::get).build();
        tomcat = new Tomcat();
        tomcat.setBaseDir(base.toString());
        tomcat.setPort(0);
        Context context = tomcat.addContext("", base.toString());
        context.addServletContainerInitializer(new WsSci(), null);
        context.addServletContainerInitializer((classes, servletContext) -> {
            ServerContainer container = (ServerContainer) servletContext.getAttribute(ServerContainer.class.getName());
            for (ServerEndpointConfig config : devices.configs()) {
                try {
                    container.addEndpoint(config);
                } catch (jakarta.websocket.DeploymentException e) {
                    throw new jakarta.servlet.ServletException(e);
                }
            }
        }, null);
        // Tomcat's WebSocket filter sees only requests mapped to a servlet: the web application's own.
        Tomcat.addServlet(context, "app", new jakarta.servlet.http.HttpServlet() {
        });
        context.addServletMappingDecoded("/", "app");
        tomcat.getConnector(); // the default HTTP connector
        tomcat.start();
        port = tomcat.getConnector().getLocalPort();
        devices.start();
    }

    @BeforeEach
    void values() {
        fanout.publish(new Change.Price("USD", 64212));
        fanout.publish(new Change.Price("EUR", 59123));
        fanout.publish(new Change.Price("JPY", 10123456));
        fanout.publish(new Change.Block(870123, "00"));
        fanout.publish(new Change.Fee(13.0, 13, true));
    }

    @AfterEach
    void stop() throws Exception {
        if (devices != null) {
            devices.goingAway(Duration.ofSeconds(2));
            devices.close();
        }
        if (tomcat != null) {
            tomcat.stop();
            tomcat.destroy();
        }
        fanout.close();
    }

    @Test
    void v1Device_getsTheGoldenConnectFrames_theArduinoEcho_andChanges() throws Exception {
        start(WsSettings.defaults());
        try (WsTestClient c = WsTestClient.connect(port, "/ws?assets=bitcoin", "Sec-WebSocket-Protocol: arduino")) {
            assertEquals(101, c.status());
            assertEquals("arduino", c.header("Sec-WebSocket-Protocol"));
            assertEquals(hex(bytes("1f-frame-price")), hex(c.next().raw()));
            assertEquals(hex(bytes("1f-frame-block")), hex(c.next().raw()));
            assertEquals(hex(bytes("1f-frame-fee")), hex(c.next().raw()));
            fanout.publish(new Change.Price("USD", 70001));
            assertEquals("{\"bitcoin\":70001}", c.next().text());
        }
        Await.until("the device left the fan-out", Duration.ofSeconds(5), () -> fanout.count(Protocol.V1) == 0);
    }

    @Test
    void v3FirmwareSession_matchesVector31() throws Exception {
        start(WsSettings.defaults());
        try (WsTestClient c = WsTestClient.connect(port, "/api/v2/ws", "Sec-WebSocket-Protocol: arduino")) {
            assertEquals(hex(bytes("8-frame")), hex(c.next().raw()));
            c.sendBinary(bytes("9"));
            c.sendBinary(bytes("11"));
            c.sendBinary(bytes("13"));
            assertEquals(hex(bytes("10")), hex(c.next().payload()));
            assertEquals(hex(bytes("12")), hex(c.next().payload()));
            for (String v : new String[] {"14-1", "14-2", "14-3", "14-4", "14-5", "14-6"}) {
                WsTestClient.Frame f = c.next();
                assertEquals(0x2, f.opcode());
                assertEquals(hex(bytes(v)), hex(f.payload()), "vector " + v);
            }
        }
    }

    @Test
    void aDeviceThatStopsReading_isDroppedAtItsQueueLimit_andCounted_andTheNextIsServed() throws Exception {
        start(new WsSettings(16, 1024, Duration.ofSeconds(10), Duration.ofSeconds(25), Duration.ofSeconds(75),
                Duration.ZERO, Duration.ZERO));
        try (WsTestClient stalled = WsTestClient.connectNotReading(port, "/ws")) {
            Await.until("connected", Duration.ofSeconds(5), () -> fanout.count(Protocol.V1) == 1);
            // 16 MB: far more than the kernel buffers (Tomcat leaves them to autotuning) and 16 queued frames hold.
            byte[] filler = new byte[16 * 1024];
            java.util.Arrays.fill(filler, (byte) 'x');
            for (int i = 0; i < 1000 && metrics.backpressureDrops(Protocol.V1) == 0; i++) {
                fanout.sendV1Text(filler);
            }
            assertEquals(1, metrics.backpressureDrops(Protocol.V1), "the stalled device dropped at its queue limit");
            Await.until("the dropped device left the fan-out", Duration.ofSeconds(30), () -> fanout.count(Protocol.V1) == 0);
        }
        try (WsTestClient next = WsTestClient.connect(port, "/ws")) {
            next.next(3);
            fanout.publish(new Change.Price("USD", 100001));
            assertEquals("{\"bitcoin\":100001}", next.next().text());
        }
    }

    @Test
    void aSilentDevice_isClosedAtTheIdleTimeout_onTheInjectedClock() throws Exception {
        start(WsSettings.defaults());
        try (WsTestClient silent = WsTestClient.connect(port, "/ws")) {
            silent.next(3);
            silent.ignorePings();
            Await.until("connected", Duration.ofSeconds(5), () -> fanout.count(Protocol.V1) == 1);
            now.addAndGet(Duration.ofSeconds(74).toNanos());
            devices.pingAndReap(0, 1);
            assertEquals(1, fanout.count(Protocol.V1), "still within WS_IDLE_TIMEOUT_SECONDS (75 s)");
            now.addAndGet(Duration.ofSeconds(2).toNanos());
            devices.pingAndReap(0, 1);
            WsTestClient.Frame close = silent.next();
            assertEquals(0x8, close.opcode());
            assertEquals(1001, close.closeCode());
            Await.until("the silent device left the fan-out", Duration.ofSeconds(5), () -> fanout.count(Protocol.V1) == 0);
        }
    }

    @Test
    void aMessageOverTheLimit_isClosedWith1009_andTheNextDeviceIsServed() throws Exception {
        start(WsSettings.defaults());
        try (WsTestClient c = WsTestClient.connect(port, "/api/v2/ws")) {
            c.next(); // welcome
            c.sendBinary(new byte[1025]);
            WsTestClient.Frame close = c.next();
            assertEquals(0x8, close.opcode());
            assertEquals(1009, close.closeCode());
        }
        try (WsTestClient c = WsTestClient.connect(port, "/api/v1/ws")) {
            assertEquals("{\"bitcoin\":64212}", new String(c.next().payload(), StandardCharsets.UTF_8));
        }
    }
}
