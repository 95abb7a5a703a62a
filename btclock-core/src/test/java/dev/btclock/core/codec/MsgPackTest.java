package dev.btclock.core.codec;

import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;

import java.io.IOException;
import java.util.HexFormat;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Our MessagePack writer and reader against msgpack-java, the reference implementation, as oracle. */
class MsgPackTest {

    private static final long[] EDGES = {0, 1, 31, 32, 127, 128, 255, 256, 65535, 65536, 4294967295L, 4294967296L,
            Long.MAX_VALUE, -1, -32, -33, -128, -129, -32768, -32769, Integer.MIN_VALUE, Integer.MIN_VALUE - 1L,
            Long.MIN_VALUE};

    @Test
    void integers_matchTheReferenceEncodingAndReadBack() throws IOException {
        Random random = new Random(42);
        for (int i = 0; i < 20_000; i++) {
            long v = i < EDGES.length ? EDGES[i] : random.nextLong() >> random.nextInt(64);
            MessageBufferPacker reference = MessagePack.newDefaultBufferPacker();
            reference.packLong(v);
            byte[] ours = new MsgPackWriter(4).integer(v).toByteArray();
            assertArrayEquals(reference.toByteArray(), ours, "value " + v);
            MsgPackReader r = new MsgPackReader(ours);
            assertEquals(MsgPackReader.Type.INTEGER, r.nextType());
            assertEquals(v, r.readLong());
        }
    }

    @Test
    void strings_matchTheReferenceEncodingAtEveryHeaderWidth() throws IOException {
        for (int n : new int[] {0, 1, 31, 32, 255, 256, 65535, 65536}) {
            String s = "é".repeat(n / 2) + "x".repeat(n % 2);
            MessageBufferPacker reference = MessagePack.newDefaultBufferPacker();
            reference.packString(s);
            byte[] ours = new MsgPackWriter(4).string(s).toByteArray();
            assertArrayEquals(reference.toByteArray(), ours, "length " + n);
            assertEquals(s, new MsgPackReader(ours).readString());
        }
    }

    @Test
    void headersAndFloats_matchTheReferenceEncoding() throws IOException {
        for (int n : new int[] {0, 15, 16, 65535, 65536}) {
            MessageBufferPacker reference = MessagePack.newDefaultBufferPacker();
            reference.packMapHeader(n).packArrayHeader(n);
            assertArrayEquals(reference.toByteArray(), new MsgPackWriter(4).mapHeader(n).arrayHeader(n).toByteArray());
        }
        for (double d : new double[] {0.5, -1.25, 9.88, Double.MAX_VALUE, Double.NaN, Double.NEGATIVE_INFINITY}) {
            MessageBufferPacker reference = MessagePack.newDefaultBufferPacker();
            reference.packDouble(d);
            byte[] ours = new MsgPackWriter(4).float64(d).toByteArray();
            assertArrayEquals(reference.toByteArray(), ours);
            assertEquals(d, new MsgPackReader(ours).readFloat());
        }
    }

    @Test
    void skipValue_skipsWhatTheReferenceWrote() throws IOException {
        MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
        p.packMapHeader(3).packString("bin").packBinaryHeader(3).writePayload(new byte[3])
                .packString("ext").packExtensionTypeHeader((byte) 1, 20).writePayload(new byte[20])
                .packString("nested").packArrayHeader(2).packFloat(1.5f).packMapHeader(1).packNil().packBoolean(true);
        for (int size : new int[] {1, 2, 4, 8, 16}) {
            p.packExtensionTypeHeader((byte) 2, size).writePayload(new byte[size]);
        }
        p.packInt(7);
        byte[] bytes = p.toByteArray();
        MsgPackReader r = new MsgPackReader(bytes);
        for (int i = 0; i < 6; i++) {
            r.skipValue();
        }
        assertEquals(7, r.readLong());
        assertEquals(false, r.hasNext());
        try (MessageUnpacker reference = MessagePack.newDefaultUnpacker(bytes)) {
            for (int i = 0; i < 6; i++) {
                reference.skipValue();
            }
            assertEquals(7, reference.unpackInt());
        }
    }

    @Test
    void hostileInput_isMalformedNotAnAllocationOrAStackOverflow() {
        // 2^32-1 map entries, a 4 GB string, a 4 GB array: declared sizes beyond the input
        for (String hex : new String[] {"dfffffffff", "dbffffffff", "ddffffffff", "c6ffffffff", "c9ffffffff01"}) {
            MsgPackReader r = new MsgPackReader(HexFormat.of().parseHex(hex));
            assertThrows(MsgPackReader.Malformed.class, r::skipValue, hex);
        }
        assertThrows(MsgPackReader.Malformed.class, () -> new MsgPackReader(HexFormat.of().parseHex("dfffffffff")).readMapHeader());
        // a million nested one-element arrays: skipping is iterative
        byte[] deep = new byte[1_000_001];
        java.util.Arrays.fill(deep, 0, 1_000_000, (byte) 0x91);
        new MsgPackReader(deep).skipValue();
        // never-used byte, truncations
        assertThrows(MsgPackReader.Malformed.class, () -> new MsgPackReader(new byte[] {(byte) 0xc1}).nextType());
        assertThrows(MsgPackReader.Malformed.class, () -> new MsgPackReader(new byte[] {(byte) 0xcd, 1}).readLong());
        assertThrows(MsgPackReader.Malformed.class, () -> new MsgPackReader(new byte[] {(byte) 0xa3, 'a'}).readString());
        assertThrows(MsgPackReader.Malformed.class, () -> new MsgPackReader(new byte[0]).nextType());
    }

    @Test
    void invalidUtf8_decodesWithReplacementCharacters() {
        assertEquals("a\uFFFD", new MsgPackReader(new byte[] {(byte) 0xa2, 'a', (byte) 0xff}).readString());
    }
}
