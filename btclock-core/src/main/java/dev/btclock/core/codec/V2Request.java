package dev.btclock.core.codec;

import java.util.List;

/**
 * A decoded v2 client message: {@code {"type":…,"eventType":…,"currency"|"currencies":…}}.
 *
 * @param action     subscribe or unsubscribe
 * @param eventType  the {@code eventType} string as sent (case-sensitive; may be one the server does not know)
 * @param currencies for {@code price}: the currencies to (un)subscribe, in message order and already
 *                   rendered as JavaScript would print them ({@code 5} → {@code "5"}); {@code null} when
 *                   the message named none (or {@code currencies} was not an array)
 */
public record V2Request(Action action, String eventType, List<String> currencies) {

    /** The two message types a client may send. */
    public enum Action {
        /** {@code "type":"subscribe"}. */
        SUBSCRIBE,
        /** {@code "type":"unsubscribe"}. */
        UNSUBSCRIBE
    }

    /** Copies the currency list. */
    public V2Request {
        currencies = currencies == null ? null : List.copyOf(currencies);
    }
}
