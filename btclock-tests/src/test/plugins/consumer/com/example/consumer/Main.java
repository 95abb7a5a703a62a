package com.example.consumer;

import dev.btclock.bus.spi.BusConfig;
import dev.btclock.bus.spi.Buses;
import dev.btclock.bus.spi.EventBus;
import dev.btclock.core.codec.ServerFrame;
import dev.btclock.core.codec.V1Codec;
import dev.btclock.core.codec.V2Codec;
import dev.btclock.core.event.BlockUpdate;
import dev.btclock.core.event.Event;
import dev.btclock.core.state.MarketState;
import dev.btclock.nostr.NostrEvent;
import dev.btclock.nostr.NostrKeys;
import dev.btclock.upstream.failover.UpstreamSupervisor;
import dev.btclock.upstream.failover.Upstreams;
import dev.btclock.upstream.spi.Drivers;

import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** An application embedding the libraries: prints one line per check, exits 1 at the first failure. */
public final class Main {

    public static void main(String[] args) throws Exception {
        System.out.println("module " + Main.class.getModule().getName());
        System.out.println("drivers " + Drivers.installed().names());
        System.out.println("buses " + Buses.installed().names());

        CountDownLatch block = new CountDownLatch(1);
        MarketState state = new MarketState();
        try (EventBus bus = Buses.installed().find("loopback").create(BusConfig.from(Map.of()));
             UpstreamSupervisor upstream = Upstreams.supervisor(
                     Map.of("UPSTREAM", "constant", "PRICE_SOURCE", "none", "CONSTANT_HEIGHT", "912345"),
                     Drivers.installed(), Clock.systemUTC())) {
            bus.subscribe(event -> {
                state.apply(event);
                if (event instanceof BlockUpdate) {
                    block.countDown();
                }
            });
            upstream.start(bus::publish);
            if (!block.await(20, TimeUnit.SECONDS)) {
                fail("no block from the constant driver through the loopback bus");
            }
        }
        long height = state.snapshot().height();
        byte[] v2 = V2Codec.blockheight(height);
        System.out.println("v2 " + HexFormat.of().formatHex(v2) + " " + V2Codec.decodeFrame(v2).orElseThrow());
        System.out.println("v1 " + new String(V1Codec.encode(new ServerFrame.BlockHeight(height))));

        NostrKeys keys = NostrKeys.parse("67dea2ed018072d675f5415ecfaed7d2597555e202d85b3d65ea4e58d2d92ffa");
        NostrEvent e = NostrEvent.sign(keys, 1700000000, 30078, List.of(List.of("d", "btclock:blockheight")),
                Long.toString(height), new byte[32]);
        if (!e.verify()) {
            fail("signature does not verify");
        }
        System.out.println("nostr " + e.id());
        System.out.println("OK");
    }

    private static void fail(String why) {
        System.out.println("FAIL " + why);
        System.exit(1);
    }
}
