package dev.btclock.tests;

import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Builds what a third party would build against the published libraries: the sources under
 * {@code src/test/plugins} (two plugins and an embedding application, each a module), compiled on
 * the module path of the jars this build produced and their runtime dependencies as Maven resolved
 * them ({@code target/runtime-classpath.txt} of each library module).
 */
final class ThirdPartyBuild {

    static final List<String> LIBRARIES = List.of("btclock-core", "btclock-upstream", "btclock-bus", "btclock-nostr");
    private static final Path SOURCES = Path.of("src", "test", "plugins");

    private ThirdPartyBuild() {
    }

    /** The four library jars from their {@code target} directories, plus every runtime dependency. */
    static List<Path> libraryModulePath() {
        Set<Path> path = new LinkedHashSet<>();
        for (String library : LIBRARIES) {
            Path target = Path.of("..", library, "target").toAbsolutePath().normalize();
            path.add(mainJar(target, library));
            Path classpath = target.resolve("runtime-classpath.txt");
            try {
                for (String entry : Files.readString(classpath).trim().split(java.io.File.pathSeparator)) {
                    if (!entry.isBlank()) {
                        Path p = Path.of(entry);
                        // Within the reactor a sibling library may resolve to its classes directory: use its jar.
                        path.add(p.endsWith(Path.of("target", "classes"))
                                ? mainJar(p.getParent(), p.getParent().getParent().getFileName().toString()) : p);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("run the build's generate-resources phase first: " + classpath, e);
            }
        }
        return List.copyOf(path);
    }

    private static Path mainJar(Path target, String artifactId) {
        try (Stream<Path> files = Files.list(target)) {
            return files.filter(f -> {
                String n = f.getFileName().toString();
                return n.startsWith(artifactId + "-") && n.endsWith(".jar") && !n.endsWith("-tests.jar")
                        && !n.endsWith("-sources.jar") && !n.endsWith("-javadoc.jar") && !n.endsWith("-test-sources.jar");
            }).findFirst().orElseThrow(() -> new IllegalStateException("package " + artifactId + " first: no jar in " + target));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Compiles {@code src/test/plugins/<name>} (a module, with its resources) into {@code <out>/<name>.jar}.
     *
     * @param modulePath what it compiles against
     */
    static Path jar(String name, List<Path> modulePath, Path out) throws IOException {
        Path src = SOURCES.resolve(name).toAbsolutePath();
        Path classes = Files.createDirectories(out.resolve(name + "-classes"));
        List<String> args = new ArrayList<>(List.of("--release", "17", "-d", classes.toString(),
                "--module-path", join(modulePath)));
        List<Path> resources = new ArrayList<>();
        try (Stream<Path> files = Files.walk(src)) {
            files.filter(Files::isRegularFile).forEach(f -> {
                if (f.toString().endsWith(".java")) {
                    args.add(f.toString());
                } else if (!f.getFileName().toString().equals("README.md")) {
                    resources.add(f);
                }
            });
        }
        run("javac", args);
        for (Path r : resources) {
            Path to = classes.resolve(src.relativize(r).toString());
            Files.createDirectories(to.getParent());
            Files.copy(r, to);
        }
        Path jar = out.resolve(name + ".jar");
        run("jar", List.of("--create", "--file", jar.toString(), "-C", classes.toString(), "."));
        return jar;
    }

    static String join(List<Path> paths) {
        return String.join(java.io.File.pathSeparator, paths.stream().map(Path::toString).toList());
    }

    private static void run(String tool, List<String> args) {
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(output, true, StandardCharsets.UTF_8);
        int code = tool.equals("javac")
                ? ToolProvider.getSystemJavaCompiler().run(null, print, print, args.toArray(String[]::new))
                : java.util.spi.ToolProvider.findFirst(tool).orElseThrow().run(print, print, args.toArray(String[]::new));
        if (code != 0) {
            throw new AssertionError(tool + " failed (" + code + "):\n" + output.toString(StandardCharsets.UTF_8));
        }
    }
}
