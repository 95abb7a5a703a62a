package dev.btclock.core.codec;

/** A value that cannot be encoded in a wire format. */
public final class CodecException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message and a cause. */
    public CodecException(String message, Throwable cause) {
        super(message, cause);
    }
}
