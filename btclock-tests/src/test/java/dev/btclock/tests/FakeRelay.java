package dev.btclock.tests;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.btclock.nostr.NostrEvent;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.Session;
import jakarta.websocket.server.ServerEndpointConfig;
import org.glassfish.grizzly.http.server.HttpServer;
import org.glassfish.grizzly.http.server.NetworkListener;
import org.glassfish.tyrus.container.grizzly.server.WebSocketAddOn;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A Nostr relay on loopback speaking NIP-01 and NIP-42 over a real WebSocket, scripted per test:
 * open, challenge-on-connect but never required, AUTH required (challenge sent on connect or only
 * after the rejection), key not allowed, AUTH refused, silent (no OK), dropping the connection,
 * answering {@code duplicate:} or {@code rate-limited:}, or doing either only for the first sends of an event. AUTH events are checked like a relay
 * would: kind 22242, the challenge, the relay URL, the id and the signature.
 */
public final class FakeRelay implements AutoCloseable {

    /** How the relay behaves. */
    public enum Mode { OPEN, CHALLENGE_NOT_REQUIRED, AUTH_REQUIRED, AUTH_REQUIRED_LATE_CHALLENGE, RESTRICTED, AUTH_REFUSED,
        SILENT, DROP, DUPLICATE, RATE_LIMITED,
        /** {@code rate-limited:} for the first two sends of an event, then accepted. */
        RATE_LIMITED_TWICE,
        /** No OK for the first send of an event, then accepted. */
        SILENT_ONCE,
        /** Accepts AUTH, yet answers every event {@code auth-required:} again. */
        AUTH_IGNORED }

    private static final String CHALLENGE = "challenge-42";

    private final Mode mode;
    private final List<String> frames = new CopyOnWriteArrayList<>();
    private final List<NostrEvent> stored = new CopyOnWriteArrayList<>();
    private final List<Long> frameNanos = new CopyOnWriteArrayList<>();
    private final java.util.Map<String, Integer> sends = new java.util.concurrent.ConcurrentHashMap<>();
    private HttpServer http;
    private int port;

    private FakeRelay(Mode mode) {
        this.mode = mode;
    }

    /** Starts a relay in {@code mode} on a free port. */
    public static FakeRelay start(Mode mode) throws IOException {
        FakeRelay r = new FakeRelay(mode);
        r.http = new HttpServer();
        NetworkListener l = new NetworkListener("fake-relay", "127.0.0.1", 0);
        WsContainer container = new WsContainer(1 << 20);
        l.registerAddOn(new WebSocketAddOn(container, "/"));
        r.http.addListener(l);
        try {
            container.addEndpoint(ServerEndpointConfig.Builder.create(Conn.class, "/")
                    .configurator(new ServerEndpointConfig.Configurator() {
                        @Override
                        public <T> T getEndpointInstance(Class<T> c) {
                            return c.cast(new Conn(r));
                        }
                    }).build());
            r.http.start();
            r.port = l.getPort();
            container.start("/", r.port);
        } catch (jakarta.websocket.DeploymentException e) {
            throw new IOException(e);
        }
        return r;
    }

    /** {@code ws://127.0.0.1:port/}. */
    public String url() {
        return "ws://127.0.0.1:" + port + "/";
    }

    /** Every frame clients sent. */
    public List<String> frames() {
        return frames;
    }

    /** When each frame of {@link #frames()} arrived ({@link System#nanoTime()}). */
    public List<Long> frameNanos() {
        return frameNanos;
    }

    /** How many {@code AUTH} frames clients sent. */
    public long authFrames() {
        return frames.stream().filter(f -> f.startsWith("[\"AUTH\"")).count();
    }

    /** The events the relay accepted. */
    public List<NostrEvent> stored() {
        return stored;
    }

    @Override
    public void close() {
        http.shutdownNow();
    }

