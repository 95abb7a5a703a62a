package dev.btclock.tests;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import dev.btclock.core.Await;
import dev.btclock.core.event.Event;
import dev.btclock.core.event.PriceUpdate;
import dev.btclock.upstream.contract.DriverFixture;
import dev.btclock.upstream.contract.UpstreamDriverContract;
import dev.btclock.upstream.exchange.ExchangeDriver;
import dev.btclock.upstream.spi.DataKind;
import dev.btclock.upstream.spi.DriverConfig;
import dev.btclock.upstream.spi.Drivers;
import dev.btclock.upstream.spi.UpstreamDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The four exchange price drivers (docs/upstreams.md §4.5), each against a fake that speaks its
 * exchange's protocol over loopback: the same cases for every exchange, then what is particular to
 * one, then the driver contract kit. Heartbeats come every 100 ms so that nothing waits long.
 */
class ExchangeDriversIT {

    private static final Logger LOG = LoggerFactory.getLogger(ExchangeDriversIT.class);

    private static final Duration DEADLINE = Duration.ofSeconds(10);

    /** The cases every exchange meets. */
    abstract class ExchangeCase<F extends FakeExchange> {

        F fake;
        ExchangeDriver driver;
        final List<Event> events = new CopyOnWriteArrayList<>();
        final ManualClock clock = new ManualClock(Instant.parse("2026-01-02T03:04:05Z"));

        /** A fresh fake of the exchange. */
        abstract F startFake() throws IOException;

        /** The provider name. */
        abstract String name();

        /** The prefix of its settings. */
        abstract String prefix();

        /** The exchange's pair names of the default currencies, in order. */
        abstract Map<String, String> defaultPairs();

        /** Asserts that the driver subscribed to {@code currencies} as the exchange expects. */
        abstract void assertSubscribed(List<String> currencies);

        /** Frames of a known kind with values of the wrong type or range, about {@code currency}. */
        abstract List<String> wrongShapes(String currency);

        /** Whether the ticker itself is the heartbeat (Binance: every stream once a second). */
        boolean tickerIsTheHeartbeat() {
            return false;
        }

        /** Whether the exchange answers a subscription to an unknown pair (else its stream stays empty). */
        boolean answersUnknownPairs() {
            return true;
        }

        @BeforeEach
        void startTheFake() throws IOException {
            fake = startFake();
            fake.heartbeatEvery(Duration.ofMillis(100));
        }

        @AfterEach
        void closeAll_andNoThreadOfTheDriverIsLeft() {
            try {
                if (driver != null) {
                    driver.close();
                    Await.until("the driver's threads end", Duration.ofSeconds(5), () -> driverThreads().isEmpty(),
                            () -> driverThreads().toString());
                }
            } finally {
                fake.close();
            }
        }

        private Set<String> driverThreads() {
            return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                    .filter(n -> n.equals("btclock-" + name()) || n.equals("btclock-" + name() + "-http"))
                    .collect(Collectors.toSet());
        }

        /** Starts the driver through the SPI, pointed at the fake, with {@code settings} on top. */
        ExchangeDriver start(Map<String, String> settings) {
            Map<String, String> all = new HashMap<>(settings);
            all.put(prefix() + "_URL", fake.url());
            UpstreamDriver d = Drivers.installed().find(name()).create(new DriverConfig(all, clock));
            driver = (ExchangeDriver) d;
            driver.start(events::add);
            return driver;
        }

        boolean saw(String currency, double price) {
            return events.stream().anyMatch(e -> e instanceof PriceUpdate p && p.currency().equals(currency) && p.price() == price);
        }

        boolean saw(String currency, double price, Instant at) {
            return events.stream().anyMatch(e -> e instanceof PriceUpdate p && p.currency().equals(currency) && p.price() == price
                    && p.at().equals(at));
        }

        void awaitPrice(String currency, double price) {
            Await.until(currency + " at " + price, DEADLINE, () -> saw(currency, price), events::toString);
        }

        void awaitDefaultPrices() {
            Await.until("every default currency at the fake's price", DEADLINE,
                    () -> defaultPairs().keySet().stream().allMatch(c -> saw(c, fake.priceOf(c))), events::toString);
        }

        /** Waits until the driver received {@code n} more frames (heartbeats come every 100 ms). */
        void awaitFrames(int n) {
            long target = driver.framesReceived() + n;
            Await.until(n + " more frames", DEADLINE, () -> driver.framesReceived() >= target);
        }

        String first(Map<String, String> pairs) {
            return pairs.keySet().iterator().next();
        }

        /** The application-level pings the fake received (Kraken, Bitfinex). */
        List<String> appPings() {
            return fake.received().stream().filter(f -> f.contains("\"ping\"")).toList();
        }

