package dev.btclock.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Checks that a module's {@code provides} clauses and its {@code META-INF/services} files list the same providers. */
public final class ServiceRegistrations {

    private static final Pattern PROVIDES = Pattern.compile("provides\\s+([\\w.]+)\\s+with\\s+([\\w.,\\s]+);");
    private static final Pattern IMPORT = Pattern.compile("import\\s+([\\w.]+)\\s*;");

    private ServiceRegistrations() {
    }

    /** Asserts agreement for the module whose sources are under {@code moduleDir} (the Maven module folder). */
    public static void assertAgree(Path moduleDir) {
        Map<String, List<String>> declared = fromModuleInfo(moduleDir.resolve("src/main/java/module-info.java"));
        Map<String, List<String>> registered = fromServiceFiles(moduleDir.resolve("src/main/resources/META-INF/services"));
        assertFalse(declared.isEmpty(), "module-info.java declares no providers");
        assertEquals(declared, registered, "module-info provides vs META-INF/services");
    }

    private static Map<String, List<String>> fromModuleInfo(Path file) {
        String src = read(file).replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\n]*", "");
        Map<String, String> imports = new TreeMap<>();
        Matcher im = IMPORT.matcher(src);
        while (im.find()) {
            String fqn = im.group(1);
            imports.put(fqn.substring(fqn.lastIndexOf('.') + 1), fqn);
        }
        Map<String, List<String>> map = new TreeMap<>();
        Matcher m = PROVIDES.matcher(src);
        while (m.find()) {
            List<String> impls = new ArrayList<>();
            for (String impl : m.group(2).split(",")) {
                impls.add(imports.getOrDefault(impl.trim(), impl.trim()));
            }
            impls.sort(null);
            map.put(imports.getOrDefault(m.group(1), m.group(1)), impls);
        }
        return map;
    }

    private static Map<String, List<String>> fromServiceFiles(Path dir) {
        Map<String, List<String>> map = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                List<String> impls = new ArrayList<>();
                for (String line : read(f).split("\n")) {
                    String l = line.replaceAll("#.*", "").trim();
                    if (!l.isEmpty()) {
                        impls.add(l);
                    }
                }
                impls.sort(null);
                map.put(f.getFileName().toString(), impls);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return map;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
