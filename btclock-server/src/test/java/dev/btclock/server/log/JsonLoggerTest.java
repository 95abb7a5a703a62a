package dev.btclock.server.log;

import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMDCAdapter;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One event, one line: text from the network can neither break the line nor forge another one. */
class JsonLoggerTest {

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final BasicMDCAdapter mdc = new BasicMDCAdapter();
    private final JsonLogger log = new JsonLogger("dev.btclock.test", Level.INFO,
            mdc, new PrintStream(bytes, true, StandardCharsets.UTF_8));

    private String out() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void hostileText_isEscaped_oneLinePerEvent() {
        mdc.put("driver", "kraken");
        log.warn("kraken: skipped {}", "a\n{\"level\":\"INFO\",\"message\":\"forged\"}\r\u0000\u001b[31m\u202e\"\\ \ud800 \ud83d\ude00");
        String line = out();
        assertEquals(1, line.split("\n", -1).length - 1, line);
        assertTrue(line.contains("\"message\":\"kraken: skipped a\\n{\\\"level\\\":\\\"INFO\\\",\\\"message\\\":\\\"forged\\\"}"
                + "\\r\\u0000\\u001b[31m\\u202e\\\"\\\\ \\ud800 \ud83d\ude00\""), line);
        assertTrue(line.contains("\"driver\":\"kraken\""), line);
        assertTrue(line.startsWith("{\"time\":\"") && line.contains("\"level\":\"WARN\",\"logger\":\"dev.btclock.test\""), line);
    }

    @Test
    void belowTheLevel_nothing_andAnExceptionHasItsStack() {
        log.debug("not shown");
        log.error("failed", new IllegalStateException("boom"));
        String line = out();
        assertTrue(!line.contains("not shown") && line.contains("\"error\":\"java.lang.IllegalStateException: boom\"")
                && line.contains("\"stack\":\"java.lang.IllegalStateException: boom\\n\\tat "), line);
    }
}