        /**
         * With the heartbeats off and no ticker moving, the driver pings and the fake answers every
         * ping, yet the connection is dropped after the silence window and no pong refreshed a price;
         * then the heartbeats alone keep the next connection and its prices fresh.
         */
        void pongsAlone_doNotKeepTheConnection_butHeartbeatsDo(String pingPattern) {
            fake.heartbeatEvery(Duration.ZERO);
            try (LogTap log = new LogTap()) {
                start(Map.of("EXCHANGE_SILENCE_SECONDS", "2"));
                awaitDefaultPrices();
                long quietSince = System.nanoTime();
                long framesBefore = driver.framesReceived();
                Instant later = clock.advance(Duration.ofSeconds(6));
                Await.until("a ping answered", DEADLINE, () -> !appPings().isEmpty() && driver.framesReceived() > framesBefore,
                        () -> fake.received().toString());
                Await.until("dropped as silent, pongs or not", DEADLINE,
                        () -> !log.lines(name() + ": silent for 2 s; reconnecting in").isEmpty(), () -> driver.health().toString());
                Duration dropped = Duration.ofNanos(System.nanoTime() - quietSince);
                assertTrue(dropped.compareTo(Duration.ofSeconds(2 + 3)) <= 0, "dropped after " + dropped);
                List<String> pings = appPings();
                assertTrue(pings.stream().allMatch(p -> p.matches(pingPattern)), pings.toString());
                assertEquals(pings.size(), pings.stream().distinct().count(), "each ping with its own id: " + pings);
                // Until the drop reported them unknown, no price was re-emitted: a pong is no sign of life.
                List<Event> untilDrop = new ArrayList<>();
                for (Event e : events) {
                    if (e instanceof PriceUpdate p && p.price() < 0) {
                        break;
                    }
                    untilDrop.add(e);
                }
                assertTrue(untilDrop.stream().noneMatch(e -> e.at().equals(later)), untilDrop::toString);

                Await.until("connected again", DEADLINE, () -> fake.connects().size() == 2
                        && driver.currencies().equals(defaultPairs().keySet()), () -> driver.health().toString());
                fake.heartbeatEvery(Duration.ofMillis(100));
                Instant evenLater = clock.advance(Duration.ofSeconds(6));
                Await.until("every quote refreshed by the heartbeats", DEADLINE, () -> defaultPairs().keySet().stream()
                        .allMatch(c -> saw(c, fake.priceOf(c), evenLater)), events::toString);
                long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
                Await.until("the silence window and more of heartbeats", DEADLINE, () -> System.nanoTime() > until);
                assertEquals(2, fake.connects().size(), fake.connects().toString());
                assertTrue(driver.health().connected(), driver.health().toString());
            }
        }

        @Test
        void firstPrices_haveTheExactValue_forEveryDefaultCurrency_afterTheExchangesOwnSubscription() {
            start(Map.of());
            awaitDefaultPrices();
            assertSubscribed(List.copyOf(defaultPairs().keySet()));
            assertEquals(defaultPairs(), driver.pairs());
            assertEquals(defaultPairs().keySet(), driver.currencies());
            assertTrue(events.stream().allMatch(e -> e.source().equals(name()) && DataKind.of(e) == DataKind.PRICE),
                    events::toString);
            assertTrue(events.stream().allMatch(e -> e.at().equals(clock.instant())), "stamped by the injected clock");
            assertTrue(driver.health().connected());
            assertEquals("connected, " + defaultPairs().size() + " pairs", driver.health().detail());
            assertEquals(clock.instant(), driver.health().lastEvent());

            String last = List.copyOf(defaultPairs().keySet()).get(defaultPairs().size() - 1);
            fake.price(last, 99999.99);
            awaitPrice(last, 99999.99);
            assertTrue(driver.bytesReceived() > 0 && driver.framesReceived() > defaultPairs().size(),
                    driver.bytesReceived() + " chars in " + driver.framesReceived() + " frames");
        }

        @Test
        void heartbeatsAlone_keepTheConnection_andRefreshEveryQuoteOnceItIsFiveSecondsOld() {
            start(Map.of("EXCHANGE_SILENCE_SECONDS", "1"));
            awaitDefaultPrices();
            // No ticker moves from here on: only the exchange's heartbeats (Binance's: the unchanged tickers).
            Instant later = clock.advance(Duration.ofSeconds(6));
            Await.until("every quote re-emitted at the new time, same price", DEADLINE, () -> defaultPairs().keySet().stream()
                    .allMatch(c -> events.stream().anyMatch(e -> e instanceof PriceUpdate p && p.currency().equals(c)
                            && p.at().equals(later) && p.price() == fake.priceOf(c))), events::toString);
            if (!tickerIsTheHeartbeat()) {
                long refreshes = events.stream().filter(e -> e.at().equals(later)).count();
                awaitFrames(5);
                assertEquals(refreshes, events.stream().filter(e -> e.at().equals(later)).count(),
                        "not again before another 5 s have passed");
            }

            // Twice the silence window on heartbeats alone: still the first connection.
            long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            Await.until("2 s of heartbeats", DEADLINE, () -> System.nanoTime() > until);
            assertEquals(1, fake.connects().size(), fake.connects().toString());
            assertTrue(driver.health().connected(), driver.health().toString());
        }

