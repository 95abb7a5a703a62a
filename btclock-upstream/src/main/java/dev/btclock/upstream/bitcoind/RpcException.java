package dev.btclock.upstream.bitcoind;

/**
 * A failed bitcoind call, classified the way the driver reacts to it (docs/upstreams.md §2.1): by the
 * JSON {@code error} object when there is one, by the HTTP status only for the transport-level
 * answers that carry no JSON (401, 403, 405, 503), and by the connection failure otherwise.
 */
final class RpcException extends Exception {

    private static final long serialVersionUID = 1L;

    /** What went wrong, in the terms the driver acts on. */
    enum Kind {
        /** 401 with an empty body: wrong or missing credentials. */
        UNAUTHORIZED,
        /** 403: the method is not in the user's {@code -rpcwhitelist}. */
        FORBIDDEN,
        /** 503 ({@code Work queue depth exceeded}) or shutting down: back off. */
        BUSY,
        /** RPC error -28: bitcoind is starting; wait and retry. */
        WARMING_UP,
        /** Any other JSON-RPC error object. */
        RPC_ERROR,
        /** Connection refused, reset, timed out. */
        UNREACHABLE,
        /** An answer that is neither a JSON-RPC reply nor a known transport error. */
        MALFORMED
    }

    /** bitcoind's {@code RPC_IN_WARMUP}. */
    static final int RPC_IN_WARMUP = -28;

    private final Kind kind;
    private final int code;

    RpcException(Kind kind, int code, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.code = code;
    }

    RpcException(Kind kind, String message) {
        this(kind, 0, message, null);
    }

    Kind kind() {
        return kind;
    }

    /** The JSON-RPC error code, or 0 for transport failures. */
    int code() {
        return code;
    }
}
