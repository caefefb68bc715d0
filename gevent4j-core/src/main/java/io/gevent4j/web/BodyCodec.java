package io.gevent4j.web;

import io.gevent4j.http.HttpRequest;
import io.gevent4j.http.HttpResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Turns request bodies into objects and objects into response bodies, for one media type
 * (JSON, typically): the seam through which an application brings its own library. The core
 * has no JSON dependency; the module {@code gevent4j-jackson} binds Jackson
 * ({@code JacksonCodec}), and any other library takes a dozen lines.
 *
 * <p>Who may call it: the request's greenlet. {@link #read} parks while the body arrives (each
 * read bounded by the server's body time-out, the whole body by {@link #maxBodyBytes()}); an
 * implementation must be thread-safe (one codec serves every hub) and must not block other
 * than on the stream it is given.
 *
 * {@snippet :
 * BodyCodec json = new JacksonCodec(new ObjectMapper());
 * router.post("/orders", (request, response) -> {
 *     Order order = json.read(request, Order.class);   // 415, 413 or 400 with the reason
 *     json.send(response, 201, orders.add(order));
 * });
 * }
 */
public interface BodyCodec {
    /**
     * The media type this codec reads and writes.
     *
     * @return e.g. {@code application/json}
     */
    String mediaType();

    /**
     * Decodes one value of {@code type} from {@code in} (the whole stream).
     *
     * @param <T> the value's type
     * @param in the body, already bounded by {@link #maxBodyBytes()}
     * @param type the class to decode
     * @return the value
     * @throws HttpException 400 if the input is malformed or does not fit {@code type} (say where)
     * @throws IOException if reading fails
     */
    <T> T decode(InputStream in, Class<T> type) throws IOException;

    /**
     * Encodes {@code value} to {@code out}.
     *
     * @param value the value
     * @param out where to write; not closed
     * @throws IOException if writing fails, or the value cannot be encoded
     */
    void encode(Object value, OutputStream out) throws IOException;

    /**
     * The largest body {@link #read} accepts (default 1 MiB).
     *
     * @return a byte count
     */
    default long maxBodyBytes() {
        return 1L << 20;
    }

    /**
     * Reads the request's body as one value: checks that its {@code Content-Type} is
     * {@link #mediaType()} (415 otherwise; parameters such as {@code charset} are left to the
     * codec), that it is at most {@link #maxBodyBytes()} (413), then {@link #decode}s it.
     *
     * @param <T> the value's type
     * @param request the request
     * @param type the class to decode
     * @return the value
     * @throws HttpException 415, 413 or 400 with the reason
     * @throws IOException if reading the body fails
     */
    default <T> T read(HttpRequest request, Class<T> type) throws IOException {
        String contentType = request.header("Content-Type").orElse("");
        String essence = MediaType.essence(contentType);
        if (!essence.equals(mediaType())) {
            throw new HttpException(415, "expected Content-Type " + mediaType() + ", got "
                    + (contentType.isEmpty() ? "none" : contentType));
        }
        long max = maxBodyBytes();
        if (request.contentLength().orElse(0L) > max) {
            throw new HttpException(413, "body of " + request.contentLength().get() + " bytes is larger than the "
                    + max + "-byte limit");
        }
        byte[] body = Form.readAtMost(request.body(), max, "the body");
        return decode(new java.io.ByteArrayInputStream(body), type);
    }

    /**
     * Sends {@code value} as the whole response body with {@code status} and
     * {@code Content-Type: }{@link #mediaType()}.
     *
     * @param response a response that has not started
     * @param status the status
     * @param value the value
     * @throws IOException if encoding or sending fails
     */
    default void send(HttpResponse response, int status, Object value) throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(256);
        encode(value, buffer);
        response.header("Content-Type", mediaType());
        response.send(status, buffer.toByteArray());
    }
}