        @Test
        void aSilentFeed_isDroppedWithinTheSilenceWindow_healthSaysWhy_andANewConnectionServes() {
            start(Map.of("EXCHANGE_SILENCE_SECONDS", "2"));
            awaitDefaultPrices();
            long silentSince = System.nanoTime();
            fake.silent(true);
            Await.until("the silence is noticed", DEADLINE, () -> driver.health().detail().contains("silent for 2 s"),
                    () -> driver.health().toString());
            Duration noticed = Duration.ofNanos(System.nanoTime() - silentSince);
            // The window plus generous slack for a loaded machine (checks run every 200 ms).
            assertTrue(noticed.compareTo(Duration.ofMillis(1500)) >= 0 && noticed.compareTo(Duration.ofSeconds(2 + 3)) <= 0,
                    "noticed after " + noticed);
            assertFalse(driver.health().connected());
            assertTrue(driver.health().detail().matches("reconnecting in \\d+ ms: silent for 2 s"), driver.health().detail());
            assertEquals(Set.of(), driver.currencies(), "the quotes went with the connection");

            String c = first(defaultPairs());
            fake.price(c, 12345.67);
            Await.until("connected again", DEADLINE, () -> driver.health().connected() && fake.connects().size() == 2);
            awaitPrice(c, 12345.67);
        }

        @Test
        void anOutage_isReported_andPricesComeBackWithTheExchange() throws IOException {
            start(Map.of());
            awaitDefaultPrices();
            fake.stop();
            Await.until("seen as down", DEADLINE, () -> !driver.health().connected(), () -> driver.health().toString());
            String detail = driver.health().detail();
            assertTrue(detail.startsWith("reconnecting in ") && (detail.contains("closed by upstream (1001")
                    || detail.contains("connection error") || detail.contains("cannot connect")), detail);
            assertEquals(Set.of(), driver.currencies());

            fake.restart();
            String c = first(defaultPairs());
            fake.price(c, 54321.5);
            awaitPrice(c, 54321.5);
            Await.until("connected", DEADLINE, () -> driver.health().connected());
        }

        @Test
        void oversizedAndMalformedFrames_areSkipped_warnedOnce_andLaterValuesStillArrive() {
            String c = first(defaultPairs());
            double before = fake.priceOf(c);
            try (LogTap log = new LogTap()) {
                start(Map.of());
                awaitDefaultPrices();
                fake.sendOversized(c, 4242.0, 70_000);
                List<String> bad = new ArrayList<>(List.of("{not json", "", "null", "42", "\"text\"", "[1,2",
                        "{\"channel\":\"ticker\",\"data\":[{\"symbol\":\"BTC/USD\",\"last\":NaN}]}",
                        "\u001b[31m\r\n2026-01-01 [main] INFO forged line \u202e\u0000",
                        "{\"a\":\"\u0007\"}}", "[".repeat(5000) + "]".repeat(5000)));
                bad.addAll(wrongShapes(c));
                bad.forEach(fake::sendRaw);
                for (int i = 0; i < 1000; i++) {
                    fake.sendRaw("{\"flood\":" + i);
                }
                fake.price(c, 77777.77);
                awaitPrice(c, 77777.77);

                Set<Double> allowed = Set.of(before, 77777.77);
                List<Event> wrong = events.stream()
                        .filter(e -> e instanceof PriceUpdate p && p.currency().equals(c) && !allowed.contains(p.price()))
                        .toList();
                assertEquals(List.of(), wrong);
                assertEquals(1 + bad.size() + 1000, driver.framesSkipped(), "every bad frame skipped, each counted");
                assertEquals(1, fake.connects().size(), "the connection survived it");
                List<String> warned = log.lines(name() + ": skipped");
                assertEquals(1, warned.size(), warned.toString());
                assertTrue(warned.get(0).contains(name() + ": skipped a frame of 70000 characters (limit 65536)"), warned.get(0));
            }
        }

