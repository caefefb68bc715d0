package io.gevent4j.http;

import java.io.IOException;

/**
 * A request the server refuses: its status (400, 414, 431, 501, 505...) and why. The server
 * answers it and closes the connection (after a framing error it cannot find the next request).
 */
final class HttpError extends IOException {
    private static final long serialVersionUID = 1L;
    final int status;

    HttpError(int status, String message) {
        super(message);
        this.status = status;
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this; // thrown for every bad request: the message says it all, no stack trace
    }
}
