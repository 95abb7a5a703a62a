package dev.btclock.nostr;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * When each {@code d} slot may be published (docs/nostr.md §5.2, docs/protocol.md §6.4):
 * {@code created_at} rises strictly per slot and comes from the wall clock (never ahead of it: relays reject future
 * events), so a slot publishes at most once per second, or less often when the value asks for a
 * longer interval (prices from live exchanges change every second); a value offered while its slot waits
 * replaces the waiting one (the newest wins); and every slot is published again after
 * {@code refresh} without a change, so readers asking for the last hour always find it.
 * Thread-safe; time is passed in, so tests need no waiting.
 */
public final class Slots {

    /** A draft to sign now with this {@code created_at}. */
    public record Due(BtclockEvents.Draft draft, long createdAt) {
    }

    private static final class Slot {
        BtclockEvents.Draft latest;
        boolean changed;
        /** The shortest interval asked for by the values offered since the last publication. */
        long interval;
        long lastCreatedAt = Long.MIN_VALUE;
    }

    private final long refreshSeconds;
    private final Map<String, Slot> slots = new LinkedHashMap<>();

    /** Slots re-published after {@code refresh} without change (30 minutes is well inside the hour readers ask for). */
    public Slots(Duration refresh) {
        if (refresh.toSeconds() < 1) {
            throw new IllegalArgumentException("refresh must be at least a second");
        }
        this.refreshSeconds = refresh.toSeconds();
    }

    /** Offers the newest value of a slot, to publish as soon as its next second comes. */
    public synchronized void offer(BtclockEvents.Draft draft) {
        offer(draft, 1);
    }

    /**
     * Offers the newest value of a slot, to publish no sooner than {@code minIntervalSeconds} after the
     * slot's last publication (the first one of a slot goes out at once). Of the values offered while
     * the slot waits the newest is published, as soon as the shortest interval they asked for allows:
     * a block may hurry a slot that a price change would have held back.
     */
    public synchronized void offer(BtclockEvents.Draft draft, long minIntervalSeconds) {
        Slot s = slots.computeIfAbsent(draft.d(), k -> new Slot());
        long interval = Math.max(1, minIntervalSeconds);
        s.interval = s.changed ? Math.min(s.interval, interval) : interval;
        s.latest = draft;
        s.changed = true;
    }

    /** The drafts to publish at {@code nowSeconds} (unix), marked as published. */
    public synchronized List<Due> due(long nowSeconds) {
        List<Due> out = new ArrayList<>();
        for (Slot s : slots.values()) {
            boolean never = s.lastCreatedAt == Long.MIN_VALUE;
            boolean stale = !never && nowSeconds - s.lastCreatedAt >= refreshSeconds;
            boolean ready = s.changed && (never || nowSeconds - s.lastCreatedAt >= s.interval);
            if (ready || stale) {
                out.add(new Due(s.latest, nowSeconds));
                s.lastCreatedAt = nowSeconds;
                s.changed = false;
            }
        }
        return out;
    }

    /** Whether some slot still waits for its next second. */
    public synchronized boolean waiting() {
        return slots.values().stream().anyMatch(s -> s.changed);
    }
}
