package dev.btclock.bus.inproc;

import dev.btclock.bus.spi.EventBus;
import dev.btclock.bus.spi.LocalDelivery;
import dev.btclock.core.event.Event;

import java.util.function.Consumer;

/**
 * The in-process bus: publishers and subscribers in one process, delivered by a
 * {@link LocalDelivery} (a bounded queue and a thread per subscriber; a subscriber that falls
 * {@code capacity} events behind loses the excess, counted and logged).
 *
 * <p>Thread-safe. Threads start on {@link #subscribe}, never in the constructor, and end on
 * {@link #close} or {@link Subscription#close}.
 */
public final class InProcEventBus implements EventBus {

    /** Queue capacity per subscriber used by {@link InProcBusProvider}. */
    public static final int DEFAULT_CAPACITY = 10_000;

    private final LocalDelivery delivery;

    /** A bus whose subscribers may each fall {@code capacity} events behind. */
    public InProcEventBus(int capacity) {
        this.delivery = new LocalDelivery(capacity, 0);
    }

    @Override
    public void publish(Event event) {
        delivery.publish(event);
    }

    @Override
    public Subscription subscribe(Consumer<Event> subscriber) {
        return delivery.subscribe(subscriber);
    }

    /** Events dropped because a subscriber was too far behind, over all subscribers. */
    public long dropped() {
        return delivery.dropped();
    }

    @Override
    public void close() {
        delivery.close();
    }
}