        @Test
        void aCurrencyTheExchangeDoesNotList_isNotOffered_andTheOthersAre() {
            String c = first(defaultPairs());
            try (LogTap log = new LogTap()) {
                start(Map.of(prefix() + "_CURRENCIES", c + ",XYZ"));
                awaitPrice(c, fake.priceOf(c));
                if (answersUnknownPairs()) {
                    Await.until("the refusal is logged", DEADLINE, () -> !log.lines(name() + ": XYZ is not offered").isEmpty());
                }
                awaitFrames(5);
                assertTrue(events.stream().noneMatch(e -> e instanceof PriceUpdate p && p.currency().equals("XYZ")),
                        events::toString);
                assertEquals(Set.of(c), driver.currencies());
                assertTrue(driver.health().connected());
                assertEquals("connected, 1 pairs", driver.health().detail());
            }
        }
    }

    @Nested
    class Kraken extends ExchangeCase<FakeKraken> {
        FakeKraken startFake() throws IOException {
            return FakeKraken.start();
        }

        String name() {
            return "kraken";
        }

        String prefix() {
            return "KRAKEN";
        }

        Map<String, String> defaultPairs() {
            return pairs("USD", "BTC/USD", "EUR", "BTC/EUR", "GBP", "BTC/GBP", "CAD", "BTC/CAD", "CHF", "BTC/CHF",
                    "AUD", "BTC/AUD", "JPY", "BTC/JPY");
        }

        void assertSubscribed(List<String> currencies) {
            assertJson(List.of("{\"method\":\"subscribe\",\"params\":{\"channel\":\"ticker\",\"symbol\":["
                    + currencies.stream().map(c -> "\"BTC/" + c + "\"").collect(Collectors.joining(","))
                    + "]},\"req_id\":1}"), fake.received());
            assertEquals(List.of("/v2"), fake.connects());
        }

        List<String> wrongShapes(String c) {
            String t = "{\"channel\":\"ticker\",\"type\":\"update\",\"data\":";
            return List.of(t + "[{\"symbol\":\"BTC/" + c + "\",\"last\":\"118000.5\"}]}",
                    t + "{\"symbol\":\"BTC/" + c + "\",\"last\":118000.5}}",
                    t + "[{\"symbol\":\"BTC/" + c + "\",\"last\":-5}]}",
                    t + "[{\"symbol\":\"BTC/" + c + "\",\"last\":0}]}",
                    t + "[{\"symbol\":\"BTC/" + c + "\",\"last\":1e400}]}",
                    t + "[{\"symbol\":\"BTC/" + c + "\"}]}",
                    t + "[{\"symbol\":7,\"last\":118000.5}]}",
                    "{\"channel\":\"status\",\"type\":\"update\",\"data\":\"online\"}");
        }

        @Test
        void withoutHeartbeats_theAppPingGoesOut_butItsPongsDoNotKeepTheConnection_andHeartbeatsDo() {
            pongsAlone_doNotKeepTheConnection_butHeartbeatsDo("\\{\"method\":\"ping\",\"req_id\":\\d+}");
        }

        @Test
        void aPairRefusedMidConnection_isReportedUnknownAtOnce_andExchangeTextIsLoggedEscaped() {
            String forged = "BTC/\u001b[31mZZZ\n2026-01-01 [main] INFO forged \u202e";
            try (LogTap log = new LogTap()) {
                start(Map.of());
                awaitDefaultPrices();
                fake.sendRaw(refusal("BTC/EUR"));
                awaitPrice("EUR", -1);
                assertFalse(driver.currencies().contains("EUR"), driver.currencies().toString());
                fake.price("EUR", 100000.5);
                for (int i = 0; i < 3; i++) {
                    fake.sendRaw(refusal(forged));
                }
                fake.sendRaw("{\"channel\":\"ticker\",\"type\":\"update\",\"data\":[{\"symbol\":" + new JsonPrimitive(forged)
                        + ",\"last\":\"1\"}]}");
                fake.price("USD", 118000.5);
                awaitPrice("USD", 118000.5);
                assertFalse(saw("EUR", 100000.5), "no EUR price after the refusal");

                List<String> refusals = log.lines("kraken: the exchange refused");
                assertEquals(1, refusals.size(), "once per connection: " + refusals);
                assertTrue(refusals.get(0).contains("\"BTC/\\u001b[31mZZZ\\n2026-01-01 [main] INFO forged \\u202e\""),
                        refusals.get(0));
                List<String> skipped = log.lines("kraken: skipped a frame: last of \"BTC/\\u001b[31mZZZ\\n2026");
                assertEquals(1, skipped.size(), log.lines("kraken:").toString());
                assertEquals(List.of(), log.lines("\u001b"), "no raw control character reached the log");
                assertEquals(List.of(), log.lines("\u202e"), "no raw bidi override reached the log");
                assertTrue(log.lines("INFO forged").stream().noneMatch(l -> l.startsWith("2026-01-01")), "no forged line");
            }
        }

