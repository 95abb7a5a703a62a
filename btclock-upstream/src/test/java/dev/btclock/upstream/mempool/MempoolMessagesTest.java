package dev.btclock.upstream.mempool;

import dev.btclock.core.event.BlockUpdate;
import dev.btclock.core.event.Event;
import dev.btclock.core.event.FeeUpdate;
import dev.btclock.core.event.PriceUpdate;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MempoolMessagesTest {

    private static final Instant T = Instant.parse("2026-11-23T00:00:00Z");
    private final MempoolMessages m = new MempoolMessages("mempool-ws");

    @Test
    void blockAndMempoolBlocksInOneFrame_giveBothEvents() {
        String frame = "{\"block\": {\"id\":\"00ab\",\"height\":903412,\"extras\":{\"medianFee\":3.1}}, "
                + "\"mempool-blocks\": [{\"blockSize\":1598234,\"blockVSize\":997843.75,\"medianFee\":3.512345678,"
                + "\"feeRange\":[2,2.65]}], \"mempoolInfo\": {\"size\": 1}}";
        assertEquals(List.of(new BlockUpdate(903412, "00ab", T, "mempool-ws"), new FeeUpdate(3.512345678, T, "mempool-ws")),
                m.frame(frame, T));
    }

    @Test
    void emptyMempoolBlocks_isIgnored() {
        assertTrue(m.frame("{\"mempool-blocks\": []}", T).isEmpty());
    }

    @Test
    void blocksList_givesItsHighestBlock() {
        String frame = "{\"blocks\": [{\"id\":\"a\",\"height\":10},{\"id\":\"c\",\"height\":12},{\"id\":\"b\",\"height\":11}]}";
        assertEquals(List.of(new BlockUpdate(12, "c", T, "mempool-ws")), m.frame(frame, T));
    }

    @Test
    void conversions_keepKnownPrices_andSayWhichAreUnknown() {
        String frame = "{\"conversions\": {\"time\":1755012300,\"USD\":118234,\"EUR\":101456,\"BGN\":-1,\"XX\":5,\"GBP\":\"1\","
                + "\"CHF\":0}}";
        List<Event> events = m.frame(frame, T);
        assertEquals(List.of(new PriceUpdate("USD", 118234, T, "mempool-ws"), new PriceUpdate("EUR", 101456, T, "mempool-ws"),
                        new PriceUpdate("BGN", -1, T, "mempool-ws"), new PriceUpdate("CHF", -1, T, "mempool-ws")),
                events);
    }

    @Test
    void unknownKeysAndPong_giveNothing() {
        assertTrue(m.frame("{\"pong\": true}", T).isEmpty());
        assertTrue(m.frame("{\"loadingIndicators\": {}, \"da\": {\"progressPercent\": 1}}", T).isEmpty());
    }

    @Test
    void wrongShapes_areReportedAsMalformed() {
        assertThrows(MalformedUpstreamData.class, () -> m.frame("not json", T));
        assertThrows(MalformedUpstreamData.class, () -> m.frame("[1,2]", T));
        assertThrows(MalformedUpstreamData.class, () -> m.frame("{\"block\": {\"height\": \"x\"}}", T));
        assertThrows(MalformedUpstreamData.class, () -> m.frame("{\"mempool-blocks\": {}}", T));
        assertThrows(MalformedUpstreamData.class, () -> m.tipHeight("<html>", T));
    }

    @Test
    void restBodies_parse() {
        assertEquals(new BlockUpdate(903412, null, T, "mempool-ws"), m.tipHeight("903412\n", T));
        assertEquals(new FeeUpdate(12.5, T, "mempool-ws"), m.mempoolBlocks("[{\"medianFee\":12.5}]", T).orElseThrow());
        assertTrue(m.mempoolBlocks("[]", T).isEmpty());
        assertEquals(1, m.prices("{\"time\":1,\"USD\":5}", T).size());
    }
}
