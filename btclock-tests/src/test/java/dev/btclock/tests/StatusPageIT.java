package dev.btclock.tests;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.btclock.core.Await;
import dev.btclock.server.ServerAssembly;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The status page ({@code /status}) in a real headless Chromium against a server on the fake
 * mempool: it shows what devices get, who serves it, the fleet, the devices and the relays; it
 * follows the upstream without a reload; it says "no data yet" before the first value and whatever
 * the answers lack; it never shows a secret and runs nothing from the data. The page as the first
 * test leaves it is kept as {@code target/status-page.png}.
 */
class StatusPageIT {

    /** NostrPublishingIT's key: a secret the server holds and the page must never show. */
    private static final String KEY = NostrPublishingIT.KEY;
    private static final String RELAY_PASSWORD = "relay-secret-0b43";
    private static final Duration DEADLINE = Duration.ofSeconds(15);
    private static final Path SCREENSHOT = Path.of("target", "status-page.png");
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private FakeMempoolServer mempool;
    private FakeRelay relay;
    private ServerAssembly server;
    private HeadlessChromium browser;
    private final List<WsTestClient> devices = new ArrayList<>();

    @AfterEach
    void stop() {
        if (browser != null) {
            browser.close();
        }
        for (WsTestClient d : devices) {
            try {
                d.close();
            } catch (java.io.IOException e) {
                // already closed
            }
        }
        if (server != null) {
            server.close();
        }
        if (relay != null) {
            relay.close();
        }
        if (mempool != null) {
            mempool.close();
        }
    }

    private static void assumeChromium() {
        Assumptions.assumeTrue(HeadlessChromium.available(), "no " + HeadlessChromium.BINARY
                + ": skipping the status page's browser test (apt-get install chromium; .ci/run installs it)");
    }

    private HeadlessChromium browser(String name) throws Exception {
        browser = HeadlessChromium.start(1200, 900, Path.of("target", "chromium-" + name + ".log"));
        return browser;
    }

    private String url() {
        return "http://127.0.0.1:" + server.port() + "/status";
    }

    /** Waits until the element {@code id} reads {@code expected}, reporting what the page shows instead. */
    private void awaitText(String id, String expected) {
        Await.until("#" + id + " = " + expected, DEADLINE, () -> expected.equals(browser.text(id)),
                () -> "; #" + id + " shows " + browser.text(id) + "; the page says: " + browser.eval("document.body.innerText"));
    }

