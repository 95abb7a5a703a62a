package dev.btclock.bus.spi;

import dev.btclock.core.event.Event;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
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
 * Delivery to the subscribers of one process, for bus implementations: each subscriber has its own
 * bounded queue and delivery thread, so a slow subscriber never delays the publisher or the others,
 * and order is kept. When a subscriber falls {@code capacity} events behind, further events for it
 * are dropped, counted and logged once per burst (price, block and fee are latest-value data; the
 * next event repairs it). This is the {@link EventBus} delivery contract; the in-process bus is
 * nothing else, and a broker bus hands what it reads from the broker to one of these.
 *
 * <p>Optionally, events that arrive before the first subscriber are held (up to a limit) and handed
 * to it, so that a bus that reads the current values at start does not lose them to a subscriber
 * that registers a moment later.
 *
 * <p>Thread-safe. Threads start on {@link #subscribe}, never in the constructor, and end on
 * {@link #close} or when the subscription is closed.
 */
public final class LocalDelivery implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalDelivery.class);
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final int capacity;
    private final int hold;
    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
    private final List<Event> held = new ArrayList<>();
    private boolean subscribedOnce;
    private volatile boolean closed;

    /**
     * @param capacity how far each subscriber may fall behind before events for it are dropped
     * @param hold     how many events to keep for the first subscriber while there is none (0: none)
     */
    public LocalDelivery(int capacity, int hold) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive");
        }
        if (hold < 0) {
            throw new IllegalArgumentException("hold must not be negative");
        }
        this.capacity = capacity;
        this.hold = hold;
    }

    /** Hands {@code event} to every subscriber's queue; never blocks. Does nothing after {@link #close}. */
    public void publish(Event event) {
        Objects.requireNonNull(event, "event");
        if (closed) {
            return;
        }
        if (hold > 0) {
            synchronized (held) {
                if (!subscribedOnce) {
                    if (held.size() < hold) {
                        held.add(event);
                    }
                    return;
                }
            }
        }
        for (Subscriber s : subscribers) {
            s.offer(event);
        }
    }

    /**
     * Registers a subscriber and starts its delivery thread. The first subscriber also gets the
     * held events, first.
     *
     * @throws IllegalStateException after {@link #close}
     */
    public EventBus.Subscription subscribe(Consumer<Event> subscriber) {
        Objects.requireNonNull(subscriber, "subscriber");
        if (closed) {
            throw new IllegalStateException("bus is closed");
        }
        Subscriber s = new Subscriber(subscriber, capacity);
        synchronized (held) {
            subscribers.add(s);
            if (!subscribedOnce) {
                subscribedOnce = true;
                held.forEach(s::offer);
                held.clear();
            }
        }
        s.thread.start();
        return () -> {
            subscribers.remove(s);
            s.stop();
        };
    }

    /** Events dropped because a subscriber was too far behind, over all current subscribers. */
    public long dropped() {
        long n = 0;
        for (Subscriber s : subscribers) {
            n += s.dropped.get();
        }
        return n;
    }

    /** Stops every delivery thread (waiting up to 5 s for each to finish its current event). Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Subscriber s : subscribers) {
            s.stop();
        }
        subscribers.clear();
    }

    private static final class Subscriber implements Runnable {
        private final Consumer<Event> callback;
        private final BlockingQueue<Event> queue;
        private final Thread thread;
        private final AtomicLong dropped = new AtomicLong();
        private volatile boolean running = true;
        private volatile boolean warned;

        Subscriber(Consumer<Event> callback, int capacity) {
            this.callback = callback;
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
                    callback.accept(e);
                } catch (RuntimeException ex) {
                    LOG.error("bus subscriber failed on {}", e, ex);
                }
            }
        }
    }
}
