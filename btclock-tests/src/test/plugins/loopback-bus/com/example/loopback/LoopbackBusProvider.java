package com.example.loopback;

import dev.btclock.bus.spi.BusConfig;
import dev.btclock.bus.spi.BusProvider;
import dev.btclock.bus.spi.EventBus;
import dev.btclock.bus.spi.LocalDelivery;
import dev.btclock.core.event.Event;

import java.util.function.Consumer;

public final class LoopbackBusProvider implements BusProvider {

    @Override
    public String name() {
        return "loopback";
    }

    @Override
    public EventBus create(BusConfig config) {
        LocalDelivery delivery = new LocalDelivery(1000, 0);
        return new EventBus() {
            @Override
            public void publish(Event event) {
                delivery.publish(event);
            }

            @Override
            public Subscription subscribe(Consumer<Event> subscriber) {
                return delivery.subscribe(subscriber);
            }

            @Override
            public void close() {
                delivery.close();
            }

            @Override
            public String toString() {
                return "loopback";
            }
        };
    }
}