        /** Kraken's negative acknowledgement of a ticker subscription for {@code symbol}. */
        private String refusal(String symbol) {
            JsonObject nack = new JsonObject();
            nack.addProperty("error", "Currency pair not supported " + symbol);
            nack.addProperty("method", "subscribe");
            nack.addProperty("success", false);
            nack.addProperty("symbol", symbol);
            return nack.toString();
        }
    }

    @Nested
    class Coinbase extends ExchangeCase<FakeCoinbase> {
        FakeCoinbase startFake() throws IOException {
            return FakeCoinbase.start();
        }

        String name() {
            return "coinbase";
        }

        String prefix() {
            return "COINBASE";
        }

        Map<String, String> defaultPairs() {
            return pairs("USD", "BTC-USD", "EUR", "BTC-EUR", "GBP", "BTC-GBP");
        }

        void assertSubscribed(List<String> currencies) {
            assertJson(List.of("{\"type\":\"subscribe\",\"product_ids\":["
                            + currencies.stream().map(c -> "\"BTC-" + c + "\"").collect(Collectors.joining(","))
                            + "],\"channel\":\"ticker\"}", "{\"type\":\"subscribe\",\"channel\":\"heartbeats\"}"),
                    fake.received());
        }

        List<String> wrongShapes(String c) {
            List<String> frames = new ArrayList<>();
            for (String price : List.of("118000.5", "\"NaN\"", "\"1e5\"", "\"0x1p3\"", "\"-5\"", "\"12.5d\"", "\"\"",
                    "\"0\"", "null", "\" 118000.5\"")) {
                frames.add("{\"channel\":\"ticker\",\"client_id\":\"\",\"timestamp\":\"2026-01-02T03:04:05Z\","
                        + "\"events\":[{\"type\":\"update\",\"tickers\":[{\"type\":\"ticker\",\"product_id\":\"BTC-" + c
                        + "\",\"price\":" + price + "}]}]}");
            }
            frames.add("{\"channel\":\"ticker\",\"events\":{\"type\":\"update\"}}");
            frames.add("{\"channel\":\"ticker\",\"events\":[{\"type\":\"update\",\"tickers\":[{\"price\":\"118000.5\"}]}]}");
            return frames;
        }

        @Test
        void aLostMessage_isCountedAsASequenceGap() {
            start(Map.of());
            awaitDefaultPrices();
            assertEquals(0, driver.sequenceGaps());
            fake.loseMessage();
            fake.price("USD", 118232.01);
            awaitPrice("USD", 118232.01);
            assertEquals(1, driver.sequenceGaps());
        }

        @Test
        void aRefusedProduct_isDropped_andTheRestSubscribedAgain() {
            start(Map.of("COINBASE_CURRENCIES", "USD,XYZ,EUR"));
            awaitPrice("EUR", fake.priceOf("EUR"));
            assertJson(List.of("{\"type\":\"subscribe\",\"product_ids\":[\"BTC-USD\",\"BTC-XYZ\",\"BTC-EUR\"],\"channel\":\"ticker\"}",
                    "{\"type\":\"subscribe\",\"channel\":\"heartbeats\"}",
                    "{\"type\":\"subscribe\",\"product_ids\":[\"BTC-USD\",\"BTC-EUR\"],\"channel\":\"ticker\"}"), fake.received());
            awaitPrice("USD", fake.priceOf("USD"));
        }
    }

    @Nested
    class Bitfinex extends ExchangeCase<FakeBitfinex> {
        FakeBitfinex startFake() throws IOException {
            return FakeBitfinex.start();
        }

        String name() {
            return "bitfinex";
        }

        String prefix() {
            return "BITFINEX";
        }

        Map<String, String> defaultPairs() {
            return pairs("USD", "tBTCUSD", "EUR", "tBTCEUR", "GBP", "tBTCGBP", "JPY", "tBTCJPY");
        }

        void assertSubscribed(List<String> currencies) {
            assertJson(currencies.stream().map(c -> "{\"event\":\"subscribe\",\"channel\":\"ticker\",\"symbol\":\"tBTC" + c + "\"}")
                    .toList(), fake.received());
        }

        List<String> wrongShapes(String c) {
            long id = fake.chanId(c);
            return List.of("[" + id + ",[1,2,3]]",
                    "[" + id + ",[1,2,3,4,5,6,\"118000.5\",8,9,10]]",
                    "[" + id + ",[1,2,3,4,5,6,-5,8,9,10]]",
                    "[" + id + ",{\"last\":118000.5}]",
                    "[\"" + id + "\",[1,2,3,4,5,6,118000.5,8,9,10]]",
                    "[" + id + "]",
                    "[" + id + ",[1,2,3,4,5,6,null]]",
                    "{\"event\":\"subscribed\",\"channel\":\"ticker\",\"chanId\":\"x\",\"symbol\":\"tBTC" + c + "\"}");
        }

