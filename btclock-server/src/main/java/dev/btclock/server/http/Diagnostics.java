package dev.btclock.server.http;

import jdk.jfr.Recording;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.management.ObjectName;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.LockInfo;
import java.lang.management.ManagementFactory;
import java.lang.management.MonitorInfo;
import java.lang.management.ThreadInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Diagnostics for operators on the metrics port, off unless {@code DIAGNOSTICS=true} (like the Go
 * server's {@code ENABLE_PPROF}); never on the device port:
 *
 * <ul>
 *   <li>{@code GET /debug/threads}: a dump of every thread with its whole stack and locks (text);</li>
 *   <li>{@code GET /debug/heap-histogram}: the live objects per class, largest first (text; it runs a
 *       full garbage collection first, as {@code jcmd GC.class_histogram} does);</li>
 *   <li>{@code GET /debug/jfr?seconds=N}: a Java Flight Recorder recording of the next N seconds
 *       (1–300, default 30) with the JDK's {@code default} settings (about 1 % overhead), as a
 *       {@code .jfr} file to open in JDK Mission Control or {@code jfr print}. One at a time: a
 *       second request while one records answers 409.</li>
 * </ul>
 *
 * <p>While off, every {@code /debug/} path answers 403 naming the setting. Thread-safe.
 */
public final class Diagnostics {

    /** The path prefix of every diagnostic. */
    public static final String PREFIX = "/debug/";
    private static final Logger LOG = LoggerFactory.getLogger(Diagnostics.class);
    private static final int MAX_JFR_SECONDS = 300;

    private final boolean enabled;
    private final AtomicBoolean recording = new AtomicBoolean();

    /** Diagnostics that are served only when {@code enabled} ({@code DIAGNOSTICS=true}). */
    public Diagnostics(boolean enabled) {
        this.enabled = enabled;
    }

    /** Serves one request under {@link #PREFIX}. */
    void serve(Request req, Response res) throws IOException {
        String path = req.getRequestURI();
        if (!enabled) {
            Responses.send(res, 403, Responses.TEXT, "diagnostics are off: set DIAGNOSTICS=true to serve /debug/threads, "
                    + "/debug/heap-histogram and /debug/jfr on the metrics port\n");
            return;
        }
        if (!"GET".equals(req.getMethod().getMethodString())) {
            Responses.send(res, 405, Responses.TEXT, "GET only\n");
            return;
        }
        switch (path) {
            case "/debug/threads" -> Responses.send(res, 200, Responses.TEXT, threadDump());
            case "/debug/heap-histogram" -> Responses.send(res, 200, Responses.TEXT, heapHistogram());
            case "/debug/jfr" -> jfr(req, res);
            default -> Responses.send(res, 404, Responses.TEXT,
                    "unknown diagnostic; there are /debug/threads, /debug/heap-histogram and /debug/jfr?seconds=N\n");
        }
    }

    /** Every thread, its state, its whole stack and the locks it holds or waits for. */
    static String threadDump() {
        StringBuilder sb = new StringBuilder(64 * 1024);
        sb.append("thread dump at ").append(Instant.now()).append('\n');
        for (ThreadInfo t : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
            sb.append('\n').append('"').append(t.getThreadName()).append("\" #").append(t.getThreadId())
                    .append(t.isDaemon() ? " daemon" : "").append(" ").append(t.getThreadState());
            if (t.getLockName() != null) {
                sb.append(" on ").append(t.getLockName());
            }
            if (t.getLockOwnerName() != null) {
                sb.append(" owned by \"").append(t.getLockOwnerName()).append('"');
            }
            sb.append('\n');
            StackTraceElement[] stack = t.getStackTrace();
            MonitorInfo[] monitors = t.getLockedMonitors();
            for (int i = 0; i < stack.length; i++) {
                sb.append("\tat ").append(stack[i]).append('\n');
                for (MonitorInfo m : monitors) {
                    if (m.getLockedStackDepth() == i) {
                        sb.append("\t- locked ").append(m).append('\n');
                    }
                }
            }
            for (LockInfo l : t.getLockedSynchronizers()) {
                sb.append("\t- holds ").append(l).append('\n');
            }
        }
        return sb.toString();
    }

    /** {@code GC.class_histogram} of the HotSpot diagnostic command MBean (jdk.management). */
    static String heapHistogram() {
        try {
            Object out = ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                    new Object[] {new String[0]}, new String[] {String[].class.getName()});
            return String.valueOf(out);
        } catch (Exception e) {
            return "the heap histogram is not available in this JVM: " + e + "\n";
        }
    }

    private void jfr(Request req, Response res) throws IOException {
        String raw = req.getParameter("seconds");
        int seconds = 30;
        if (raw != null) {
            try {
                seconds = Integer.parseInt(raw);
            } catch (NumberFormatException e) {
                seconds = -1;
            }
            if (seconds < 1 || seconds > MAX_JFR_SECONDS) {
                Responses.send(res, 400, Responses.TEXT, "seconds must be a whole number from 1 to " + MAX_JFR_SECONDS + "\n");
                return;
            }
        }
        if (!recording.compareAndSet(false, true)) {
            Responses.send(res, 409, Responses.TEXT, "a recording is already running; try again when it is done\n");
            return;
        }
        // Recorded on a thread of its own: the metrics port keeps answering scrapes meanwhile.
        int length = seconds;
        res.suspend();
        Thread t = new Thread(() -> {
            try {
                record(length, res);
            } catch (IOException | RuntimeException e) {
                LOG.warn("diagnostics: the JFR recording failed: {}", e.toString());
            } finally {
                recording.set(false);
                res.resume();
            }
        }, "btclock-diagnostics-jfr");
        t.setDaemon(true);
        t.start();
    }

    private static void record(int seconds, Response res) throws IOException {
        Path file = null;
        try (Recording r = new Recording(jdk.jfr.Configuration.getConfiguration("default"))) {
            r.setName("btclock-diagnostics");
            LOG.info("diagnostics: recording JFR for {} s", seconds);
            r.start();
            Thread.sleep(Duration.ofSeconds(seconds).toMillis());
            r.stop();
            file = Files.createTempFile("btclock-", ".jfr");
            r.dump(file);
            res.setStatus(200);
            res.setHeader("Content-Type", "application/octet-stream");
            res.setHeader("Content-Disposition", "attachment; filename=\"btclock-" + Instant.now().getEpochSecond() + ".jfr\"");
            res.setContentLengthLong(Files.size(file));
            try (OutputStream out = res.getOutputStream()) {
                Files.copy(file, out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Responses.send(res, 503, Responses.TEXT, "interrupted (shutting down)\n");
        } catch (java.text.ParseException e) {
            Responses.send(res, 500, Responses.TEXT, "the JDK's default JFR settings cannot be read: " + e.getMessage() + "\n");
        } finally {
            if (file != null) {
                Files.deleteIfExists(file);
            }
        }
    }
}
