package dev.btclock.server.ws;

import java.util.Locale;

/** The two device protocols. */
public enum Protocol {
    /** JSON text frames, broadcast: {@code /ws}, {@code /api/v1/ws}. */
    V1,
    /** MessagePack binary frames, subscriptions: {@code /api/v2/ws}. */
    V2;

    /** The metric label: {@code v1} or {@code v2}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