        @Test
        void theLastPrice_isReadAtIndexSix_whateverTheArrayLength() {
            start(Map.of());
            awaitDefaultPrices();
            long id = fake.chanId("EUR");
            fake.sendRaw("[" + id + ",[1,2,3,4,5,6,101999.5]]");
            awaitPrice("EUR", 101999.5);
            fake.sendRaw("[" + id + ",[1,2,3,4,5,6,101888.5,8,9,10,11,12,\"new field\"]]");
            awaitPrice("EUR", 101888.5);
        }

        @Test
        void info20051_reconnects() {
            start(Map.of());
            awaitDefaultPrices();
            fake.info(20051);
            Await.until("a second connection", DEADLINE, () -> fake.connects().size() == 2 && driver.health().connected());
            fake.price("GBP", 87000.5);
            awaitPrice("GBP", 87000.5);
        }

        @Test
        void withoutHeartbeats_theBitfinexPingGoesOut_butItsPongsDoNotKeepTheConnection_andHeartbeatsDo() {
            pongsAlone_doNotKeepTheConnection_butHeartbeatsDo("\\{\"event\":\"ping\",\"cid\":\\d+}");
        }

        @Test
        void aChannelsHeartbeat_refreshesThatChannelsPriceOnly() {
            fake.heartbeatEvery(Duration.ZERO);
            start(Map.of());
            awaitDefaultPrices();
            Instant later = clock.advance(Duration.ofSeconds(6));
            long frames = driver.framesReceived();
            fake.sendRaw("[" + fake.chanId("EUR") + ",\"hb\"]");
            fake.sendRaw("{\"event\":\"pong\",\"ts\":1,\"cid\":1}");
            // Frames are read one after the other: once the pong is counted, the heartbeat was read.
            Await.until("both frames read", DEADLINE, () -> driver.framesReceived() >= frames + 2);
            List<Event> refreshed = events.stream().filter(e -> e.at().equals(later)).toList();
            assertEquals(List.of(new PriceUpdate("EUR", fake.priceOf("EUR"), later, "bitfinex")), refreshed);
            assertEquals(later, driver.health().lastEvent());
        }

        @Test
        void subscribedEvents_forUnknownSymbolsAndNewChannels_keepOneChannelPerPair() {
            start(Map.of());
            awaitDefaultPrices();
            long oldEur = fake.chanId("EUR");
            for (int i = 0; i < 2000; i++) {
                fake.sendRaw(FakeBitfinex.subscribed(900_000 + i, "tBTCX" + i));
            }
            JsonObject hostile = new JsonObject();
            hostile.addProperty("event", "subscribed");
            hostile.addProperty("channel", "ticker");
            hostile.addProperty("chanId", 899_999);
            hostile.addProperty("symbol", "tBTC\u001b[31m\n" + "Z".repeat(5000));
            fake.sendRaw(hostile.toString());
            long newEur = -1;
            for (int i = 0; i < 500; i++) {
                newEur = fake.newChannel("EUR");
            }
            fake.sendRaw("[900001,[1,2,3,4,5,6,5.5]]");
            fake.sendRaw("[899999,[1,2,3,4,5,6,6.5]]");
            fake.sendRaw("[" + oldEur + ",[1,2,3,4,5,6,101999.5]]");
            fake.sendRaw("[" + (newEur - 1) + ",[1,2,3,4,5,6,101888.5]]");
            fake.price("EUR", 101777.5);
            awaitPrice("EUR", 101777.5);
            fake.price("USD", 118000.5);
            awaitPrice("USD", 118000.5);
            assertFalse(saw("EUR", 101999.5), "the replaced channel is ignored");
            assertFalse(saw("EUR", 101888.5), "and so is every channel in between");
            assertTrue(events.stream().noneMatch(e -> e instanceof PriceUpdate p && (p.price() == 5.5 || p.price() == 6.5)),
                    "channels of symbols never asked for are ignored");
            assertEquals(0, driver.framesSkipped());
            assertEquals(1, fake.connects().size());
        }
    }

    @Nested
    class Binance extends ExchangeCase<FakeBinance> {
        FakeBinance startFake() throws IOException {
            return FakeBinance.start();
        }

        String name() {
            return "binance";
        }

        String prefix() {
            return "BINANCE";
        }

        Map<String, String> defaultPairs() {
            return pairs("USD", "BTCUSDT", "EUR", "BTCEUR");
        }

        @Override
        boolean answersUnknownPairs() {
            return false;
        }

        @Override
        boolean tickerIsTheHeartbeat() {
            return true;
        }

