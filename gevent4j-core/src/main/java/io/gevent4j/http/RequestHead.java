package io.gevent4j.http;

/** A parsed request line and header section, with the framing decided from them. */
final class RequestHead {
    String method;
    String target;
    /** The authority of an absolute-form target (it replaces Host, RFC 9112 §3.2.2); null otherwise. */
    String authority;
    /** 0 for HTTP/1.0, 1 for HTTP/1.1 (and later 1.x). */
    int minor;
    final HttpHeaders headers = new HttpHeaders();
    /** -1: no Content-Length. */
    long contentLength = -1;
    boolean chunked;
    boolean keepAlive;
    boolean expectContinue;

    String version() {
        return minor == 0 ? "HTTP/1.0" : "HTTP/1.1";
    }

    boolean hasBody() {
        return chunked || contentLength > 0;
    }
}
