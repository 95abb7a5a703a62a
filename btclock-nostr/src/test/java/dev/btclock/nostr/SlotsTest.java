package dev.btclock.nostr;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SlotsTest {

    private final Slots slots = new Slots(Duration.ofMinutes(30));

    private static List<String> contents(List<Slots.Due> due) {
        return due.stream().map(d -> d.draft().d() + "=" + d.draft().content() + "@" + d.createdAt()).toList();
    }

    @Test
    void oneEventPerSlotPerSecond_theNewestValueWins() {
        slots.offer(BtclockEvents.medianFee(5));
        assertEquals(List.of("medianFee=5@1000"), contents(slots.due(1000)));
        slots.offer(BtclockEvents.medianFee(6));
        slots.offer(BtclockEvents.medianFee(7));
        assertEquals(List.of(), contents(slots.due(1000)), "same second: wait");
        assertTrue(slots.waiting());
        assertEquals(List.of("medianFee=7@1001"), contents(slots.due(1001)), "the newest of the waiting values");
        assertFalse(slots.waiting());
    }

    @Test
    void slotsAreIndependent() {
        slots.offer(BtclockEvents.medianFee(5));
        slots.offer(BtclockEvents.blockheight(870123, 5.0));
        slots.offer(BtclockEvents.price("USD", 64212, 870123L, 5.0));
        assertEquals(List.of("medianFee=5@1000", "blockheight=870123@1000", "price:USD=64212@1000"), contents(slots.due(1000)));
        slots.offer(BtclockEvents.price("EUR", 59123, null, null));
        assertEquals(List.of("price:EUR=59123@1000"), contents(slots.due(1000)), "a new slot is not held back by others");
    }

    @Test
    void createdAtNeverGoesBack_evenWhenTheClockDoes() {
        slots.offer(BtclockEvents.medianFee(5));
        slots.due(1000);
        slots.offer(BtclockEvents.medianFee(6));
        assertEquals(List.of(), contents(slots.due(990)), "clock stepped back: wait rather than go back");
        assertEquals(List.of("medianFee=6@1001"), contents(slots.due(1001)));
    }

    @Test
    void unchangedSlots_arePublishedAgainAfterTheRefresh() {
        slots.offer(BtclockEvents.blockheight(870123, 5.0));
        slots.due(1000);
        assertEquals(List.of(), contents(slots.due(1000 + 1799)));
        assertEquals(List.of("blockheight=870123@2800"), contents(slots.due(1000 + 1800)));
    }

    @Test
    void aLongerInterval_holdsASlotBack_theNewestValueWins_andAShorterOneHurriesIt() {
        slots.offer(BtclockEvents.price("USD", 100_000, null, null), 60);
        assertEquals(List.of("price:USD=100000@1000"), contents(slots.due(1000)), "the first goes out at once");
        slots.offer(BtclockEvents.price("USD", 100_010, null, null), 60);
        slots.offer(BtclockEvents.price("USD", 100_020, null, null), 60);
        assertEquals(List.of(), contents(slots.due(1059)));
        assertEquals(List.of("price:USD=100020@1060"), contents(slots.due(1060)));

        slots.offer(BtclockEvents.price("USD", 100_030, null, null), 60);
        slots.offer(BtclockEvents.price("USD", 100_040, null, null), 1);
        assertEquals(List.of("price:USD=100040@1061"), contents(slots.due(1061)), "the shortest interval asked for counts");
    }
}
