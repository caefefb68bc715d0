package io.gevent4j.http;

import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Strict RFC 9112 request-head parser on an {@link HttpInput}: request line, header fields,
 * then the framing (Content-Length / chunked) and the smuggling checks. Refusals are
 * {@link HttpError}s with their status: 414 request line too long, 431 header section too large
 * or too many fields, 400 malformed (bare LF, CR without LF, obs-fold, whitespace before a
 * colon, bad tokens, bad targets, bad Content-Length, Content-Length with Transfer-Encoding, a
 * Transfer-Encoding that does not end in chunked, a missing Host in HTTP/1.1, a repeated or
 * invalid Host; an absolute-form target's authority replaces Host, RFC 9112 §3.2.2),
 * 501 for transfer codings other than chunked and for CONNECT, 505 for a major version other
 * than 1, 417 for an Expect other than 100-continue.
 *
 * <p>Implementation overview: the head is scanned line by line as bytes arrive, nothing is
 * consumed until the whole head is valid, so a refill may move the buffer (offsets are kept
 * relative to {@code in.pos}). Each byte is looked at once per line scan; a head that arrives in
 * one read is parsed in one pass without copying beyond the strings handed to the application.
 * Size limits are checked before anything else on a line, and an unfinished line may hold one
 * byte more than a finished one (its CR): the answer never depends on how TCP split the bytes.
 */
final class RequestParser {
    private static final boolean[] TCHAR = new boolean[256];
    private static final boolean[] TARGET = new boolean[256];

    static {
        for (int c = '0'; c <= '9'; c++) {
            TCHAR[c] = TARGET[c] = true;
        }
        for (int c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = TARGET[c] = true;
            TCHAR[c - 32] = TARGET[c - 32] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
        for (char c : "-._~:/?[]@!$&'()*+,;=%".toCharArray()) {
            TARGET[c] = true;
        }
    }

    final int maxRequestLine;
    final int maxHeaderBytes;
    final int maxHeaders;
    /** The head being parsed (or last parsed): lets a refusal of a HEAD request go without a body. */
    private RequestHead parsing;
    /** False only for the JDK-API provider, which accepts HTTP/1.1 without Host as the JDK's server does. */
    boolean requireHost = true;

    RequestParser(int maxRequestLine, int maxHeaderBytes, int maxHeaders) {
        this.maxRequestLine = maxRequestLine;
        this.maxHeaderBytes = maxHeaderBytes;
        this.maxHeaders = maxHeaders;
    }

    /** Forgets the last head (the connection is idle: it holds no request state). */
    void clear() {
        parsing = null;
    }

    /** Whether any byte of a request has arrived (used to tell an idle connection from a slow head). */
    static boolean started(HttpInput in) {
        return in.available() > 0;
    }

    /**
     * Parses the next request head and consumes it. Returns null on end of stream before any
     * byte of a request (empty lines before a request are skipped, RFC 9112 §2.2). End of stream
     * inside a head is an {@link EOFException}.
     */
    RequestHead parse(HttpInput in) throws IOException {
        parsing = null;
        // Skip empty lines before the request line.
        for (;;) {
            if (in.available() < 2) {
                if (in.available() == 1 && in.buf[in.pos] != '\r') {
                    break;
                }
                in.resetIfEmpty();
                if (!in.fill()) {
                    if (in.available() == 0) {
                        return null;
                    }
                    throw new EOFException("connection closed inside a request line");
                }
                continue;
            }
            if (in.buf[in.pos] == '\r' && in.buf[in.pos + 1] == '\n') {
                in.pos += 2;
            } else if (in.buf[in.pos] == '\n') {
                throw new HttpError(400, "bare LF before the request line");
            } else {
                break;
            }
        }
        RequestHead h = new RequestHead();
        parsing = h;
        int lineStart = 0; // relative to in.pos
        int scan = 0;
        boolean requestLine = true;
        int headersStart = 0;
        for (;;) {
            int nl = -1;
            byte[] b = in.buf;
            int base = in.pos;
            for (int i = base + scan; i < in.lim; i++) {
                if (b[i] == '\n') {
                    nl = i;
                    break;
                }
            }
            if (nl < 0) {
                scan = in.available();
                // Limits on an unfinished line allow one byte more than on a finished one: the CR
                // of a line of exactly the limit may have arrived without its LF. So the answer
                // does not depend on where TCP split the bytes.
                if (requestLine && scan - lineStart > maxRequestLine + 1) {
                    throw new HttpError(414, "request line longer than " + maxRequestLine + " bytes");
                }
                if (!requestLine && scan - headersStart > maxHeaderBytes + 1) {
                    throw new HttpError(431, "header section larger than " + maxHeaderBytes + " bytes");
                }
                if (!in.fill()) {
                    throw new EOFException("connection closed inside a request head");
                }
                continue;
            }
            int start = base + lineStart;
            // Size limits first, as on an unfinished line, so that a split cannot change the answer.
            if (requestLine && nl - start > maxRequestLine + 1) {
                throw new HttpError(414, "request line longer than " + maxRequestLine + " bytes");
            }
            if (!requestLine && nl + 1 - base - headersStart > maxHeaderBytes && nl - 1 > start) {
                throw new HttpError(431, "header section larger than " + maxHeaderBytes + " bytes");
            }
            if (nl == start || b[nl - 1] != '\r') {
                throw new HttpError(400, "bare LF as a line end");
            }
            int end = nl - 1; // the CR
            if (requestLine) {
                requestLine(h, b, start, end);
                requestLine = false;
                headersStart = nl + 1 - base;
            } else if (end == start) {
                in.pos = nl + 1;
                finish(h, requireHost);
                return h;
            } else {
                if (h.headers.size() >= maxHeaders) {
                    throw new HttpError(431, "more than " + maxHeaders + " header fields");
                }
                field(h.headers, b, start, end);
            }
            lineStart = scan = nl + 1 - base;
        }
    }

    private static void requestLine(RequestHead h, byte[] b, int start, int end) throws HttpError {
        int sp1 = start;
        while (sp1 < end && TCHAR[b[sp1] & 0xff]) {
            sp1++;
        }
        if (sp1 == start || sp1 >= end || b[sp1] != ' ') {
            throw new HttpError(400, "malformed method in the request line");
        }
        h.method = new String(b, start, sp1 - start, StandardCharsets.US_ASCII); // known early: a HEAD's refusal has no body
        int t = sp1 + 1;
        int sp2 = t;
        while (sp2 < end && b[sp2] != ' ') {
            byte c = b[sp2];
            if (!TARGET[c & 0xff]) {
                throw new HttpError(400, "invalid character 0x" + Integer.toHexString(c & 0xff) + " in the request target");
            }
            if (c == '%' && (sp2 + 2 >= end || !isHex(b[sp2 + 1]) || !isHex(b[sp2 + 2]))) {
                throw new HttpError(400, "bad percent-encoding in the request target");
            }
            sp2++;
        }
        if (sp2 == t || sp2 >= end) {
            throw new HttpError(400, "malformed request line (expected: method SP target SP HTTP-version)");
        }
        int v = sp2 + 1;
        if (end - v != 8 || b[v] != 'H' || b[v + 1] != 'T' || b[v + 2] != 'T' || b[v + 3] != 'P' || b[v + 4] != '/'
                || !isDigit(b[v + 5]) || b[v + 6] != '.' || !isDigit(b[v + 7])) {
            throw new HttpError(400, "malformed HTTP version in the request line");
        }
        if (b[v + 5] != '1') {
            throw new HttpError(505, "HTTP version " + (char) b[v + 5] + "." + (char) b[v + 7] + " not supported");
        }
        h.minor = b[v + 7] == '0' ? 0 : 1;
        h.target = new String(b, t, sp2 - t, StandardCharsets.US_ASCII);
        checkTarget(h);
    }

    private static void checkTarget(RequestHead h) throws HttpError {
        String target = h.target;
        if (h.method.equals("CONNECT")) {
            throw new HttpError(501, "CONNECT is not supported by this server");
        }
        char c0 = target.charAt(0);
        if (c0 == '/') {
            return;
        }
        if (target.equals("*")) {
            if (!h.method.equals("OPTIONS")) {
                throw new HttpError(400, "asterisk-form target with " + h.method);
            }
            return;
        }
        int scheme = target.indexOf("://");
        if (scheme > 0 && Character.isLetter(c0)) {
            for (int i = 0; i < scheme; i++) {
                char c = target.charAt(i);
                if (!(Character.isLetterOrDigit(c) || c == '+' || c == '-' || c == '.')) {
                    throw new HttpError(400, "bad scheme in the absolute-form target");
                }
            }
            int authEnd = target.length();
            for (int i = scheme + 3; i < target.length(); i++) {
                char c = target.charAt(i);
                if (c == '/' || c == '?') {
                    authEnd = i;
                    break;
                }
            }
            String authority = target.substring(scheme + 3, authEnd);
            if (authority.isEmpty() || authority.indexOf('@') >= 0) {
                throw new HttpError(400, "absolute-form target without a host, or with user info");
            }
            if (!isValidHost(authority)) {
                throw new HttpError(400, "invalid authority in the absolute-form target");
            }
            h.authority = authority;
            return;
        }
        throw new HttpError(400, "request target in no valid form");
    }

    private static void field(HttpHeaders headers, byte[] b, int start, int end) throws HttpError {
        byte first = b[start];
        if (first == ' ' || first == '\t') {
            throw new HttpError(400, "obsolete line folding or whitespace before a header field");
        }
        int colon = start;
        while (colon < end && TCHAR[b[colon] & 0xff]) {
            colon++;
        }
        if (colon == start || colon >= end || b[colon] != ':') {
            throw new HttpError(400, "malformed header field name");
        }
        int vs = colon + 1;
        int ve = end;
        while (vs < ve && (b[vs] == ' ' || b[vs] == '\t')) {
            vs++;
        }
        while (ve > vs && (b[ve - 1] == ' ' || b[ve - 1] == '\t')) {
            ve--;
        }
        for (int i = vs; i < ve; i++) {
            int c = b[i] & 0xff;
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                throw new HttpError(400, "invalid character 0x" + Integer.toHexString(c) + " in a header field value");
            }
        }
        headers.add(new String(b, start, colon - start, StandardCharsets.US_ASCII),
                new String(b, vs, ve - vs, StandardCharsets.ISO_8859_1));
    }

    /** Framing and smuggling checks once the head is complete. */
    private static void finish(RequestHead h, boolean requireHost) throws HttpError {
        HttpHeaders hs = h.headers;
        int hosts = hs.count("Host");
        if (hosts > 1) {
            throw new HttpError(400, "more than one Host field");
        }
        if (hosts == 0) {
            if (requireHost) {
                refuseMissingHost(h);
            }
        } else if (!isValidHost(hs.first("Host").orElseThrow())) {
            throw new HttpError(400, "invalid Host field value");
        }
        if (h.authority != null) {
            hs.set("Host", h.authority); // RFC 9112 §3.2.2: the absolute-form target's authority wins
        }
        int te = hs.count("Transfer-Encoding");
        int cl = hs.count("Content-Length");
        if (te > 0) {
            if (cl > 0) {
                throw new HttpError(400, "both Transfer-Encoding and Content-Length");
            }
            if (h.minor == 0) {
                throw new HttpError(400, "Transfer-Encoding in an HTTP/1.0 request");
            }
            boolean other = false;
            boolean chunked = false;
            for (String v : hs.all("Transfer-Encoding")) {
                for (String coding : v.split(",", -1)) {
                    String c = coding.strip().toLowerCase(Locale.ROOT);
                    if (chunked) {
                        throw new HttpError(400, "a transfer coding after chunked");
                    }
                    if (c.isEmpty() || !isToken(c)) {
                        throw new HttpError(400, "malformed Transfer-Encoding");
                    }
                    if (c.equals("chunked")) {
                        chunked = true;
                    } else {
                        other = true;
                    }
                }
            }
            if (!chunked) {
                throw new HttpError(400, "Transfer-Encoding of a request must end with chunked");
            }
            if (other) {
                throw new HttpError(501, "transfer codings other than chunked are not supported");
            }
            h.chunked = true;
        } else if (cl > 0) {
            if (cl > 1) {
                throw new HttpError(400, "more than one Content-Length field");
            }
            String v = hs.first("Content-Length").orElseThrow();
            if (v.isEmpty() || v.length() > 18) {
                throw new HttpError(400, v.isEmpty() ? "empty Content-Length" : "Content-Length too large");
            }
            long n = 0;
            for (int i = 0; i < v.length(); i++) {
                char c = v.charAt(i);
                if (c < '0' || c > '9') {
                    throw new HttpError(400, "malformed Content-Length");
                }
                n = n * 10 + (c - '0');
            }
            h.contentLength = n;
        }
        boolean close = hs.hasToken("Connection", "close");
        h.keepAlive = h.minor == 1 ? !close : !close && hs.hasToken("Connection", "keep-alive");
        if (h.minor == 1) {
            for (String e : hs.all("Expect")) {
                if (e.equalsIgnoreCase("100-continue")) {
                    h.expectContinue = true;
                } else {
                    throw new HttpError(417, "unsupported expectation: " + e);
                }
            }
        }
    }

    /**
     * The one place that decides what a request without a Host field gets: a 400 for HTTP/1.1
     * (RFC 9112 §3.2), nothing for HTTP/1.0.
     */
    static void refuseMissingHost(RequestHead h) throws HttpError {
        if (h.minor == 1) {
            throw new HttpError(400, "HTTP/1.1 request without a Host field");
        }
    }

    /**
     * Whether {@code v} is a valid Host value (RFC 9110 §7.2, RFC 3986 §3.2.2): empty, or
     * {@code uri-host [ ":" port ]} where uri-host is an IP literal in brackets, or a reg-name
     * (unreserved, percent-encoded and sub-delims characters; an IPv4 address is one too).
     */
    static boolean isValidHost(String v) {
        int n = v.length();
        int i = 0;
        if (n > 0 && v.charAt(0) == '[') {
            int close = v.indexOf(']');
            if (close < 2) {
                return false;
            }
            for (int j = 1; j < close; j++) {
                char c = v.charAt(j);
                if (!(isHexChar(c) || c == ':' || c == '.' || c == 'v' || c == 'V' || isUnreservedOrSubDelim(c))) {
                    return false;
                }
            }
            i = close + 1;
        } else {
            while (i < n && v.charAt(i) != ':') {
                char c = v.charAt(i);
                if (c == '%') {
                    if (i + 2 >= n || !isHexChar(v.charAt(i + 1)) || !isHexChar(v.charAt(i + 2))) {
                        return false;
                    }
                    i += 3;
                    continue;
                }
                if (!isUnreservedOrSubDelim(c)) {
                    return false;
                }
                i++;
            }
        }
        if (i == n) {
            return true;
        }
        if (v.charAt(i) != ':' || n - i - 1 > 5) {
            return false;
        }
        for (int j = i + 1; j < n; j++) {
            char c = v.charAt(j);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static boolean isHexChar(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    private static boolean isUnreservedOrSubDelim(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "-._~!$&'()*+,;=".indexOf(c) >= 0;
    }

    /** Whether the head being parsed (or last parsed) is a HEAD request, as far as it was read. */
    boolean isHead() {
        return parsing != null && "HEAD".equals(parsing.method);
    }

    private static boolean isToken(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c > 255 || !TCHAR[c]) {
                return false;
            }
        }
        return true;
    }

    static boolean isDigit(byte c) {
        return c >= '0' && c <= '9';
    }

    static boolean isHex(byte c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    static boolean isTchar(byte c) {
        return TCHAR[c & 0xff];
    }
}
