package dev.btclock.tests;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.btclock.core.Await;
import dev.btclock.server.ServerAssembly;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docs/api/openapi.json against the server's real responses: every documented example is the exact
 * body (and the documented header pattern the real header) the server gives for the fake mempool's
 * state; the detail's required fields exist; every REST path the server answers is documented.
 */
class ApiDocumentsIT {

    private static final Path OPENAPI = Path.of("..", "docs", "api", "openapi.json");
    private static final Gson GSON = new Gson();

    private FakeMempoolServer mempool;
    private ServerAssembly server;
    private JsonObject paths;

    @BeforeEach
    void start() throws Exception {
        paths = JsonParser.parseString(Files.readString(OPENAPI)).getAsJsonObject().getAsJsonObject("paths");
        mempool = FakeMempoolServer.start();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        mempool.close();
    }

    private JsonObject response(String path, String status) {
        return paths.getAsJsonObject(path).getAsJsonObject("get").getAsJsonObject("responses").getAsJsonObject(status);
    }

    private static JsonObject content(JsonObject response) {
        JsonObject c = response.getAsJsonObject("content");
        return c.getAsJsonObject(c.keySet().iterator().next());
    }

    /** The example as the server writes it: compact JSON, or the text itself for text/plain. */
    private static String exampleBytes(JsonObject response) {
        JsonElement e = content(response).get("example");
        return e.isJsonPrimitive() && e.getAsJsonPrimitive().isString() ? e.getAsString() : GSON.toJson(e);
    }

    @Test
    void everyExample_isWhatTheServerAnswers() throws Exception {
        server = TestServer.startHealthy(mempool, Map.of());
        Await.until("all four prices", Duration.ofSeconds(10), () -> server.state().snapshot().prices().size() == 4);
        for (String path : paths.keySet()) {
            JsonObject ok = response(path, "200");
            HttpResponse<String> r = TestServer.get(server.port(), path);
            assertEquals(200, r.statusCode(), path);
            if (content(ok).has("example")) {
                assertEquals(exampleBytes(ok), r.body(), path);
            }
            JsonObject headers = ok.getAsJsonObject("headers");
            if (headers != null) {
                for (String name : headers.keySet()) {
                    String pattern = headers.getAsJsonObject(name).getAsJsonObject("schema").get("pattern").getAsString();
                    String value = r.headers().firstValue(name).orElse("");
                    assertTrue(value.matches(pattern), path + " " + name + ": " + value);
                    String example = headers.getAsJsonObject(name).get("example").getAsString();
                    assertTrue(example.matches(pattern), "the documented example matches its own pattern: " + example);
                }
            }
        }
        JsonObject detail = JsonParser.parseString(TestServer.get(server.port(), "/healthz/detail").body()).getAsJsonObject();
        JsonObject schema = content(response("/healthz/detail", "200")).getAsJsonObject("schema");
        schema.getAsJsonArray("required").forEach(f -> assertTrue(detail.has(f.getAsString()), "detail lacks " + f));
        JsonObject props = schema.getAsJsonObject("properties");
        for (String p : props.keySet()) {
            JsonObject prop = props.getAsJsonObject(p);
            if (prop.has("required") && detail.get(p).isJsonObject()) {
                prop.getAsJsonArray("required").forEach(f -> assertTrue(detail.getAsJsonObject(p).has(f.getAsString()),
                        "detail." + p + " lacks " + f));
            }
        }
        JsonObject notFound = JsonParser.parseString(Files.readString(OPENAPI)).getAsJsonObject().getAsJsonObject("components")
                .getAsJsonObject("responses").getAsJsonObject("NotFound");
        HttpResponse<String> missing = TestServer.get(server.port(), "/api/nope");
        assertEquals(404, missing.statusCode());
        assertEquals(exampleBytes(notFound), missing.body());
    }

    @Test
    void beforeTheFirstValue_theDocumentedNoDataAnswers() throws Exception {
        mempool.restStatus(500);
        mempool.stop();
        server = TestServer.start(mempool, Map.of());
        JsonObject noData = JsonParser.parseString(Files.readString(OPENAPI)).getAsJsonObject().getAsJsonObject("components")
                .getAsJsonObject("responses").getAsJsonObject("NoData");
        for (String path : new String[] {"/api/lastblock", "/api/lastfee"}) {
            HttpResponse<String> r = TestServer.get(server.port(), path);
            assertEquals(503, r.statusCode(), path);
            assertEquals(exampleBytes(noData), r.body(), path);
        }
        HttpResponse<String> health = TestServer.get(server.port(), "/healthz");
        assertEquals(503, health.statusCode());
        assertTrue(health.body().startsWith("no data yet"), health.body());
    }

    @Test
    void everyRestPathTheServerAnswers_isDocumented() {
        assertTrue(paths.keySet().containsAll(Set.of("/api/lastblock", "/api/lastfee", "/api/lastprice", "/api/v2/currencies",
                "/healthz", "/healthz/detail")), paths.keySet().toString());
    }

    /** An AsyncAPI message's example bytes: the v1 text, or the v2 MessagePack. */
    private static byte[] asyncExample(JsonObject messages, String message, int example) {
        JsonObject e = messages.getAsJsonObject(message).getAsJsonArray("examples").get(example).getAsJsonObject();
        return e.has("x-msgpack-hex") ? java.util.HexFormat.of().parseHex(e.get("x-msgpack-hex").getAsString().replace(" ", ""))
                : GSON.toJson(e.get("payload")).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void asyncApiExamples_areWhatTheServerSendsAndAnswers() throws Exception {
        JsonObject messages = JsonParser.parseString(Files.readString(Path.of("..", "docs", "api", "asyncapi.json")))
                .getAsJsonObject().getAsJsonObject("components").getAsJsonObject("messages");
        server = TestServer.startHealthy(mempool, Map.of("WS_V1_CONNECT_DELAY_MS", "0"));
        try (WsTestClient v1 = WsTestClient.connect(server.port(), "/ws")) {
            for (String message : new String[] {"v1Price", "v1Block", "v1Fee"}) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(asyncExample(messages, message, 0), v1.next().payload(), message);
            }
        }
        try (WsTestClient v2 = WsTestClient.connect(server.port(), "/api/v2/ws")) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(asyncExample(messages, "v2Welcome", 0), v2.next().payload());
            String[][] exchanges = {{"v2SubscribeBlockheight", "v2Blockheight"}, {"v2SubscribeBlockfee", "v2Blockfee"},
                    {"v2SubscribePrice", "v2Subscribed", "v2Price"}};
            for (String[] x : exchanges) {
                v2.sendBinary(asyncExample(messages, x[0], 0));
                for (int k = 1; k < x.length; k++) {
                    org.junit.jupiter.api.Assertions.assertArrayEquals(asyncExample(messages, x[k], 0), v2.next().payload(),
                            x[0] + " → " + x[k]);
                }
            }
        }
    }
}
