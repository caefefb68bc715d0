package io.gevent4j.web;

import io.gevent4j.http.HttpResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;

/**
 * A Server-Sent Events stream ({@code text/event-stream}, the HTML standard's EventSource
 * protocol) on one HTTP response: each {@link #send} writes one event and flushes it to the
 * client at once (chunked framing); {@link #heartbeat()} writes a comment line that keeps
 * proxies from timing the stream out.
 *
 * <p>Who may call it: the handler's greenlet only (like its {@link HttpResponse}). Each call
 * parks the greenlet until the event is written, at most the server's write time-out.
 *
 * <p>Disconnects: a client that has gone is seen on the next call, as a
 * {@link SocketException} ("the client closed the event stream"): before each write the stream
 * checks whether the client closed its side ({@link HttpResponse#clientClosed()}), so a handler
 * that waits for events and writes them stops at its next write, never writing into the void.
 *
 * {@snippet :
 * HttpHandler feed = (request, response) -> {
 *     EventStream events = EventStream.open(response);
 *     for (;;) {
 *         Optional<String> next = queue.poll(Duration.ofSeconds(15));
 *         if (next.isPresent()) {
 *             events.send(next.get());
 *         } else {
 *             events.heartbeat(); // throws once the client has gone
 *         }
 *     }
 * };
 * }
 */
public final class EventStream implements AutoCloseable {
    private final HttpResponse response;
    private final OutputStream out;
    private boolean closed;

    private EventStream(HttpResponse response) {
        this.response = response;
        this.out = response.outputStream();
    }

    /**
     * Starts the stream: sets {@code Content-Type: text/event-stream}, {@code Cache-Control:
     * no-cache} and {@code X-Accel-Buffering: no} (unless set), and sends the head now.
     *
     * @param response an uncommitted response
     * @return the stream
     * @throws IOException if the head could not be sent
     * @throws IllegalStateException if the response has started
     */
    public static EventStream open(HttpResponse response) throws IOException {
        if (response.isCommitted()) {
            throw new IllegalStateException("the response has already started");
        }
        response.header("Content-Type", "text/event-stream; charset=utf-8");
        if (!response.headers().contains("Cache-Control")) {
            response.header("Cache-Control", "no-cache");
        }
        if (!response.headers().contains("X-Accel-Buffering")) {
            response.header("X-Accel-Buffering", "no"); // nginx: do not buffer the stream
        }
        EventStream s = new EventStream(response);
        response.flush();
        return s;
    }

    /**
     * Sends an event with only data (the client's {@code message} event).
     *
     * @param data the data; each line becomes a {@code data:} line
     * @return this stream
     * @throws IOException if the client has gone ({@link SocketException}) or the write failed
     */
    public EventStream send(String data) throws IOException {
        return event(null, null, data);
    }

    /**
     * Sends an event of type {@code event} ({@code event:}; the client's listener of that name).
     *
     * @param event the event type, one line
     * @param data the data; each line becomes a {@code data:} line
     * @return this stream
     * @throws IOException if the client has gone ({@link SocketException}) or the write failed
     */
    public EventStream send(String event, String data) throws IOException {
        return event(Objects.requireNonNull(event, "event"), null, data);
    }

    /**
     * Sends an event with a type, an id and data.
     *
     * @param event the event type ({@code event:}), one line
     * @param id the event id ({@code id:}, sent back by a reconnecting client as {@code
     *     Last-Event-ID}), one line
     * @param data the data; each line becomes a {@code data:} line
     * @return this stream
     * @throws IOException if the client has gone ({@link SocketException}) or the write failed
     * @throws IllegalArgumentException if {@code event} or {@code id} contains a line break, or
     *     {@code id} a NUL
     */
    public EventStream send(String event, String id, String data) throws IOException {
        return event(Objects.requireNonNull(event, "event"), Objects.requireNonNull(id, "id"), data);
    }

    private EventStream event(String event, String id, String data) throws IOException {
        Objects.requireNonNull(data, "data");
        StringBuilder b = new StringBuilder(data.length() + 32);
        if (event != null) {
            b.append("event: ").append(field("event", event)).append('\n');
        }
        if (id != null) {
            if (id.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("an event id cannot contain NUL");
            }
            b.append("id: ").append(field("id", id)).append('\n');
        }
        for (String line : data.split("\r\n|\r|\n", -1)) {
            b.append("data: ").append(line).append('\n');
        }
        return write(b.append('\n'));
    }

    /**
     * Tells the client how long to wait before reconnecting ({@code retry:}).
     *
     * @param delay the reconnection delay, whole milliseconds
     * @return this stream
     * @throws IOException if the client has gone or the write failed
     */
    public EventStream retry(Duration delay) throws IOException {
        if (delay.isNegative()) {
            throw new IllegalArgumentException("negative retry delay: " + delay);
        }
        return write(new StringBuilder("retry: ").append(delay.toMillis()).append("\n\n"));
    }

    /**
     * Writes a comment line ({@code :}): ignored by clients, it keeps idle connections open
     * through proxies and finds clients that have gone.
     *
     * @return this stream
     * @throws IOException if the client has gone ({@link SocketException}) or the write failed
     */
    public EventStream heartbeat() throws IOException {
        return write(new StringBuilder(":\n\n"));
    }

    /**
     * Writes a comment line with {@code text}.
     *
     * @param text the comment, one line
     * @return this stream
     * @throws IOException if the client has gone or the write failed
     */
    public EventStream comment(String text) throws IOException {
        return write(new StringBuilder(": ").append(field("comment", text)).append("\n\n"));
    }

    /**
     * Ends the stream (the chunked body's end); the client sees the stream end and may reconnect.
     *
     * @throws IOException if the write failed
     */
    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            out.close();
        }
    }

    private EventStream write(CharSequence text) throws IOException {
        if (closed) {
            throw new IllegalStateException("the event stream is closed");
        }
        if (response.clientClosed()) {
            throw new SocketException("the client closed the event stream");
        }
        out.write(text.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
        return this;
    }

    private static String field(String what, String v) {
        if (v.indexOf('\n') >= 0 || v.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("an event " + what + " cannot contain a line break");
        }
        return v;
    }
}
