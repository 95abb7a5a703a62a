package dev.btclock.bus.contract;

import dev.btclock.bus.spi.EventBus;
import dev.btclock.core.event.Event;
import dev.btclock.core.event.FeeUpdate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bar every {@link EventBus} meets. An implementation's test is a subclass that says how to
 * create a fresh bus (and how to stop whatever it started). The kit is in the {@code btclock-bus}
 * test jar ({@code <type>test-jar</type>}, test scope) and needs nothing else but JUnit Jupiter.
 */
public abstract class EventBusContract {

    /** How long a test waits for delivery. */
    protected static final Duration DEADLINE = Duration.ofSeconds(10);

    private final List<EventBus> buses = new ArrayList<>();

    /** A new, empty bus; the kit closes it after each test. */
    protected abstract EventBus createBus();

    private EventBus bus() {
        EventBus bus = createBus();
        buses.add(bus);
        return bus;
    }

    @AfterEach
    void closeBuses() {
        buses.forEach(EventBus::close);
    }

    /** An event whose value identifies it. */
    protected static Event event(int n) {
        return new FeeUpdate(n, Instant.EPOCH.plusSeconds(n), "contract");
    }

    /** Waits until {@code list} holds {@code n} events or the deadline passes. */
    protected static void awaitSize(List<Event> list, int n) throws InterruptedException {
        long end = System.nanoTime() + DEADLINE.toNanos();
        while (list.size() < n && System.nanoTime() < end) {
            synchronized (list) {
                list.wait(10);
            }
        }
        assertEquals(n, list.size(), "events delivered before the deadline");
    }

    private static java.util.function.Consumer<Event> collectInto(List<Event> list) {
        return e -> {
            list.add(e);
            synchronized (list) {
                list.notifyAll();
            }
        };
    }

    @Test
    void orderPerPublisher_isKept() throws Exception {
        EventBus bus = bus();
        List<Event> got = new CopyOnWriteArrayList<>();
        bus.subscribe(collectInto(got));
        List<Event> sent = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            sent.add(event(i));
            bus.publish(event(i));
        }
        awaitSize(got, 500);
        assertEquals(sent, got);
    }

    @Test
    void everySubscriber_receivesEveryEvent() throws Exception {
        EventBus bus = bus();
        List<Event> a = new CopyOnWriteArrayList<>();
        List<Event> b = new CopyOnWriteArrayList<>();
        bus.subscribe(collectInto(a));
        bus.subscribe(collectInto(b));
        for (int i = 0; i < 50; i++) {
            bus.publish(event(i));
        }
        awaitSize(a, 50);
        awaitSize(b, 50);
        assertEquals(a, b);
    }

    @Test
    void slowSubscriber_doesNotBlockOthers() throws Exception {
        EventBus bus = bus();
        CountDownLatch release = new CountDownLatch(1);
        bus.subscribe(e -> {
            try {
                release.await();
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
        });
        List<Event> fast = new CopyOnWriteArrayList<>();
        bus.subscribe(collectInto(fast));
        for (int i = 0; i < 100; i++) {
            bus.publish(event(i));
        }
        awaitSize(fast, 100);
        release.countDown();
    }

    @Test
    void failingSubscriber_keepsReceiving() throws Exception {
        EventBus bus = bus();
        List<Event> got = new CopyOnWriteArrayList<>();
        bus.subscribe(e -> {
            got.add(e);
            synchronized (got) {
                got.notifyAll();
            }
            throw new IllegalStateException("subscriber bug");
        });
        bus.publish(event(1));
        bus.publish(event(2));
        awaitSize(got, 2);
    }

    @Test
    void closedSubscription_receivesNothingMore() throws Exception {
        EventBus bus = bus();
        List<Event> stay = new CopyOnWriteArrayList<>();
        List<Event> gone = new CopyOnWriteArrayList<>();
        bus.subscribe(collectInto(stay));
        EventBus.Subscription s = bus.subscribe(collectInto(gone));
        bus.publish(event(1));
        awaitSize(gone, 1);
        s.close();
        s.close();
        bus.publish(event(2));
        awaitSize(stay, 2);
        assertEquals(1, gone.size());
    }

    @Test
    void close_isIdempotent_andStopsDelivery() throws Exception {
        EventBus bus = bus();
        List<Event> got = new CopyOnWriteArrayList<>();
        bus.subscribe(collectInto(got));
        bus.close();
        bus.close();
        bus.publish(event(1));
        assertTrue(got.isEmpty());
    }
}
