package com.example.constant;

import dev.btclock.core.event.BlockUpdate;
import dev.btclock.core.event.Event;
import dev.btclock.core.event.FeeUpdate;
import dev.btclock.core.event.PriceUpdate;
import dev.btclock.upstream.spi.DriverHealth;
import dev.btclock.upstream.spi.UpstreamDriver;

import java.time.Clock;
import java.time.Instant;
import java.util.function.Consumer;

/** Reports the same price, height and fee every second, from a thread of its own. */
final class ConstantDriver implements UpstreamDriver {

    private final double price;
    private final long height;
    private final double fee;
    private final Clock clock;
    private final Object lock = new Object();
    private Thread thread;
    private volatile boolean closed;
    private volatile Instant last;

    ConstantDriver(double price, long height, double fee, Clock clock) {
        this.price = price;
        this.height = height;
        this.fee = fee;
        this.clock = clock;
    }

    @Override
    public String name() {
        return "constant";
    }

    @Override
    public void start(Consumer<Event> sink) {
        synchronized (lock) {
            if (thread != null) {
                throw new IllegalStateException("already started");
            }
            thread = new Thread(() -> run(sink), "constant-driver");
            thread.setDaemon(true);
            thread.start();
        }
    }

    private void run(Consumer<Event> sink) {
        while (!closed) {
            Instant now = clock.instant();
            sink.accept(new PriceUpdate("USD", price, now, name()));
            sink.accept(new BlockUpdate(height, null, now, name()));
            sink.accept(new FeeUpdate(fee, now, name()));
            last = now;
            synchronized (lock) {
                try {
                    lock.wait(1000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    @Override
    public DriverHealth health() {
        return new DriverHealth(!closed && last != null, last, "constant");
    }

    @Override
    public void close() {
        Thread t;
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
            t = thread;
        }
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
