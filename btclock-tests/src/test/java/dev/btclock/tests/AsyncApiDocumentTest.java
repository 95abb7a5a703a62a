package dev.btclock.tests;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import dev.btclock.core.GoldenVectors;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docs/api/asyncapi.json: every message example is a golden vector (the device suites check that the
 * server sends exactly those bytes): v1 examples are the vector's text, v2 examples carry the
 * vector's MessagePack bytes, which decode to the example's payload.
 */
class AsyncApiDocumentTest {

    private static final Path ASYNCAPI = Path.of("..", "docs", "api", "asyncapi.json");

    @Test
    void everyExample_isItsGoldenVector() throws Exception {
        JsonObject messages = JsonParser.parseString(Files.readString(ASYNCAPI)).getAsJsonObject()
                .getAsJsonObject("components").getAsJsonObject("messages");
        int checked = 0;
        for (String name : messages.keySet()) {
            for (JsonElement e : messages.getAsJsonObject(name).getAsJsonArray("examples")) {
                JsonObject example = e.getAsJsonObject();
                String vector = example.get("x-golden-vector").getAsString();
                JsonElement payload = example.get("payload");
                if (example.has("x-msgpack-hex")) {
                    byte[] bytes = GoldenVectors.bytes(vector);
                    assertEquals(GoldenVectors.hex(bytes), example.get("x-msgpack-hex").getAsString(), name + " " + vector);
                    Decoder d = new Decoder(bytes);
                    assertEquals(payload, d.value(), name + " " + vector + " decodes to its payload");
                    assertEquals(bytes.length, d.at, "nothing after the value");
                } else {
                    assertEquals(GoldenVectors.text(vector), new Gson().toJson(payload), name + " " + vector);
                }
                checked++;
            }
        }
        assertTrue(checked >= 15, "examples checked: " + checked);
    }

    /** The MessagePack the protocol uses, decoded to JSON values for comparison. */
    private static final class Decoder {
        private final byte[] in;
        int at;

        Decoder(byte[] in) {
            this.in = in;
        }

        private int u8() {
            return in[at++] & 0xff;
        }

        private long un(int n) {
            long v = 0;
            for (int i = 0; i < n; i++) {
                v = v << 8 | u8();
            }
            return v;
        }

        JsonElement value() {
            int b = u8();
            if (b <= 0x7f) {
                return new JsonPrimitive(b);
            }
            if ((b & 0xf0) == 0x80 || b == 0xde) {
                int n = b == 0xde ? (int) un(2) : b & 0x0f;
                JsonObject o = new JsonObject();
                for (int i = 0; i < n; i++) {
                    o.add(value().getAsString(), value());
                }
                return o;
            }
            if ((b & 0xf0) == 0x90) {
                JsonArray a = new JsonArray();
                for (int i = 0; i < (b & 0x0f); i++) {
                    a.add(value());
                }
                return a;
            }
            if ((b & 0xe0) == 0xa0 || b == 0xd9) {
                int n = b == 0xd9 ? u8() : b & 0x1f;
                String s = new String(in, at, n, StandardCharsets.UTF_8);
                at += n;
                return new JsonPrimitive(s);
            }
            return switch (b) {
                case 0xcc -> new JsonPrimitive(un(1));
                case 0xcd -> new JsonPrimitive(un(2));
                case 0xce -> new JsonPrimitive(un(4));
                case 0xcb -> new JsonPrimitive(Double.longBitsToDouble(un(8)));
                default -> throw new AssertionError("unexpected MessagePack type " + HexFormat.of().toHexDigits((byte) b));
            };
        }
    }
}
