package dev.btclock.core;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/** The golden vectors of docs/protocol.md §4, read from {@code golden-vectors.txt}. */
public final class GoldenVectors {

    private static final Map<String, byte[]> VECTORS = load();

    private GoldenVectors() {
    }

    /** The exact bytes of vector {@code name}. */
    public static byte[] bytes(String name) {
        byte[] b = VECTORS.get(name);
        if (b == null) {
            throw new IllegalArgumentException("no golden vector " + name);
        }
        return b.clone();
    }

    /** The vector as text (for v1 frames). */
    public static String text(String name) {
        return new String(bytes(name), StandardCharsets.UTF_8);
    }

    /** Space-separated lower-case hex, the notation of docs/protocol.md §4. */
    public static String hex(byte[] bytes) {
        StringBuilder sb = new StringBuilder();
        for (byte b : bytes) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(String.format("%02x", b & 0xff));
        }
        return sb.toString();
    }

    private static Map<String, byte[]> load() {
        Map<String, byte[]> map = new LinkedHashMap<>();
        try (InputStream in = GoldenVectors.class.getResourceAsStream("golden-vectors.txt");
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] parts = line.split("\t", 3);
                byte[] value = parts[1].equals("hex")
                        ? HexFormat.of().parseHex(parts[2].replace(" ", ""))
                        : parts[2].getBytes(StandardCharsets.UTF_8);
                map.put(parts[0], value);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return map;
    }
}
