package io.gevent4j.http.jdk;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpPrincipal;
import com.sun.net.httpserver.HttpsExchange;
import io.gevent4j.http.HttpRequest;
import io.gevent4j.http.HttpResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLSession;

/**
 * An {@code HttpExchange} over one request of the gevent4j HTTP server. It is an
 * {@link HttpsExchange} so that HTTPS handlers can cast it; {@link #getSSLSession()} is null on
 * a plain connection. Confined to the request's greenlet, like the JDK's exchange to its thread.
 */
final class Exchange extends HttpsExchange {
    private final HttpRequest request;
    private final HttpResponse response;
    private final Contexts.Ctx context;
    private final Headers requestHeaders = new Headers();
    private final Headers responseHeaders = new Headers();
    private final Map<String, Object> attributes = new HashMap<>();
    private InputStream in;
    private OutputStream out;
    private boolean sent;
    private boolean writeFinished;
    private long completedAt;
    private boolean aborted;
    private int code = -1;
    private HttpPrincipal principal;

    Exchange(HttpRequest request, HttpResponse response, Contexts.Ctx context) {
        this.request = request;
        this.response = response;
        this.context = context;
        for (String name : request.headers().names()) {
            requestHeaders.put(name, request.headers().all(name));
        }
        this.in = request.body();
        this.out = new OutputStream() { // before sendResponseHeaders, writing is an error (JDK behaviour)
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (!sent) {
                    throw new IOException("response headers not sent yet");
                }
                response.outputStream().write(b, off, len);
            }

            @Override
            public void flush() throws IOException {
                if (sent) {
                    response.outputStream().flush();
                }
            }

            @Override
            public void close() throws IOException {
                if (sent) {
                    response.outputStream().close();
                    complete();
                }
            }
        };
    }

    @Override
    public Headers getRequestHeaders() {
        return requestHeaders;
    }

    @Override
    public Headers getResponseHeaders() {
        return responseHeaders;
    }

    @Override
    public URI getRequestURI() {
        return URI.create(request.target());
    }

    @Override
    public String getRequestMethod() {
        return request.method();
    }

    @Override
    public HttpContext getHttpContext() {
        return context;
    }

    /**
     * As the JDK's: closing before {@link #sendResponseHeaders} sends nothing and closes the
     * connection (no response can be sent any more).
     */
    @Override
    public void close() {
        try {
            if (!sent) {
                abort();
                return;
            }
            out.close();
        } catch (IOException e) {
            // the client left; the server closes the connection
        }
    }

    /** Ends the connection without (the rest of) a response. */
    void abort() throws IOException {
        if (!aborted) {
            aborted = true;
            response.abort();
        }
    }

    boolean aborted() {
        return aborted;
    }

    /** Whether any of the response has gone to the client (its status line at least). */
    boolean responseStarted() {
        return response.isCommitted();
    }

    /** When the response became complete ({@link #writeFinished()}), by System.nanoTime. */
    long completedAt() {
        return completedAt;
    }

    @Override
    public InputStream getRequestBody() {
        return in;
    }

    @Override
    public OutputStream getResponseBody() {
        return out;
    }

    @Override
    public void sendResponseHeaders(int rCode, long responseLength) throws IOException {
        if (sent) {
            throw new IOException("headers already sent");
        }
        sent = true;
        code = rCode;
        response.status(rCode);
        for (Map.Entry<String, List<String>> e : responseHeaders.entrySet()) {
            String name = e.getKey();
            if (name.equalsIgnoreCase("Content-Length") || name.equalsIgnoreCase("Transfer-Encoding")
                    || name.equalsIgnoreCase("Date")) {
                continue;
            }
            for (String v : e.getValue()) {
                response.addHeader(name, v);
            }
        }
        if (request.method().equals("HEAD") || rCode == 304) {
            // The JDK's rule: no body, and the length is the Content-Length the handler set in
            // the headers, if any (a HEAD's length is the GET's; the argument is ignored).
            long declared = declaredLength();
            if (declared >= 0) {
                response.contentLength(declared);
            }
            complete();
        } else if (rCode < 200 || rCode == 204) {
            complete();
        } else if (responseLength > 0) {
            response.contentLength(responseLength);
        } else if (responseLength < 0) {
            response.contentLength(0); // -1: no body
            complete();
        }
        response.outputStream().write(new byte[0]); // commit the head (sent with the next flush)
    }

    private long declaredLength() {
        String v = responseHeaders.getFirst("Content-Length");
        if (v != null) {
            try {
                long n = Long.parseLong(v.strip());
                if (n >= 0) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // not a length: sent without one, the body is empty anyway
            }
        }
        return -1;
    }

    private void complete() {
        if (!writeFinished) {
            writeFinished = true;
            completedAt = System.nanoTime();
        }
    }

    /** Whether the response is complete: sent without a body, or its stream closed (the JDK's "write finished"). */
    boolean writeFinished() {
        return writeFinished;
    }

    @Override
    public InetSocketAddress getRemoteAddress() {
        return request.remoteAddress();
    }

    @Override
    public int getResponseCode() {
        return code;
    }

    @Override
    public InetSocketAddress getLocalAddress() {
        return request.localAddress();
    }

    @Override
    public String getProtocol() {
        return request.version();
    }

    @Override
    public Object getAttribute(String name) {
        return attributes.get(name);
    }

    @Override
    public void setAttribute(String name, Object value) {
        if (value == null) {
            attributes.remove(name);
        } else {
            attributes.put(name, value);
        }
    }

    @Override
    public void setStreams(InputStream i, OutputStream o) {
        if (i != null) {
            in = i;
        }
        if (o != null) {
            out = o;
        }
    }

    @Override
    public HttpPrincipal getPrincipal() {
        return principal;
    }

    void principal(HttpPrincipal p) {
        principal = p;
    }

    @Override
    public SSLSession getSSLSession() {
        return request.sslSession().orElse(null); // null on a plain connection
    }

    /** After the handler chain: a handler that returned without sending headers gets a 500 with no body. */
    void finish() {
        if (!sent && !aborted) {
            try {
                sendResponseHeaders(500, -1);
            } catch (IOException e) {
                // ignore: the connection is closed by the server
            }
        }
    }
}
