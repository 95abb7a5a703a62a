package dev.btclock.bus.inproc;

import dev.btclock.bus.spi.EventBus;
import dev.btclock.core.event.Event;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The in-process bus. Each subscriber has its own bounded queue and delivery thread, so a slow
 * subscriber never delays the publisher or the others; order per publisher is kept. When a
 * subscriber falls {@code capacity} events behind, further events for it are dropped, counted and
 * logged once per burst (price, block and fee are latest-value data; the next event repairs it).
 *
 * <p>Thread-safe. Threads start on {@link #subscribe}, never in the constructor, and end on
 * {@link #close} or {@link Subscription#close}.
 */
public final class InProcEventBus implements EventBus {

    /** Queue capacity per subscriber used by {@link InProcBusProvider}. */
    public static final int DEFAULT_CAPACITY = 10_000;

    private static final Logger LOG = LoggerFactory.getLogger(InProcEventBus.class);
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final int capacity;
    private final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    /** A bus whose subscribers may each fall {@code capacity} events behind. */
    public InProcEventBus(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive");
        }
        this.capacity = capacity;
    }

    @Override
    public void publish(Event event) {
        Objects.requireNonNull(event, "event");
        if (closed) {
            return;
        }
        for (Delivery d : deliveries) {
            d.offer(event);
        }
    }

    @Override
    public Subscription subscribe(Consumer<Event> subscriber) {
        Objects.requireNonNull(subscriber, "subscriber");
        if (closed) {
            throw new IllegalStateException("bus is closed");
        }
        Delivery d = new Delivery(subscriber, capacity);
        deliveries.add(d);
        d.thread.start();
        return () -> {
            deliveries.remove(d);
            d.stop();
        };
    }

    /** Events dropped because a subscriber was too far behind, over all subscribers. */
    public long dropped() {
        long n = 0;
        for (Delivery d : deliveries) {
            n += d.dropped.get();
        }
        return n;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Delivery d : deliveries) {
            d.stop();
        }
        deliveries.clear();
    }

    private static final class Delivery implements Runnable {
        private final Consumer<Event> subscriber;
        private final BlockingQueue<Event> queue;
        private final Thread thread;
        private final AtomicLong dropped = new AtomicLong();
        private volatile boolean running = true;
        private volatile boolean warned;

        Delivery(Consumer<Event> subscriber, int capacity) {
            this.subscriber = subscriber;
            this.queue = new ArrayBlockingQueue<>(capacity);
            this.thread = new Thread(this, "btclock-bus-" + THREADS.incrementAndGet());
            this.thread.setDaemon(true);
        }

        void offer(Event e) {
            if (!queue.offer(e)) {
                dropped.incrementAndGet();
                if (!warned) {
                    warned = true;
                    LOG.warn("bus subscriber {} is {} events behind; dropping events until it catches up",
                            thread.getName(), queue.size());
                }
            }
        }

        void stop() {
            running = false;
            thread.interrupt();
            if (Thread.currentThread() != thread) {
                try {
                    thread.join(TimeUnit.SECONDS.toMillis(5));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public void run() {
            while (running) {
                Event e;
                try {
                    e = queue.take();
                } catch (InterruptedException ie) {
                    return;
                }
                warned = false;
                try {
                    subscriber.accept(e);
                } catch (RuntimeException ex) {
                    LOG.error("bus subscriber failed on {}", e, ex);
                }
            }
        }
    }
}
