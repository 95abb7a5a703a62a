package dev.btclock.tests;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server loads no native code of its own: no jar on its runtime class path carries a native
 * library, so it runs on any CPU a Java 17 runtime exists for (the README's Raspberry Pi guide says
 * so: linux-aarch64, and 32-bit ARM). A dependency that brings one must be checked for aarch64 first.
 */
class NativeCodeTest {

    private static final Path CLASSPATH = Path.of("..", "btclock-server", "target", "runtime-classpath.txt");
    private static final Pattern NATIVE = Pattern.compile("(?i).*\\.(so(\\.\\d+)*|dll|dylib|jnilib|a)$|^META-INF/native/.*");

    @Test
    void noJarOfTheServer_carriesANativeLibrary() throws IOException {
        String cp = Files.readString(CLASSPATH).trim();
        List<String> jars = List.of(cp.split(java.io.File.pathSeparator));
        assertTrue(jars.size() >= 20, "the runtime class path: " + jars);
        List<String> natives = new ArrayList<>();
        for (String jar : jars) {
            try (ZipFile z = new ZipFile(jar)) {
                z.stream().filter(e -> !e.isDirectory() && NATIVE.matcher(e.getName()).matches())
                        .forEach(e -> natives.add(Path.of(jar).getFileName() + "!" + e.getName()));
            }
        }
        assertEquals(List.of(), natives);
    }
}