        void assertSubscribed(List<String> currencies) {
            assertEquals(List.of("/stream?streams=" + currencies.stream()
                    .map(c -> FakeBinance.symbol(c).toLowerCase(java.util.Locale.ROOT) + "@ticker")
                    .collect(Collectors.joining("/"))), fake.connects());
            assertEquals(List.of(), fake.received(), "the URL subscribes; nothing is sent");
        }

        List<String> wrongShapes(String c) {
            String s = FakeBinance.symbol(c);
            String head = "{\"stream\":\"" + s.toLowerCase(java.util.Locale.ROOT) + "@ticker\",\"data\":";
            List<String> frames = new ArrayList<>();
            for (String price : List.of("118000.5", "\"NaN\"", "\"1e5\"", "\"-5\"", "\"\"", "\"0.00000000\"", "null")) {
                frames.add(head + "{\"e\":\"24hrTicker\",\"E\":1,\"s\":\"" + s + "\",\"c\":" + price + "}}");
            }
            frames.add(head + "\"24hrTicker\"}");
            frames.add(head + "{\"e\":\"24hrTicker\",\"c\":\"118000.5\"}}");
            return frames;
        }

        @Test
        void theServersProtocolPing_isAnsweredByTheJdkClient() {
            fake.pingEvery(Duration.ZERO);
            start(Map.of());
            awaitDefaultPrices();
            fake.ping("btclock-ping-1");
            Await.until("the Pong with the Ping's payload", DEADLINE, () -> fake.pongs().contains("btclock-ping-1"),
                    () -> fake.pongs().toString());
        }

        @Test
        void repeatedServerShutdowns_backOffLonger_untilAConnectionLastsAMinute() {
            start(Map.of());
            awaitDefaultPrices();
            List<Duration> gaps = new ArrayList<>();
            for (int n = 2; n <= 4; n++) {
                gaps.add(shutdownAndReconnect(n));
            }
            // The delays are 0.5-1 s, 1-2 s, 2-4 s: each connection delivered prices, but none lasted a minute.
            assertTrue(gaps.get(2).compareTo(Duration.ofMillis(1900)) >= 0, "third reconnect after " + gaps);
            clock.advance(Duration.ofMinutes(1));
            Duration afterAMinute = shutdownAndReconnect(5);
            // Started over at 0.5-1 s; without the reset it would be 4-8 s.
            assertTrue(afterAMinute.compareTo(Duration.ofMillis(3500)) < 0, "after a minute's connection: " + afterAMinute);
        }

        /** Sends {@code serverShutdown}; the time until connection {@code n} delivered every price. */
        private Duration shutdownAndReconnect(int n) {
            long start = System.nanoTime();
            fake.serverShutdown();
            Await.until("connection " + n + " priced", DEADLINE, () -> fake.connects().size() == n
                    && driver.currencies().equals(defaultPairs().keySet()), () -> driver.health().toString());
            return Duration.ofNanos(System.nanoTime() - start);
        }

        @Test
        void serverShutdown_reconnects() {
            start(Map.of());
            awaitDefaultPrices();
            fake.serverShutdown();
            Await.until("a second connection", DEADLINE, () -> fake.connects().size() == 2 && driver.health().connected());
            fake.price("EUR", 100001.25);
            awaitPrice("EUR", 100001.25);
        }
    }

    @Test
    void realisticMode_feedsEachDriverAtItsExchangesRates_andTheCountersMeasureIt() throws IOException {
        List<FakeExchange> fakes = List.of(FakeKraken.start(), FakeCoinbase.start(), FakeBitfinex.start(), FakeBinance.start());
        List<String> names = List.of("kraken", "coinbase", "bitfinex", "binance");
        List<ExchangeDriver> drivers = new ArrayList<>();
        Map<String, List<Event>> events = new LinkedHashMap<>();
        try {
            for (int i = 0; i < fakes.size(); i++) {
                List<Event> got = new CopyOnWriteArrayList<>();
                events.put(names.get(i), got);
                ExchangeDriver d = (ExchangeDriver) Drivers.installed().find(names.get(i))
                        .create(DriverConfig.from(Map.of(names.get(i).toUpperCase(java.util.Locale.ROOT) + "_URL", fakes.get(i).url())));
                drivers.add(d);
                d.start(got::add);
            }
            Await.until("every pair priced", DEADLINE, () -> drivers.stream().allMatch(d -> d.currencies().equals(d.pairs().keySet())));
            long[] chars = drivers.stream().mapToLong(ExchangeDriver::bytesReceived).toArray();
            long[] frames = drivers.stream().mapToLong(ExchangeDriver::framesReceived).toArray();
            fakes.forEach(f -> f.realistic(true));
            long start = System.nanoTime();
            // Every fake's USD moves at least once a second in this mode.
            Await.until("three USD moves from every exchange", DEADLINE, () -> events.values().stream().allMatch(
                    got -> got.stream().filter(e -> e instanceof PriceUpdate p && p.currency().equals("USD"))
                            .map(e -> ((PriceUpdate) e).price()).distinct().count() >= 4));
            double seconds = (System.nanoTime() - start) / 1e9;
            for (int i = 0; i < drivers.size(); i++) {
                ExchangeDriver d = drivers.get(i);
                long c = d.bytesReceived() - chars[i];
                long f = d.framesReceived() - frames[i];
                assertTrue(c > 0 && f > 0, names.get(i));
                LOG.info(String.format(java.util.Locale.ROOT, "[bandwidth] %s: %.0f chars/s in %.1f frames/s over %.1f s (%s)",
                        names.get(i), c / seconds, f / seconds, seconds, d.pairs().values()));
            }
        } finally {
            drivers.forEach(ExchangeDriver::close);
            fakes.forEach(FakeExchange::close);
        }
    }

