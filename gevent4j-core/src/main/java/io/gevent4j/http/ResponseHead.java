package io.gevent4j.http;

/**
 * The head of a response as its {@link HttpResponse} reports it to the connection (through
 * {@link ResponseSink#head}), and the one writer of a status line and headers: the handler's
 * responses, the provider's ({@code http/jdk}) and the server's own refusals are all written by
 * {@link #writeTo}. Whether the connection persists is not a fact of the head: the connection
 * decides it and passes the {@code Connection} header to write.
 *
 * @param contentLength the {@code Content-Length} to send, or -1 for none
 * @param framing how the body is delimited on the wire
 */
record ResponseHead(int status, HttpHeaders headers, long contentLength, Framing framing) {

    /** How a response body is delimited; one output class each. */
    enum Framing {
        /** No body on the wire (HEAD, 1xx, 204, 304): what the handler writes is dropped. */
        NONE,
        /** {@code Content-Length}: {@link FixedLengthOutput}. */
        FIXED,
        /** {@code Transfer-Encoding: chunked}: {@link ChunkedOutput}. */
        CHUNKED,
        /** Ends when the connection closes (HTTP/1.0 without a length): {@link CloseDelimitedOutput}. */
        CLOSE_DELIMITED
    }

    /** The {@code Connection} header to write: none, {@code close}, or {@code keep-alive} (HTTP/1.0). */
    enum ConnectionHeader {
        NONE, CLOSE, KEEP_ALIVE
    }

    /** Whether the handler asked for the connection to close after this response. */
    boolean closeRequested() {
        return headers.hasToken("Connection", "close");
    }

    /** Appends the status line and headers to {@code out}; framing headers belong to the server. */
    void writeTo(Output out, ConnectionHeader connection) {
        out.ascii("HTTP/1.1 ");
        out.decimal(status);
        out.ascii(" ");
        out.ascii(reason(status));
        out.crlf();
        for (int i = 0; i < headers.size(); i++) {
            String n = headers.nameAt(i);
            if (n.equalsIgnoreCase("Connection") || n.equalsIgnoreCase("Transfer-Encoding")
                    || n.equalsIgnoreCase("Content-Length")) {
                continue; // framing belongs to the server
            }
            out.ascii(n);
            out.ascii(": ");
            out.latin1(headers.valueAt(i));
            out.crlf();
        }
        if (!headers.contains("Date")) { // a Date the handler set is kept, as pywsgi does
            out.write(HttpDate.line());
        }
        if (contentLength >= 0) {
            out.ascii("Content-Length: ");
            out.decimal(contentLength);
            out.crlf();
        } else if (framing == Framing.CHUNKED) {
            out.ascii("Transfer-Encoding: chunked\r\n");
        }
        switch (connection) {
            case CLOSE -> out.ascii("Connection: close\r\n");
            case KEEP_ALIVE -> out.ascii("Connection: keep-alive\r\n");
            case NONE -> { }
        }
        out.crlf();
    }

    static String reason(int status) {
        return switch (status) {
            case 100 -> "Continue";
            case 200 -> "OK";
            case 201 -> "Created";
            case 202 -> "Accepted";
            case 204 -> "No Content";
            case 206 -> "Partial Content";
            case 301 -> "Moved Permanently";
            case 302 -> "Found";
            case 303 -> "See Other";
            case 304 -> "Not Modified";
            case 307 -> "Temporary Redirect";
            case 308 -> "Permanent Redirect";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 408 -> "Request Timeout";
            case 409 -> "Conflict";
            case 411 -> "Length Required";
            case 413 -> "Content Too Large";
            case 414 -> "URI Too Long";
            case 415 -> "Unsupported Media Type";
            case 417 -> "Expectation Failed";
            case 429 -> "Too Many Requests";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            case 505 -> "HTTP Version Not Supported";
            case 203 -> "Non-Authoritative Information";
            case 205 -> "Reset Content";
            case 300 -> "Multiple Choices";
            case 305 -> "Use Proxy";
            case 402 -> "Payment Required";
            case 406 -> "Not Acceptable";
            case 407 -> "Proxy Authentication Required";
            case 410 -> "Gone";
            case 412 -> "Precondition Failed";
            // RFC 9112 §4: the reason phrase may be empty ("HTTP/1.1 599 "), as the JDK's server sends it
            default -> "";
        };
    }
}
