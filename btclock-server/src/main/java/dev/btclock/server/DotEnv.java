package dev.btclock.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a {@code .env} file: {@code KEY=value} lines, {@code #} comments, an optional
 * {@code export } prefix, values optionally in single or double quotes.
 */
final class DotEnv {

    private DotEnv() {
    }

    /** The variables in {@code file}, or an empty map when it does not exist. */
    static Map<String, String> read(Path file) throws IOException {
        Map<String, String> map = new LinkedHashMap<>();
        if (!Files.isRegularFile(file)) {
            return map;
        }
        for (String raw : Files.readAllLines(file)) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("export ")) {
                line = line.substring(7).strip();
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                continue;
            }
            String key = line.substring(0, eq).strip();
            String value = line.substring(eq + 1).strip();
            if (value.length() >= 2 && (value.startsWith("\"") && value.endsWith("\"")
                    || value.startsWith("'") && value.endsWith("'"))) {
                value = value.substring(1, value.length() - 1);
            } else {
                int hash = value.indexOf(" #");
                if (hash >= 0) {
                    value = value.substring(0, hash).strip();
                }
            }
            map.put(key, value);
        }
        return map;
    }

    /** {@code .env} in {@code dir} first, then the environment on top (the environment wins). */
    static Map<String, String> merged(Path dir, Map<String, String> environment) throws IOException {
        Map<String, String> map = read(dir.resolve(".env"));
        map.putAll(environment);
        return map;
    }
}
