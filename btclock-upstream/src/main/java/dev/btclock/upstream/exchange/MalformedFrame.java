package dev.btclock.upstream.exchange;

/**
 * A frame that is not JSON, or a known message with the wrong shape; the frame is skipped. The message
 * is logged as it is, so any text the exchange supplied goes into it through {@link ExchangeDriver#snippet}.
 */
final class MalformedFrame extends RuntimeException {
    private static final long serialVersionUID = 1L;

    MalformedFrame(String message) {
        super(message, null, false, false);
    }
}
