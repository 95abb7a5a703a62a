package dev.btclock.server;

import dev.btclock.core.config.ConfigException;

import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The plugin directory ({@code PLUGIN_DIR}, default {@code plugins} in the working directory): every
 * {@code *.jar} in it is added, in name order, to one class loader whose parent is the server's, so
 * that third-party upstream drivers and buses registered in {@code META-INF/services} are found
 * beside the built-in ones. This is the one way to add plugins that works the same for
 * {@code java -jar}, the systemd unit and the Docker image (whose {@code -jar} launch ignores any
 * class path given on the command line).
 *
 * <p>A plugin jar brings its own dependencies (shaded, or as further jars in the directory); the
 * server's own libraries (the SPIs, SLF4J, Gson) are shared from the parent. A jar that is not
 * readable stops the start with a message naming {@code PLUGIN_DIR}.
 */
public final class PluginDirectory {

    /** The setting that names the directory. */
    public static final String SETTING = "PLUGIN_DIR";

    private final Path dir;
    private final List<Path> jars;
    private final ClassLoader loader;

    private PluginDirectory(Path dir, List<Path> jars, ClassLoader loader) {
        this.dir = dir;
        this.jars = List.copyOf(jars);
        this.loader = loader;
    }

    /**
     * Opens {@code dir}. An absent directory means no plugins unless {@code required} (the setting was
     * given explicitly), in which case it is a configuration error.
     *
     * @throws ConfigException naming {@code PLUGIN_DIR} when the directory or a jar in it cannot be read
     */
    public static PluginDirectory open(Path dir, boolean required, ClassLoader parent) {
        if (!Files.exists(dir)) {
            if (required) {
                throw new ConfigException(List.of(SETTING + ": " + dir.toAbsolutePath() + " does not exist"));
            }
            return new PluginDirectory(dir, List.of(), parent);
        }
        if (!Files.isDirectory(dir)) {
            throw new ConfigException(List.of(SETTING + ": " + dir.toAbsolutePath() + " is not a directory"));
        }
        List<Path> jars = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, "*.jar")) {
            for (Path p : entries) {
                if (Files.isRegularFile(p)) {
                    jars.add(p);
                }
            }
        } catch (IOException e) {
            throw new ConfigException(List.of(SETTING + ": cannot list " + dir.toAbsolutePath() + ": " + e));
        }
        jars.sort(null);
        if (jars.isEmpty()) {
            return new PluginDirectory(dir, jars, parent);
        }
        List<URL> urls = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (Path jar : jars) {
            if (!Files.isReadable(jar)) {
                problems.add(SETTING + ": cannot read " + jar.toAbsolutePath());
                continue;
            }
            try {
                urls.add(jar.toUri().toURL());
            } catch (MalformedURLException e) {
                problems.add(SETTING + ": " + jar + ": " + e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new PluginDirectory(dir, jars, new URLClassLoader("btclock-plugins", urls.toArray(URL[]::new), parent));
    }

    /** The class loader to look providers up with: the server's own when there are no plugin jars. */
    public ClassLoader loader() {
        return loader;
    }

    /** The plugin jars, in load order. */
    public List<Path> jars() {
        return jars;
    }

    /** The directory as configured. */
    public Path dir() {
        return dir;
    }
}
