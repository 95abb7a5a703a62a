package dev.btclock.server.ws;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FrameReaderTest {

    private static final byte[] MASK = {0x37, (byte) 0xfa, 0x21, 0x3d};

    /** Everything the reader reported, one line per callback. */
    private static final class Recorder implements FrameReader.Sink {
        final List<String> events = new ArrayList<>();

        @Override
        public void message(boolean binary, byte[] payload) {
            events.add((binary ? "binary " : "text ") + new String(payload, StandardCharsets.ISO_8859_1));
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
    }

    private final Recorder sink = new Recorder();
    private final FrameReader reader = new FrameReader(1024);

    @Test
    void maskedMessages_areUnmasked_textAndBinaryApart() {
        feed(concat(frame(0x81, "Hello"), frame(0x82, "bin")));
        assertEquals(List.of("text Hello", "binary bin"), sink.events);
    }

    @Test
    void framesSplitAcrossReads_evenByteByByte_areReassembled() {
        byte[] all = concat(frame(0x81, "a".repeat(200)), frame(0x89, "p"), frame(0x82, "x".repeat(300)));
        for (byte b : all) {
            reader.read(new byte[] {b}, 0, 1, sink);
        }
        assertEquals(List.of("text " + "a".repeat(200), "ping p", "binary " + "x".repeat(300)), sink.events);
    }

    @Test
    void fragmentedMessage_withAPingBetweenFragments_isOneMessageAfterThePing() {
        feed(concat(frame(0x02, "ab"), frame(0x89, "hi"), frame(0x00, "cd"), frame(0x80, "ef"), frame(0x8A, "")));
        assertEquals(List.of("ping hi", "binary abcdef", "pong"), sink.events);
    }

    @Test
    void sixteenAndSixtyFourBitLengths_areRead() {
        String mid = "m".repeat(300);
        byte[] wide = frame(0x82, "w".repeat(500), true);
        feed(concat(frame(0x81, mid), wide));
        assertEquals(List.of("text " + mid, "binary " + "w".repeat(500)), sink.events);
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
    void fragmentsAddingUpPastTheLimit_failWith1009() {
        feed(concat(frame(0x01, "a".repeat(600)), frame(0x80, "b".repeat(500))));
        assertEquals(List.of("fail 1009"), sink.events);
    }

    @Test
    void framingTheRfcForbids_failsWith1002() {
        assertFails(new byte[] {(byte) 0x81, 0x01, 'x'});                           // unmasked
        assertFails(withFirstByte(frame(0x81, "x"), 0xC1));                          // RSV1 without an extension
        assertFails(frame(0x83, "x"));                                               // reserved data opcode
        assertFails(frame(0x8B, ""));                                                // reserved control opcode
        assertFails(frame(0x89, "p".repeat(126)));                                   // control frame over 125 bytes
        assertFails(frame(0x09, "p"));                                               // fragmented control frame
        assertFails(frame(0x80, "orphan"));                                          // continuation without a start
        assertFails(concat(frame(0x01, "start"), frame(0x81, "new message inside")));
    }

    @Test
    void afterACloseFrame_laterBytesAreIgnored() {
        feed(concat(frame(0x88, "\u0003\u00e8"), frame(0x81, "late")));
        assertEquals(List.of("close 2"), sink.events);
    }

    private void assertFails(byte[] bytes) {
        Recorder r = new Recorder();
        new FrameReader(1024).read(bytes, 0, bytes.length, r);
        assertEquals(List.of("fail 1002"), r.events);
    }

    private void feed(byte[] bytes) {
        reader.read(bytes, 0, bytes.length, sink);
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
