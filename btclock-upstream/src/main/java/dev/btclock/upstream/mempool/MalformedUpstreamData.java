package dev.btclock.upstream.mempool;

/** Upstream data that does not have the shape the driver relies on; the frame is skipped. */
public final class MalformedUpstreamData extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception; the message says what was wrong, never more than a short excerpt of the data. */
    public MalformedUpstreamData(String message) {
        super(message);
    }
}
