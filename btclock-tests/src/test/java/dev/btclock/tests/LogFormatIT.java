package dev.btclock.tests;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code LOG_FORMAT=json} from the real jar: one JSON object per line, with the fields that matter. */
class LogFormatIT {

    @Test
    void json_everyLineIsOneObject_withDriverAndReasonFields() throws Exception {
        try (FakeMempoolServer mempool = FakeMempoolServer.start()) {
            Map<String, String> env = new HashMap<>();
            env.put("LISTEN_ADDR", "127.0.0.1:0");
            env.put("METRICS_ADDR", "127.0.0.1:0");
            env.put("MEMPOOL_INSTANCE", mempool.baseUrl());
            env.put("LOG_FORMAT", "json");
            try (ServerProcess server = ServerProcess.launch(env)) {
                server.awaitPort();
                server.awaitLine("\"driver\":\"mempool-ws\"");
                mempool.stop();
                server.awaitLine("\"reason\":\"closed by upstream");
                int lines = 0;
                for (String line : server.output().split("\n")) {
                    if (line.isBlank()) {
                        continue;
                    }
                    JsonObject o = JsonParser.parseString(line).getAsJsonObject();
                    for (String field : new String[] {"time", "level", "logger", "thread", "message"}) {
                        assertTrue(o.has(field), field + " missing in " + line);
                    }
                    lines++;
                    if (o.get("message").getAsString().startsWith("mempool-ws: closed by upstream")) {
                        assertEquals("WARN", o.get("level").getAsString());
                        assertEquals("mempool-ws", o.get("driver").getAsString());
                        assertTrue(o.get("reason").getAsString().startsWith("closed by upstream"), line);
                    }
                }
                assertTrue(lines >= 5, server.output());
            }
        }
    }

    @Test
    void anUnknownFormat_stopsTheStart_namingTheSetting() throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("LISTEN_ADDR", "127.0.0.1:0");
        env.put("LOG_FORMAT", "xml");
        try (ServerProcess server = ServerProcess.launch(env)) {
            assertTrue(server.process.waitFor(30, TimeUnit.SECONDS));
            assertEquals(2, server.process.exitValue());
            server.awaitLine("LOG_FORMAT must be plain or json, got \"xml\"");
        }
    }
}