    @Test
    void showsWhatDevicesGet_whoServesIt_andTheDevices_thenFollowsTheUpstreamWithoutAReload() throws Exception {
        assumeChromium();
        mempool = FakeMempoolServer.start();
        relay = FakeRelay.start(FakeRelay.Mode.OPEN);
        String relayUrl = relay.url().replace("ws://", "ws://btclock:" + RELAY_PASSWORD + "@");
        server = TestServer.startHealthy(mempool, Map.of("PUBLISH_TO_NOSTR", "true", "NOSTR_PRIV", KEY,
                "NOSTR_RELAYS", relayUrl));
        devices.add(WsTestClient.connect(server.port(), "/ws", "User-Agent: Mozilla/5.0 (X11; Linux x86_64) test"));
        devices.add(WsTestClient.connect(server.port(), "/api/v2/ws", "User-Agent: BTClock/4.0"));
        for (WsTestClient d : devices) {
            d.next();
        }
        browser("live");
        browser.open(url());

        // The REST values, exactly as devices get them, USD first.
        awaitText("price-USD", "64212");
        assertEquals("59123", browser.text("price-EUR"));
        assertEquals("55000", browser.text("price-CHF"));
        assertEquals("10123456", browser.text("price-JPY"));
        assertEquals("USD EUR CHF JPY", browser.eval(
                "Array.from(document.querySelectorAll('#prices tr td:first-child')).map(td => td.textContent).join(' ')"));
        assertTrue(browser.text("age-USD").matches("\\d+(\\.\\d)? s ago"), browser.text("age-USD"));
        assertEquals("870123", browser.text("height"));
        assertEquals("13", browser.text("fee"), "the stored fee 12.5 → 13, as /api/lastfee answers");
        assertTrue(browser.text("height-note").startsWith("from mempool-ws, its last event "), browser.text("height-note"));

        // Who serves what, the drivers, the fleet, the devices.
        assertEquals("ok", browser.text("status"));
        assertEquals("mempool-ws", browser.text("serving-price"));
        assertEquals("mempool-ws", browser.text("serving-block"));
        assertEquals("mempool-ws", browser.text("serving-fee"));
        assertEquals("connected", browser.text("driver-mempool-ws"));
        assertEquals("single", browser.text("fleet-role"));
        assertEquals("yes", browser.text("fleet-runs"));
        assertEquals("none", browser.text("fleet-broker"));
        awaitText("devices-v1", "1");
        assertEquals("1", browser.text("devices-v2"));
        assertEquals("2", browser.text("devices-total"));
        assertEquals("1", browser.text("devices-btclock-firmware"), "by the User-Agent of the upgrade request");
        assertEquals("1", browser.text("devices-browser"));
        assertEquals("0", browser.text("devices-esp32-client"));
        assertEquals("0", browser.text("devices-other"));
        assertEquals("true", browser.eval("document.getElementById('price-sources').hidden"),
                "no price sources table with PRICE_SOURCE=mempool");

        // The relay, its password masked.
        Await.until("the relay shown connected", DEADLINE,
                () -> "connected".equals(browser.eval("(document.querySelector('#relays-rows td:nth-child(2)') || {}).textContent"))
                        && "false".equals(browser.eval("document.getElementById('relays').hidden")),
                () -> browser.eval("document.getElementById('relays').outerHTML"));
        String relays = browser.eval("document.getElementById('relays-rows').innerText");
        assertTrue(relays.contains("ws://btclock:***@127.0.0.1:"), relays);

        // The upstream changes: the page follows on its own (it polls), no reload.
        String before = browser.eval("performance.getEntriesByType('navigation').length + ':' + performance.timeOrigin");
        mempool.pushBlock(870124, "0000000000000000000bbb", 9.876);
        mempool.pushConversions("{\"time\":1755012400,\"USD\":65000,\"EUR\":60001,\"CHF\":55000,\"JPY\":10123456}");
        awaitText("height", "870124");
        awaitText("fee", "9.88");
        awaitText("price-USD", "65000");
        awaitText("price-EUR", "60001");
        devices.remove(1).close();
        awaitText("devices-v2", "0");
        awaitText("devices-total", "1");
        assertEquals(before, browser.eval("performance.getEntriesByType('navigation').length + ':' + performance.timeOrigin"),
                "the same page, not a reload");

        browser.screenshot(SCREENSHOT);
        byte[] png = Files.readAllBytes(SCREENSHOT);
        assertTrue(png.length > 10_000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', "a PNG of the page: " + png.length);

        // Nothing secret on the page or in what it reads.
        String html = browser.html();
        String detail = TestServer.get(server.port(), "/healthz/detail").body();
        String metrics = TestServer.get(server.metricsPort(), "/metrics").body();
        assertTrue(metrics.contains("relay=\"ws://btclock:***@127.0.0.1:"), "the relay's metrics, its password masked");
        for (String secret : List.of(KEY, KEY.substring(0, 16), RELAY_PASSWORD)) {
            assertFalse(html.contains(secret), "the page shows a secret");
            assertFalse(detail.contains(secret), "the detail shows a secret");
            assertFalse(metrics.contains(secret), "the metrics show a secret");
        }
        assertEquals(List.of(), browser.pageErrors(), "no script errors, no Content-Security-Policy violations");
    }

    @Test
    void beforeTheFirstValue_saysNoDataYet_andNamesTheDownUpstream() throws Exception {
        assumeChromium();
        mempool = FakeMempoolServer.start();
        mempool.stop();
        server = TestServer.start(mempool, Map.of());
        browser("empty");
        browser.open(url());

        awaitText("status", "down");
        assertEquals("no data yet", browser.text("prices"));
        assertEquals("no data yet", browser.text("height"));
        assertEquals("no data yet", browser.text("fee"));
        assertEquals("", browser.text("height-note"));
        assertEquals("nobody", browser.text("serving-block"));
        assertEquals("disconnected", browser.text("driver-mempool-ws"));
        assertTrue(browser.text("reason").startsWith("no data yet: upstream down (mempool-ws: "), browser.text("reason"));
        assertEquals("0", browser.text("devices-total"));
        assertEquals("true", browser.eval("document.getElementById('relays').hidden"));
        assertEquals(List.of(), browser.pageErrors());
    }

    @Test
    void theScript_toleratesMissingAndMalformedFields_andWritesValuesAsTextOnly() throws Exception {
        assumeChromium();
        mempool = FakeMempoolServer.start();
        server = TestServer.startHealthy(mempool, Map.of());
        browser("render");
        browser.open(url());
        awaitText("height", "870123");

        // Each render and its reading run in one script task: the page's own polls cannot come between.
        String read = "JSON.stringify({prices: document.getElementById('prices').textContent,"
                + " height: document.getElementById('height').textContent, fee: document.getElementById('fee').textContent,"
                + " drivers: document.getElementById('drivers').textContent, v1: document.getElementById('devices-v1').textContent,"
                + " role: document.getElementById('fleet-role').textContent, status: document.getElementById('status').textContent,"
                + " sources: document.getElementById('price-sources').hidden, relays: document.getElementById('relays').hidden,"
                + " bold: document.querySelectorAll('b, img').length})";
        for (String answers : List.of("{}", "{detail: null, prices: null, block: null, fee: null}",
                "{detail: {data: {}, upstream: {}, fleet: {}, devices: {}}, prices: {}}", "{detail: 'nonsense', prices: [1, 2]}")) {
            JsonObject shown = JsonParser.parseString(browser.eval("(function () { BtclockStatus.render(" + answers + "); return "
                    + read + "; })()")).getAsJsonObject();
            assertEquals("no data yet", shown.get("prices").getAsString(), answers);
            assertEquals("no data yet", shown.get("height").getAsString(), answers);
            assertEquals("no data yet", shown.get("fee").getAsString(), answers);
            assertEquals("no data yet", shown.get("drivers").getAsString(), answers);
            assertEquals("–", shown.get("v1").getAsString(), answers);
            assertEquals("unknown", shown.get("status").getAsString(), answers);
            assertTrue(shown.get("sources").getAsBoolean(), answers);
        }

        // Markup in the data stays text; a price sources table appears when there are sources.
        JsonObject shown = JsonParser.parseString(browser.eval("(function () { BtclockStatus.render({detail: {status: 'ok',"
                + " upstream: {drivers: [null, 7, {name: '<b>x</b>', connected: true, detail: '<img src=x onerror=alert(1)>'}],"
                + " serving: {block: '<b>x</b>'}, priceSources: [{source: 'kraken', currency: 'USD', price: 64213.5,"
                + " ageSeconds: 1.5, used: true, outliers: 0}, 'junk']}, fleet: {role: '<b>leader</b>'}, devices: {v1: 3},"
                + " publishing: [{name: 'wss://relay.example', connected: false}]},"
                + " prices: {USD: 64212}, priceAges: 'garbage', block: '870125', fee: '4'}); return " + read + "; })()"))
                .getAsJsonObject();
        assertEquals(0, shown.get("bold").getAsInt(), "no element made from the data");
        assertEquals("<b>leader</b>", shown.get("role").getAsString());
        assertTrue(shown.get("drivers").getAsString().contains("<b>x</b>connected"), shown.toString());
        assertTrue(shown.get("prices").getAsString().startsWith("USD64212–"), shown.toString());
        assertEquals("870125", shown.get("height").getAsString());
        assertEquals("3", shown.get("v1").getAsString());
        assertFalse(shown.get("sources").getAsBoolean(), "the price sources table is shown");
        assertFalse(shown.get("relays").getAsBoolean(), "the relays table is shown");
        assertTrue(browser.eval("document.getElementById('price-sources-rows').textContent").startsWith("kraken")
                && browser.eval("document.getElementById('price-sources-rows').textContent").contains("64213.5"),
                browser.eval("document.getElementById('price-sources-rows').textContent"));
        assertEquals("{\"USD\":3,\"EUR\":12}", browser.eval("JSON.stringify(BtclockStatus.parseAges('USD=3, EUR=12'))"));
        assertEquals(List.of(), browser.pageErrors());
    }

    @Test
    void thePage_isServedWithAContentSecurityPolicy_headAnswersAsGet_andTheWebSocketPathsStay() throws Exception {
        mempool = FakeMempoolServer.start();
        server = TestServer.startHealthy(mempool, Map.of());
        HttpResponse<String> page = TestServer.get(server.port(), "/status");
        assertEquals(200, page.statusCode());
        assertEquals("text/html; charset=utf-8", page.headers().firstValue("Content-Type").orElse(""));
        String csp = page.headers().firstValue("Content-Security-Policy").orElse("");
        assertTrue(csp.startsWith("default-src 'self';"), csp);
        assertFalse(csp.contains("unsafe"), csp);
        assertEquals("nosniff", page.headers().firstValue("X-Content-Type-Options").orElse(""));
        assertTrue(page.body().contains("<script src=\"/status/status.js\" defer></script>"), page.body());
        assertFalse(page.body().contains("<script>"), "no inline script (the policy would block it)");

        HttpResponse<String> script = TestServer.get(server.port(), "/status/status.js");
        assertEquals("text/javascript; charset=utf-8", script.headers().firstValue("Content-Type").orElse(""));
        assertFalse(script.body().contains("innerHTML"), "values are written as text");
        assertEquals("text/css; charset=utf-8",
                TestServer.get(server.port(), "/status/status.css").headers().firstValue("Content-Type").orElse(""));

        HttpResponse<String> head = HTTP.send(HttpRequest.newBuilder(URI.create(url()))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, head.statusCode());
        assertEquals("", head.body());
        assertEquals(page.headers().firstValue("Content-Length"), head.headers().firstValue("Content-Length"));
        assertEquals(csp, head.headers().firstValue("Content-Security-Policy").orElse(""));

        assertEquals(404, TestServer.get(server.port(), "/").statusCode(), "/ is fastify's 404, as before");
        assertEquals(404, TestServer.get(server.port(), "/status/").statusCode());
        assertEquals(404, TestServer.get(server.port(), "/status/nope.js").statusCode());
        for (String ws : List.of("/ws", "/api/v1/ws", "/api/v2/ws")) {
            HttpResponse<String> plain = TestServer.get(server.port(), ws);
            assertEquals(404, plain.statusCode(), ws);
            assertEquals("", plain.body(), ws);
        }
        try (WsTestClient c = WsTestClient.connect(server.port(), "/api/v2/ws")) {
            assertEquals(101, c.status());
        }
        assertNull(TestServer.get(server.port(), "/api/lastblock").headers().firstValue("Content-Security-Policy").orElse(null),
                "the REST answers are as before");
    }
}
