package io.gevent4j.http;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

/**
 * A chunked request body (RFC 9112 §7.1), decoded strictly: chunk-size is hex digits,
 * extensions are {@code ;name[=token|quoted-string]} with optional whitespace (BWS, §7.1.1)
 * before and after the {@code ;} and the {@code =} but not at the end of the line (so
 * {@code "a \r\n"} is refused, as llhttp does), a chunk-size line is at most 4 KiB, every
 * chunk's data ends in CRLF, and trailer fields follow header-field syntax. Anything else is a
 * 400 ({@link HttpError}); end of stream inside the body is an {@link EOFException}. A chunk
 * that would take the body past {@code maxBodyBytes} is a 413 before any of its data is read:
 * the limit holds for chunked bodies as it does for a Content-Length.
 */
final class ChunkedInput extends InputStream {
    private static final int MAX_LINE = 4096;
    private final HttpInput in;
    private final int maxTrailerBytes;
    private final long maxBodyBytes;
    private long total; // chunk sizes announced so far
    private long left; // of the current chunk
    private boolean needCrlf;
    private boolean done;
    private final HttpHeaders trailers = new HttpHeaders();

    ChunkedInput(HttpInput in, int maxTrailerBytes, long maxBodyBytes) {
        this.in = in;
        this.maxTrailerBytes = maxTrailerBytes;
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0; // at once: parsing the next chunk line here could wait for bytes not needed (readNBytes ends so)
        }
        if (done) {
            return -1;
        }
        if (left == 0) {
            nextChunk();
            if (done) {
                return -1;
            }
        }
        int n = in.read(b, off, (int) Math.min(len, left));
        if (n < 0) {
            throw new EOFException("connection closed inside a chunk of the request body");
        }
        left -= n;
        if (left == 0) {
            needCrlf = true;
        }
        return n;
    }

    private void nextChunk() throws IOException {
        if (needCrlf) {
            while (in.available() < 2) {
                if (!in.fill()) {
                    throw new EOFException("connection closed after a chunk's data");
                }
            }
            if (in.buf[in.pos] != '\r' || in.buf[in.pos + 1] != '\n') {
                throw new HttpError(400, "chunk data not followed by CRLF");
            }
            in.pos += 2;
            needCrlf = false;
        }
        int start = in.pos;
        int end = in.lineEnd(MAX_LINE, "a chunk-size line", 400);
        start = in.pos; // lineEnd may have compacted the buffer
        byte[] b = in.buf;
        int i = start;
        long size = 0;
        while (i < end && RequestParser.isHex(b[i])) {
            if (i - start >= 15) {
                throw new HttpError(400, "chunk size too large");
            }
            size = size * 16 + Character.digit(b[i], 16);
            i++;
        }
        if (i == start) {
            throw new HttpError(400, "missing or malformed chunk size");
        }
        while (i < end) {
            i = skipBws(b, i, end);
            if (i == end) {
                throw new HttpError(400, "whitespace at the end of a chunk-size line");
            }
            if (b[i] != ';') {
                throw new HttpError(400, "invalid character after the chunk size");
            }
            i = skipBws(b, i + 1, end);
            int ns = i;
            while (i < end && RequestParser.isTchar(b[i])) {
                i++;
            }
            if (i == ns) {
                throw new HttpError(400, "empty chunk extension name");
            }
            int afterName = i;
            i = skipBws(b, i, end);
            if (i < end && b[i] == '=') {
                i = skipBws(b, i + 1, end);
                if (i < end && b[i] == '"') {
                    i++;
                    boolean closed = false;
                    while (i < end) {
                        byte c = b[i];
                        if (c == '\\') {
                            if (i + 1 >= end) {
                                break;
                            }
                            i += 2;
                        } else if (c == '"') {
                            i++;
                            closed = true;
                            break;
                        } else if ((c & 0xff) < 0x20 && c != '\t' || c == 0x7f) {
                            break;
                        } else {
                            i++;
                        }
                    }
                    if (!closed) {
                        throw new HttpError(400, "unterminated quoted chunk extension value");
                    }
                } else {
                    int vs = i;
                    while (i < end && RequestParser.isTchar(b[i])) {
                        i++;
                    }
                    if (i == vs) {
                        throw new HttpError(400, "empty chunk extension value");
                    }
                }
            } else {
                i = afterName; // whitespace not followed by '=': judged at the top of the loop
            }
        }
        in.consumeLine(end);
        if (size > maxBodyBytes - total) {
            throw new HttpError(413, "request body larger than " + maxBodyBytes + " bytes");
        }
        total += size;
        if (size == 0) {
            readTrailers();
            done = true;
        } else {
            left = size;
        }
    }

    private static int skipBws(byte[] b, int i, int end) {
        while (i < end && (b[i] == ' ' || b[i] == '\t')) {
            i++;
        }
        return i;
    }

    private void readTrailers() throws IOException {
        int total = 0;
        for (;;) {
            int end = in.lineEnd(maxTrailerBytes, "the trailer section", 431);
            int start = in.pos;
            if (end == start) {
                in.consumeLine(end);
                return;
            }
            total += end - start + 2;
            if (total > maxTrailerBytes) {
                throw new HttpError(431, "trailer section too large");
            }
            // Same syntax as a header field: reuse a tiny head parse on the line.
            byte first = in.buf[start];
            if (first == ' ' || first == '\t') {
                throw new HttpError(400, "obsolete line folding in the trailer section");
            }
            int colon = start;
            while (colon < end && RequestParser.isTchar(in.buf[colon])) {
                colon++;
            }
            if (colon == start || colon >= end || in.buf[colon] != ':') {
                throw new HttpError(400, "malformed trailer field");
            }
            for (int i = colon + 1; i < end; i++) {
                int c = in.buf[i] & 0xff;
                if ((c < 0x20 && c != '\t') || c == 0x7f) {
                    throw new HttpError(400, "invalid character in a trailer field");
                }
            }
            trailers.add(new String(in.buf, start, colon - start, java.nio.charset.StandardCharsets.US_ASCII),
                    new String(in.buf, colon + 1, end - colon - 1, java.nio.charset.StandardCharsets.ISO_8859_1).strip());
            in.consumeLine(end);
        }
    }

    @Override
    public int available() {
        return done ? 0 : (int) Math.min(left, in.available());
    }

    boolean finished() {
        return done;
    }

    HttpHeaders trailers() {
        return trailers;
    }
}
