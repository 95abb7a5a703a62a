package dev.btclock.server.ws;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import dev.btclock.server.guard.InboundBudget;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FrameReaderTest {

    private static final byte[] MASK = {0x37, (byte) 0xfa, 0x21, 0x3d};

    /** Everything the reader reported, one line per callback. */
    private static final class Recorder implements FrameReader.Sink {
        final List<String> events = new ArrayList<>();

        @Override
        public void message(boolean binary, byte[] payload) {
            events.add((binary ? "binary " : "text ") + (payload == null ? "(dropped)" : new String(payload, StandardCharsets.ISO_8859_1)));
        }

        @Override
        public void ping(byte[] payload) {
            events.add("ping " + new String(payload, StandardCharsets.ISO_8859_1));
        }

        @Override
        public void pong() {
            events.add("pong");
        }

        @Override
        public void close(byte[] payload) {
            events.add("close " + payload.length);
        }

        @Override
        public void fail(int code) {
            events.add("fail " + code);
        }

        @Override
        public void evicted() {
            events.add("evicted");
        }
    }

    private final InboundBudget budget = new InboundBudget(1 << 20);
    private final Recorder sink = new Recorder();
    /** Keeps binary messages, as for a v2 client. */
    private final FrameReader reader = new FrameReader(new FrameReader.Limits(1024, true, budget), sink);

    @Test
    void maskedMessages_areUnmasked_binaryKept_textCheckedAndDropped() {
        feed(concat(frame(0x81, "Hello"), frame(0x82, "bin")));
        assertEquals(List.of("text (dropped)", "binary bin"), sink.events);
    }

    @Test
    void aV1Reader_keepsNothing() {
        Recorder r = new Recorder();
        byte[] bytes = concat(frame(0x82, "bin"), frame(0x81, "text"));
        new FrameReader(new FrameReader.Limits(1024, false, budget), r).read(bytes, 0, bytes.length);
        assertEquals(List.of("binary (dropped)", "text (dropped)"), r.events);
    }

    @Test
    void framesSplitAcrossReads_evenByteByByte_areReassembled() {
        byte[] all = concat(frame(0x81, "a".repeat(200)), frame(0x89, "p"), frame(0x82, "x".repeat(300)));
        for (byte b : all) {
            reader.read(new byte[] {b}, 0, 1);
        }
        assertEquals(List.of("text (dropped)", "ping p", "binary " + "x".repeat(300)), sink.events);
    }

    @Test
    void fragmentedMessage_withAPingBetweenFragments_isOneMessageAfterThePing() {
        feed(concat(frame(0x02, "ab"), frame(0x89, "hi"), frame(0x00, "cd"), frame(0x80, "ef"), frame(0x8A, "")));
        assertEquals(List.of("ping hi", "binary abcdef", "pong"), sink.events);
    }

    @Test
    void emptyMessagesAndFragments_areMessages() {
        feed(concat(frame(0x82, ""), frame(0x01, ""), frame(0x80, ""), frame(0x02, ""), frame(0x80, "x")));
        assertEquals(List.of("binary ", "text (dropped)", "binary x"), sink.events);
    }

    @Test
    void sixteenAndSixtyFourBitLengths_areRead() {
        String mid = "m".repeat(300);
        byte[] wide = frame(0x82, "w".repeat(500), true);
        feed(concat(frame(0x82, mid), wide));
        assertEquals(List.of("binary " + mid, "binary " + "w".repeat(500)), sink.events);
    }

    @Test
    void anOversizedMessage_failsWith1009_assoonAsItsHeaderArrives() {
        byte[] head = {(byte) 0x82, (byte) (0x80 | 126), 0x04, 0x01, 1, 2, 3, 4}; // 1025 bytes announced
        feed(head);
        assertEquals(List.of("fail 1009"), sink.events);
        feed(frame(0x81, "ignored after the failure"));
        assertEquals(1, sink.events.size());
    }

    @Test
    void fragmentsAddingUpPastTheLimit_failWith1009_textAsWellAsBinary() {
        feed(concat(frame(0x01, "a".repeat(600)), frame(0x80, "b".repeat(500))));
        assertEquals(List.of("fail 1009"), sink.events);
        Recorder r = new Recorder();
        byte[] bytes = concat(frame(0x02, "a".repeat(600)), frame(0x00, "b".repeat(400)), frame(0x80, "c".repeat(100)));
        new FrameReader(new FrameReader.Limits(1024, true, budget), r).read(bytes, 0, bytes.length);
        assertEquals(List.of("fail 1009"), r.events);
        assertEquals(0, budget.used(), "the unfinished message's bytes went back to the budget");
    }

    @Test
    void framingTheRfcForbids_failsWith1002() {
        assertFails(1002, new byte[] {(byte) 0x81, 0x01, 'x'});                     // unmasked
        assertFails(1002, withFirstByte(frame(0x81, "x"), 0xC1));                    // RSV1 without an extension
        assertFails(1002, withFirstByte(frame(0x81, "x"), 0xA1));                    // RSV2
        assertFails(1002, withFirstByte(frame(0x81, "x"), 0x91));                    // RSV3
        for (int op : new int[] {0x3, 0x4, 0x5, 0x6, 0x7}) {
            assertFails(1002, frame(0x80 | op, "x"));                                // reserved data opcodes
        }
        for (int op : new int[] {0xB, 0xC, 0xD, 0xE, 0xF}) {
            assertFails(1002, frame(0x80 | op, ""));                                 // reserved control opcodes
        }
        assertFails(1002, frame(0x89, "p".repeat(126)));                             // control frame over 125 bytes
        assertFails(1002, frame(0x09, "p"));                                         // fragmented control frame
        assertFails(1002, frame(0x80, "orphan"));                                    // continuation without a start
        assertFails(1002, concat(frame(0x01, "start"), frame(0x81, "new message inside")));
        byte[] top = frame(0x82, "x", true);
        top[2] = (byte) 0x80;                                                        // 64-bit length, top bit set
        assertFails(1002, top);
    }

    @Test
    void textThatIsNotUtf8_failsWith1007_atTheFirstBadByte() {
        assertFails(1007, frame(0x81, "a\u0080b"));              // a lone continuation byte
        assertFails(1007, frame(0x81, "\u00c0\u00af"));          // overlong '/'
        assertFails(1007, frame(0x81, "\u00e0\u0080\u00af"));    // overlong, three bytes
        assertFails(1007, frame(0x81, "\u00ed\u00a0\u0080"));    // U+D800, a surrogate
        assertFails(1007, frame(0x81, "\u00f4\u0090\u0080\u0080")); // above U+10FFFF
        assertFails(1007, frame(0x81, "\u00f5\u0080\u0080\u0080")); // no such lead byte
        assertFails(1007, frame(0x81, "ok\u00e2\u0082"));        // truncated at the end of the message
        // Split across fragments: valid as a whole, checked fragment by fragment.
        Recorder r = new Recorder();
        byte[] euro = concat(frame(0x01, "\u00e2"), frame(0x00, "\u0082"), frame(0x80, "\u00ac"));
        new FrameReader(new FrameReader.Limits(1024, true, budget), r).read(euro, 0, euro.length);
        assertEquals(List.of("text (dropped)"), r.events);
        // Fail fast: the second fragment is bad, the third never needed.
        Recorder fast = new Recorder();
        byte[] bad = concat(frame(0x01, "ok"), frame(0x00, "\u00ff"));
        new FrameReader(new FrameReader.Limits(1024, true, budget), fast).read(bad, 0, bad.length);
        assertEquals(List.of("fail 1007"), fast.events);
    }

    @Test
    void validUtf8_ofEveryLength_isAccepted() {
        String all = "a\u00e9\u20ac\ud83d\ude00\u0000\uffff\ud7ff\ue000\udbff\udfff";
        byte[] utf8 = all.getBytes(StandardCharsets.UTF_8);
        feed(frame(0x81, new String(utf8, StandardCharsets.ISO_8859_1)));
        assertEquals(List.of("text (dropped)"), sink.events);
    }

    @Test
    void closeFrames_areCheckedForTheirCodeAndReason() {
        assertFails(1002, frame(0x88, "\u0003"));                  // one byte
        for (int code : new int[] {0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535}) {
            assertFails(1002, frame(0x88, new String(new char[] {(char) (code >> 8), (char) (code & 0xff)})));
        }
        assertFails(1007, frame(0x88, "\u0003\u00e8\u00ff"));     // 1000 with a reason that is not UTF-8
        for (int code : new int[] {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999}) {
            Recorder r = new Recorder();
            byte[] f = frame(0x88, new String(new char[] {(char) (code >> 8), (char) (code & 0xff)}) + "bye");
            new FrameReader(new FrameReader.Limits(1024, true, budget), r).read(f, 0, f.length);
            assertEquals(List.of("close 5"), r.events, "code " + code);
        }
    }

    @Test
    void afterACloseFrame_laterBytesAreIgnored() {
        feed(concat(frame(0x88, "\u0003\u00e8"), frame(0x81, "late")));
        assertEquals(List.of("close 2"), sink.events);
    }

    @Test
    void anUnfinishedMessage_isPendingUntilItEnds_andHoldsItsBytesInTheBudget() {
        assertEquals(0, reader.pendingSinceNanos());
        feed(frame(0x02, "a".repeat(300)));
        assertTrue(reader.pendingSinceNanos() != 0, "a fragmented message is unfinished");
        assertEquals(300, budget.used());
        feed(frame(0x80, "b".repeat(100)));
        assertEquals(0, reader.pendingSinceNanos());
        assertEquals(0, budget.used());
        byte[] half = frame(0x82, "c".repeat(200));
        reader.read(half, 0, 50);
        assertTrue(reader.pendingSinceNanos() != 0, "a frame cut in the middle is unfinished");
        reader.read(half, 50, half.length - 50);
        assertEquals(0, reader.pendingSinceNanos());
        assertEquals(List.of("binary " + "a".repeat(300) + "b".repeat(100), "binary " + "c".repeat(200)), sink.events);
    }

    @Test
    void aMessageThatEndsInARead_doesNotLendItsClockToTheNextOne() {
        byte[] first = frame(0x82, "a".repeat(100));
        byte[] second = frame(0x82, "b".repeat(100));
        reader.read(first, 0, 50);
        long firstSince = reader.pendingSinceNanos();
        assertTrue(firstSince != 0);
        long before = System.nanoTime();
        byte[] rest = concat(java.util.Arrays.copyOfRange(first, 50, first.length), java.util.Arrays.copyOf(second, 20));
        reader.read(rest, 0, rest.length);
        assertTrue(reader.pendingSinceNanos() - before >= 0, "the second message's clock started with this read");
    }

    @Test
    void aMessageInManyTinyFragments_isAssembled_withoutCountingMoreThanTheLimit() {
        InboundBudget b = new InboundBudget(1 << 20);
        Recorder r = new Recorder();
        FrameReader fr = new FrameReader(new FrameReader.Limits(1024, true, b), r);
        long most = 0;
        for (int i = 0; i < 1000; i++) {
            byte[] f = frame((i == 0 ? 0x02 : 0x00) | (i == 999 ? 0x80 : 0), Character.toString('a' + i % 26));
            fr.read(f, 0, f.length);
            most = Math.max(most, b.used());
        }
        assertTrue(most <= 1024, "counted " + most);
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            expected.append((char) ('a' + i % 26));
        }
        assertEquals(List.of("binary " + expected), r.events);
        assertEquals(0, b.used());
    }

    @Test
    void aClosedReadersLateGrowth_goesStraightBackToTheBudget() {
        InboundBudget b = new InboundBudget(1 << 20);
        FrameReader fr = new FrameReader(new FrameReader.Limits(1024, true, b), new Recorder());
        fr.closed(); // the connection ended on another thread, a read still going on
        byte[] f = frame(0x02, "x".repeat(500));
        fr.read(f, 0, f.length);
        assertEquals(0, b.used());
    }

    @Test
    void overTheBudget_theReadersHoldingTheMostAreEvicted() {
        InboundBudget small = new InboundBudget(1000);
        List<Recorder> sinks = new java.util.ArrayList<>();
        List<FrameReader> readers = new java.util.ArrayList<>();
        int[] sizes = {100, 500, 200, 300};
        for (int size : sizes) {
            Recorder r = new Recorder();
            FrameReader fr = new FrameReader(new FrameReader.Limits(1024, true, small), r);
            byte[] start = frame(0x02, "x".repeat(size));
            fr.read(start, 0, start.length);
            sinks.add(r);
            readers.add(fr);
        }
        // 1100 > 1000: the 500-byte holder goes first, which brings the total under 900.
        assertEquals(List.of(), sinks.get(0).events);
        assertEquals(List.of("evicted"), sinks.get(1).events);
        assertEquals(List.of(), sinks.get(2).events);
        assertEquals(List.of(), sinks.get(3).events);
        assertEquals(600, small.used());
        assertEquals(1, small.evictions());
        // A text message, which is never kept, costs nothing.
        Recorder text = new Recorder();
        byte[] big = frame(0x01, "t".repeat(1000));
        new FrameReader(new FrameReader.Limits(1024, true, small), text).read(big, 0, big.length);
        assertEquals(600, small.used());
    }

    private void assertFails(int code, byte[] bytes) {
        Recorder r = new Recorder();
        new FrameReader(new FrameReader.Limits(1024, true, budget), r).read(bytes, 0, bytes.length);
        assertEquals(List.of("fail " + code), r.events, () -> java.util.HexFormat.of().formatHex(bytes));
    }

    private void feed(byte[] bytes) {
        reader.read(bytes, 0, bytes.length);
    }

    private static byte[] withFirstByte(byte[] frame, int first) {
        frame[0] = (byte) first;
        return frame;
    }

    static byte[] frame(int first, String payload) {
        return frame(first, payload, false);
    }

    /** A masked client frame; {@code wide} forces the 64-bit length form. */
    static byte[] frame(int first, String payload, boolean wide) {
        byte[] p = payload.getBytes(StandardCharsets.ISO_8859_1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(first);
        if (wide) {
            out.write(0x80 | 127);
            for (int i = 7; i >= 0; i--) {
                out.write((int) ((long) p.length >> (8 * i)));
            }
        } else if (p.length > 125) {
            out.write(0x80 | 126);
            out.write(p.length >> 8);
            out.write(p.length);
        } else {
            out.write(0x80 | p.length);
        }
        out.writeBytes(MASK);
        for (int i = 0; i < p.length; i++) {
            out.write(p[i] ^ MASK[i & 3]);
        }
        return out.toByteArray();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
