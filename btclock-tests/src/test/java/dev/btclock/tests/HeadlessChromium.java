package dev.btclock.tests;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import dev.btclock.core.Await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Debian's Chromium ({@code /usr/bin/chromium}), headless, with a fresh profile, driven over the
 * DevTools protocol on a loopback port with the JDK's own WebSocket client: navigate, evaluate
 * JavaScript, take screenshots. Collects the page's uncaught exceptions and its JavaScript and
 * security (Content-Security-Policy) console errors. {@link #close} ends the browser it started
 * and deletes its profile. Not thread-safe: one test drives it.
 */
final class HeadlessChromium implements AutoCloseable {

    /** Where Debian installs it ({@code apt-get install chromium}). */
    static final Path BINARY = Path.of("/usr/bin/chromium");
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

    private final Process process;
    private final Path profile;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonObject>> pending = new ConcurrentHashMap<>();
    private final List<String> pageErrors = new CopyOnWriteArrayList<>();

    /** Whether Chromium is installed. */
    static boolean available() {
        return Files.isExecutable(BINARY);
    }

    /** Starts Chromium with a {@code width}×{@code height} window; its output goes to {@code log}. */
    static HeadlessChromium start(int width, int height, Path log) throws IOException {
        Path profile = Files.createTempDirectory("btclock-chromium");
        Files.createDirectories(log.toAbsolutePath().getParent());
        Process p = new ProcessBuilder(BINARY.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-extensions", "--mute-audio",
                "--user-data-dir=" + profile, "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
                "--window-size=" + width + "," + height, "about:blank")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            return new HeadlessChromium(p, profile, log);
        } catch (IOException | RuntimeException | Error e) {
            stop(p);
            delete(profile);
            throw e;
        }
    }

    private HeadlessChromium(Process process, Path profile, Path log) throws IOException {
        this.process = process;
        this.profile = profile;
        Path portFile = profile.resolve("DevToolsActivePort");
        Await.until("Chromium's DevTools port", Duration.ofSeconds(30),
                () -> !process.isAlive() || firstLine(portFile).isPresent(), () -> tail(log));
        if (!process.isAlive()) {
            throw new IllegalStateException("Chromium exited with " + process.exitValue() + ": " + tail(log));
        }
        int port = Integer.parseInt(firstLine(portFile).orElseThrow());
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String target;
        try {
            JsonArray targets = JsonParser.parseString(http.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + port + "/json/list")).timeout(CALL_TIMEOUT).build(),
                    HttpResponse.BodyHandlers.ofString()).body()).getAsJsonArray();
            target = targets.asList().stream().map(JsonElement::getAsJsonObject)
                    .filter(t -> "page".equals(t.get("type").getAsString())).findFirst()
                    .orElseThrow(() -> new IllegalStateException("Chromium has no page: " + targets))
                    .get("webSocketDebuggerUrl").getAsString();
            socket = http.newWebSocketBuilder().connectTimeout(CALL_TIMEOUT)
                    .buildAsync(URI.create(target), new Listener()).get(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted connecting to Chromium", e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IOException("cannot connect to Chromium's DevTools on port " + port, e);
        }
        call("Runtime.enable", new JsonObject());
        call("Log.enable", new JsonObject());
        call("Page.enable", new JsonObject());
    }

    /** Opens {@code url} and waits until the page and its deferred scripts have loaded. */
    void open(String url) {
        JsonObject params = new JsonObject();
        params.addProperty("url", url);
        JsonObject result = call("Page.navigate", params);
        if (result.has("errorText")) {
            throw new AssertionError("Chromium could not open " + url + ": " + result.get("errorText").getAsString());
        }
        Await.until("page loaded: " + url, CALL_TIMEOUT,
                () -> "complete".equals(eval("document.readyState")) && url.equals(eval("location.href")));
    }

    /** Evaluates {@code expression} in the page and returns its value as text (null for null or undefined). */
    String eval(String expression) {
        JsonObject params = new JsonObject();
        params.addProperty("expression", expression);
        params.addProperty("returnByValue", true);
        params.addProperty("awaitPromise", true);
        JsonObject result = call("Runtime.evaluate", params);
        if (result.has("exceptionDetails")) {
            throw new AssertionError("JavaScript failed: " + expression + ": " + result.get("exceptionDetails"));
        }
        JsonElement value = result.getAsJsonObject("result").get("value");
        return value == null || value.isJsonNull() ? null : value.isJsonPrimitive() ? value.getAsString() : value.toString();
    }

    /** The text of the element with {@code id}, or null when there is none. */
    String text(String id) {
        return eval("(function (e) { return e ? e.textContent : null; })(document.getElementById("
                + new JsonPrimitive(id) + "))");
    }

    /** The page's markup now. */
    String html() {
        return eval("document.documentElement.outerHTML");
    }

    /** Saves the whole page (not only the window) as a PNG at {@code file}. */
    void screenshot(Path file) throws IOException {
        JsonObject clip = new JsonObject();
        clip.addProperty("x", 0);
        clip.addProperty("y", 0);
        clip.addProperty("width", Double.parseDouble(eval("document.documentElement.scrollWidth")));
        clip.addProperty("height", Double.parseDouble(eval("document.documentElement.scrollHeight")));
        clip.addProperty("scale", 1);
        JsonObject params = new JsonObject();
        params.addProperty("format", "png");
        params.addProperty("captureBeyondViewport", true);
        params.add("clip", clip);
        byte[] png = Base64.getDecoder().decode(call("Page.captureScreenshot", params).get("data").getAsString());
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, png);
    }

    /** The page's uncaught exceptions and JavaScript or security console errors so far. */
    List<String> pageErrors() {
        return List.copyOf(pageErrors);
    }

    private JsonObject call(String method, JsonObject params) {
        int id = ids.incrementAndGet();
        JsonObject message = new JsonObject();
        message.addProperty("id", id);
        message.addProperty("method", method);
        message.add("params", params);
        CompletableFuture<JsonObject> answer = new CompletableFuture<>();
        pending.put(id, answer);
        try {
            socket.sendText(message.toString(), true).get(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            JsonObject reply = answer.get(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            if (reply.has("error")) {
                throw new AssertionError("DevTools " + method + " failed: " + reply.get("error"));
            }
            return reply.getAsJsonObject("result");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted in DevTools " + method);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new AssertionError("DevTools " + method + " did not answer", e);
        } finally {
            pending.remove(id);
        }
    }

    private void event(JsonObject message) {
        String method = message.has("method") ? message.get("method").getAsString() : "";
        JsonObject params = message.has("params") ? message.getAsJsonObject("params") : new JsonObject();
        if (method.equals("Runtime.exceptionThrown")) {
            pageErrors.add("exception: " + params.getAsJsonObject("exceptionDetails"));
        } else if (method.equals("Log.entryAdded")) {
            JsonObject entry = params.getAsJsonObject("entry");
            String source = entry.get("source").getAsString();
            // Network errors (a 503 before the first value, the favicon's 404) are the server's answers, not the page's faults.
            if (entry.get("level").getAsString().equals("error") && (source.equals("javascript") || source.equals("security"))) {
                pageErrors.add(source + ": " + entry.get("text").getAsString());
            }
        }
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                JsonObject message = JsonParser.parseString(text.toString()).getAsJsonObject();
                text.setLength(0);
                if (message.has("id")) {
                    CompletableFuture<JsonObject> f = pending.get(message.get("id").getAsInt());
                    if (f != null) {
                        f.complete(message);
                    }
                } else {
                    event(message);
                }
            }
            webSocket.request(1);
            return null;
        }
    }

    @Override
    public void close() {
        try {
            socket.sendText("{\"id\":0,\"method\":\"Browser.close\"}", true);
        } catch (RuntimeException e) {
            // the browser is stopped below in any case
        }
        stop(process);
        delete(profile);
    }

    /** Ends the browser this class started and every process it started, waiting up to 10 s. */
    private static void stop(Process p) {
        List<ProcessHandle> children = new ArrayList<>(p.descendants().toList());
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroy();
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
        }
        children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle child : children) {
            try {
                child.onExit().get(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                // reparented and reaped by init; nothing left of ours to wait for
            }
        }
    }

    private static Optional<String> firstLine(Path file) {
        try {
            List<String> lines = Files.readAllLines(file);
            return lines.isEmpty() || lines.get(0).isBlank() ? Optional.empty() : Optional.of(lines.get(0).trim());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
