package io.gevent4j.http;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads every request of a byte array the way the server's connection loop does (head, body,
 * keep-alive decision) and records the outcome, for tests on byte arrays.
 */
final class RequestFraming {
    enum End { EOF, CUT_SHORT, ERROR, CLOSED_BY_REQUEST }

    final List<RequestHead> heads = new ArrayList<>();
    final List<byte[]> bodies = new ArrayList<>();
    End end;
    HttpError error;

    static RequestFraming read(byte[] data) {
        return read(data, new RequestParser(8192, 16384, 100));
    }

    static RequestFraming read(byte[] data, RequestParser parser) {
        return read(HttpInput.of(data), parser);
    }

    /** Reads from {@code source}, which may deliver the bytes in any pieces (split-invariance tests). */
    static RequestFraming read(HttpInput.Source source, RequestParser parser) {
        RequestFraming f = new RequestFraming();
        HttpInput in = new HttpInput(source, 64, 64 * 1024);
        try {
            for (;;) {
                RequestHead h = parser.parse(in);
                if (h == null) {
                    f.end = End.EOF;
                    return f;
                }
                InputStream body = Http1Connection.bodyOf(h, in, 16384, Long.MAX_VALUE);
                byte[] bytes = body.readAllBytes();
                f.heads.add(h);
                f.bodies.add(bytes);
                if (!h.keepAlive) {
                    f.end = End.CLOSED_BY_REQUEST;
                    return f;
                }
            }
        } catch (HttpError e) {
            f.end = End.ERROR;
            f.error = e;
        } catch (EOFException e) {
            f.end = End.CUT_SHORT;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return f;
    }

    int completed() {
        return heads.size();
    }
}