    static NostrEvent event(JsonObject o) {
        List<List<String>> tags = new ArrayList<>();
        for (JsonElement t : o.getAsJsonArray("tags")) {
            List<String> tag = new ArrayList<>();
            t.getAsJsonArray().forEach(v -> tag.add(v.getAsString()));
            tags.add(tag);
        }
        return new NostrEvent(o.get("id").getAsString(), o.get("pubkey").getAsString(), o.get("created_at").getAsLong(),
                o.get("kind").getAsInt(), tags, o.get("content").getAsString(), o.get("sig").getAsString());
    }

    /** One client connection. */
    public static final class Conn extends Endpoint {
        private final FakeRelay relay;
        private boolean authed;

        Conn(FakeRelay relay) {
            this.relay = relay;
        }

        @Override
        public void onOpen(Session session, EndpointConfig config) {
            if (relay.mode != Mode.OPEN && relay.mode != Mode.AUTH_REQUIRED_LATE_CHALLENGE) {
                send(session, "[\"AUTH\",\"" + CHALLENGE + "\"]");
            }
            session.addMessageHandler(String.class, (MessageHandler.Whole<String>) text -> onMessage(session, text));
        }

        private synchronized void onMessage(Session session, String text) {
            relay.frames.add(text);
            relay.frameNanos.add(System.nanoTime());
            JsonArray a = JsonParser.parseString(text).getAsJsonArray();
            String type = a.get(0).getAsString();
            NostrEvent e = event(a.get(1).getAsJsonObject());
            if (type.equals("AUTH")) {
                boolean ok = e.kind() == 22242 && e.verify()
                        && e.tags().contains(List.of("challenge", CHALLENGE)) && e.tags().contains(List.of("relay", relay.url()))
                        && relay.mode != Mode.AUTH_REFUSED;
                authed = ok;
                send(session, "[\"OK\",\"" + e.id() + "\"," + ok + ",\"" + (ok ? "" : "invalid: the challenge string is wrong") + "\"]");
                return;
            }
            if (!type.equals("EVENT")) {
                return;
            }
            boolean needsAuth = relay.mode == Mode.AUTH_REQUIRED || relay.mode == Mode.AUTH_REQUIRED_LATE_CHALLENGE
                    || relay.mode == Mode.RESTRICTED || relay.mode == Mode.AUTH_REFUSED;
            if (needsAuth && !authed || relay.mode == Mode.AUTH_IGNORED) {
                send(session, "[\"OK\",\"" + e.id() + "\",false,\"auth-required: we only accept events from known users\"]");
                if (relay.mode == Mode.AUTH_REQUIRED_LATE_CHALLENGE) {
                    send(session, "[\"AUTH\",\"" + CHALLENGE + "\"]");
                }
                return;
            }
            int sent = relay.sends.merge(e.id(), 1, Integer::sum);
            switch (relay.mode) {
                case SILENT_ONCE -> {
                    if (sent > 1) {
                        accept(session, e);
                    }
                }
                case RATE_LIMITED_TWICE -> {
                    if (sent > 2) {
                        accept(session, e);
                    } else {
                        send(session, "[\"OK\",\"" + e.id() + "\",false,\"rate-limited: slow down\"]");
                    }
                }
                case SILENT -> {
                    // never answers
                }
                case DROP -> {
                    try {
                        session.close();
                    } catch (IOException ignored) {
                        // closing anyway
                    }
                }
                case RESTRICTED -> send(session, "[\"OK\",\"" + e.id() + "\",false,\"restricted: this key may not publish here\"]");
                case DUPLICATE -> send(session, "[\"OK\",\"" + e.id() + "\",false,\"duplicate: already have this event\"]");
                case RATE_LIMITED -> send(session, "[\"OK\",\"" + e.id() + "\",false,\"rate-limited: slow down\"]");
                default -> accept(session, e);
            }
        }

        private void accept(Session session, NostrEvent e) {
            boolean valid = e.verify();
            if (valid) {
                relay.stored.add(e);
            }
            send(session, "[\"OK\",\"" + e.id() + "\"," + valid + ",\"" + (valid ? "" : "invalid: bad signature") + "\"]");
        }

        private static void send(Session session, String frame) {
            session.getAsyncRemote().sendText(frame);
        }
    }
}
