package io.gevent4j.websocket;

import java.io.IOException;

/**
 * A WebSocket connection failed or is closed: the peer broke the protocol (the connection was
 * closed with {@link #code()} 1002, 1007 or 1009), a time-out passed, or a send came after the
 * close. Thrown by {@link WebSocket}'s operations and by {@link WebSocketClient#connect}.
 */
public final class WebSocketException extends IOException {
    private static final long serialVersionUID = 1L;
    /** The close code sent or received for this failure (RFC 6455 §7.4), 1006 if none. */
    private final int code;

    /**
     * An exception for close code {@code code}.
     *
     * @param code the close code (RFC 6455 §7.4.1), 1006 when no close frame was exchanged
     * @param message what went wrong
     */
    public WebSocketException(int code, String message) {
        super(message);
        this.code = code;
    }

    /**
     * An exception for close code {@code code} with a cause.
     *
     * @param code the close code, 1006 when no close frame was exchanged
     * @param message what went wrong
     * @param cause the underlying failure
     */
    public WebSocketException(int code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    /**
     * The close code of the failure: 1002 protocol error, 1007 invalid data, 1009 too big,
     * 1001 idle time-out, 1006 the connection ended without a close frame.
     *
     * @return the close code
     */
    public int code() {
        return code;
    }

    @Override
    public String getMessage() {
        return super.getMessage() + " (close code " + code + ")";
    }
}
