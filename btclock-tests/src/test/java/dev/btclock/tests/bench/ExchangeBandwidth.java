package dev.btclock.tests.bench;

import dev.btclock.core.event.PriceUpdate;
import dev.btclock.tests.FakeBinance;
import dev.btclock.tests.FakeBitfinex;
import dev.btclock.tests.FakeCoinbase;
import dev.btclock.tests.FakeExchange;
import dev.btclock.tests.FakeKraken;
import dev.btclock.upstream.exchange.ExchangeDriver;
import dev.btclock.upstream.spi.DriverConfig;
import dev.btclock.upstream.spi.Drivers;
import dev.btclock.upstream.spi.UpstreamDriver;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * What each exchange driver costs on the wire ({@code bench/exchanges.sh}): the four fakes in their
 * realistic mode (ticker updates at about each exchange's real per-pair rate, its real heartbeat
 * cadence, the default currencies), each read by its driver over one connection for {@code args[0]}
 * seconds (default 180). Prints, per exchange, the frames and characters received (JSON text is
 * ASCII: characters are payload bytes), the server-to-client WebSocket header bytes on top, what the
 * driver sent, and the price events it emitted.
 */
public final class ExchangeBandwidth {

    private ExchangeBandwidth() {
    }

    /** Runs the measurement; {@code args[0]}: seconds (default 180). */
    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 180;
        Map<String, FakeExchange> fakes = new LinkedHashMap<>();
        fakes.put("kraken", FakeKraken.start());
        fakes.put("coinbase", FakeCoinbase.start());
        fakes.put("bitfinex", FakeBitfinex.start());
        fakes.put("binance", FakeBinance.start());
        Map<String, UpstreamDriver> drivers = new LinkedHashMap<>();
        Map<String, LongAdder> events = new LinkedHashMap<>();
        for (Map.Entry<String, FakeExchange> e : fakes.entrySet()) {
            String name = e.getKey();
            e.getValue().realistic(true);
            UpstreamDriver d = Drivers.installed().find(name).create(DriverConfig.from(
                    Map.of(name.toUpperCase(Locale.ROOT) + "_URL", e.getValue().url())));
            LongAdder n = new LongAdder();
            events.put(name, n);
            d.start(ev -> {
                if (ev instanceof PriceUpdate p && p.price() > 0) {
                    n.increment();
                }
            });
            drivers.put(name, d);
        }
        long start = System.nanoTime();
        Map<String, long[]> base = new LinkedHashMap<>();
        // The first 10 s connect and take the snapshots; the measurement starts after them.
        Thread.sleep(10_000);
        drivers.forEach((name, d) -> base.put(name, counts((ExchangeDriver) d, fakes.get(name), events.get(name))));
        Thread.sleep(seconds * 1000L);
        double elapsed = (System.nanoTime() - start) / 1e9 - 10;
        System.out.printf(Locale.ROOT, "%d s of realistic traffic per exchange, one connection each (default currencies)%n%n",
                Math.round(elapsed));
        System.out.println("| exchange | pairs | connections | frames/s | payload B/s | + WS headers B/s | MB/day | sent B/s | price events/s |");
        System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        for (Map.Entry<String, UpstreamDriver> e : drivers.entrySet()) {
            String name = e.getKey();
            ExchangeDriver d = (ExchangeDriver) e.getValue();
            long[] now = counts(d, fakes.get(name), events.get(name));
            long[] was = base.get(name);
            double frames = (now[0] - was[0]) / elapsed;
            double chars = (now[1] - was[1]) / elapsed;
            // Server frames are unmasked: 2 header bytes up to 125 payload bytes, 4 up to 65,535.
            double headers = frames * (chars / Math.max(frames, 1) > 125 ? 4 : 2);
            double sent = (now[2] - was[2]) / elapsed;
            double perDay = (chars + headers) * 86_400 / 1e6;
            System.out.printf(Locale.ROOT, "| %s | %d | %d | %.1f | %.0f | %.0f | %.1f | %.2f | %.1f |%n", name, d.pairs().size(),
                    fakes.get(name).connects().size(), frames, chars, headers, perDay, sent, (now[3] - was[3]) / elapsed);
        }
        for (UpstreamDriver d : drivers.values()) {
            d.close();
        }
        for (FakeExchange f : fakes.values()) {
            f.close();
        }
    }

    /** Frames and characters received, characters sent (as the fake received them), price events. */
    private static long[] counts(ExchangeDriver d, FakeExchange fake, LongAdder events) {
        long sent = 0;
        for (String s : fake.received()) {
            sent += s.length();
        }
        return new long[] {d.framesReceived(), d.bytesReceived(), sent, events.sum()};
    }
}