    /** The driver contract kit, run by each exchange driver against its fake. */
    @Nested
    class Contract {

        @Nested
        class Kraken implements UpstreamDriverContract<DriverFixture> {
            public DriverFixture fixture() throws IOException {
                return new ExchangeFixture(FakeKraken.start(), "kraken", "KRAKEN", Set.of("USD", "EUR", "JPY"));
            }
        }

        @Nested
        class Coinbase implements UpstreamDriverContract<DriverFixture> {
            public DriverFixture fixture() throws IOException {
                return new ExchangeFixture(FakeCoinbase.start(), "coinbase", "COINBASE", Set.of("USD", "EUR", "GBP"));
            }
        }

        @Nested
        class Bitfinex implements UpstreamDriverContract<DriverFixture> {
            public DriverFixture fixture() throws IOException {
                return new ExchangeFixture(FakeBitfinex.start(), "bitfinex", "BITFINEX", Set.of("USD", "JPY"));
            }
        }

        @Nested
        class Binance implements UpstreamDriverContract<DriverFixture> {
            public DriverFixture fixture() throws IOException {
                return new ExchangeFixture(FakeBinance.start(), "binance", "BINANCE", Set.of("USD", "EUR"));
            }
        }
    }

    /** An exchange driver on its fake; the canned data are the fake's starting prices. */
    private record ExchangeFixture(FakeExchange fake, String name, String prefix, Set<String> currencies)
            implements DriverFixture {
        public UpstreamDriver newDriver() {
            return Drivers.installed().find(name).create(DriverConfig.from(Map.of(prefix + "_URL", fake.url())));
        }

        public boolean cannedDataSeen(List<Event> events) {
            return currencies.stream().allMatch(c -> events.stream()
                    .anyMatch(e -> e instanceof PriceUpdate p && p.currency().equals(c) && p.price() == fake.priceOf(c)));
        }

        public void close() {
            fake.close();
        }
    }

    private static Map<String, String> pairs(String... currencyPair) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < currencyPair.length; i += 2) {
            m.put(currencyPair[i], currencyPair[i + 1]);
        }
        return m;
    }

    /** The frames equal {@code expected} as JSON values (key order aside), in order. */
    private static void assertJson(List<String> expected, List<String> actual) {
        List<JsonElement> e = expected.stream().map(JsonParser::parseString).toList();
        List<JsonElement> a = actual.stream().map(JsonParser::parseString).toList();
        assertEquals(e, a, "expected " + expected + " but the fake received " + actual);
    }

    /** A clock the test moves by hand. */
    static final class ManualClock extends Clock {
        private final AtomicReference<Instant> now;

        ManualClock(Instant start) {
            now = new AtomicReference<>(start);
        }

        Instant advance(Duration d) {
            return now.updateAndGet(t -> t.plus(d));
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    }

    /**
     * What the loggers print while it is open: slf4j-simple writes each line to {@code System.err} as
     * it is at that moment, so a tee there sees every line.
     */
    static final class LogTap implements AutoCloseable {
        private final PrintStream original = System.err;
        private final ByteArrayOutputStream copy = new ByteArrayOutputStream();

        LogTap() {
            OutputStream tee = new OutputStream() {
                @Override
                public void write(int b) {
                    synchronized (copy) {
                        original.write(b);
                        copy.write(b);
                    }
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    synchronized (copy) {
                        original.write(b, off, len);
                        copy.write(b, off, len);
                    }
                }
            };
            System.setErr(new PrintStream(tee, true, StandardCharsets.UTF_8));
        }

        /** The lines printed so far that contain {@code text}. */
        List<String> lines(String text) {
            String all;
            synchronized (copy) {
                all = copy.toString(StandardCharsets.UTF_8);
            }
            return all.lines().filter(l -> l.contains(text)).toList();
        }

        @Override
        public void close() {
            System.setErr(original);
        }
    }
}
