package io.gevent4j.web;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A request the application refuses with a status and a precise reason: a malformed form,
 * cookie or multipart body (400), a body too large (413), an unsupported media type (415), no
 * route (404), a method the path does not allow (405, with {@code Allow}).
 *
 * <p>Who may throw it: any handler or filter, in the request's greenlet. A {@link Router}
 * answers it with its status, its headers and its message as a {@code text/plain} body, unless
 * an {@link Router#exception exception handler} maps it; a plain {@code HttpHandler} outside a
 * router that lets it escape gets the server's 500.
 *
 * {@snippet :
 * router.get("/items/{id}", (request, response) -> {
 *     String id = PathParams.of(request).get("id");
 *     if (!id.chars().allMatch(Character::isDigit)) {
 *         throw new HttpException(400, "item id must be digits: " + id);
 *     }
 *     response.send(200, "item " + id);
 * });
 * }
 */
public class HttpException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final Map<String, String> headers;

    /**
     * A refusal with {@code status} (400 to 599) and {@code message}, sent as the body.
     *
     * @param status the HTTP status, 400 to 599
     * @param message why, in words a client developer can act on
     * @throws IllegalArgumentException if {@code status} is not an error status
     */
    public HttpException(int status, String message) {
        this(status, message, Map.of(), null);
    }

    /**
     * A refusal with a cause (e.g. the codec's parse error).
     *
     * @param status the HTTP status, 400 to 599
     * @param message why
     * @param cause the underlying error
     * @throws IllegalArgumentException if {@code status} is not an error status
     */
    public HttpException(int status, String message, Throwable cause) {
        this(status, message, Map.of(), cause);
    }

    /**
     * A refusal that also sets response headers (e.g. {@code Allow} on a 405).
     *
     * @param status the HTTP status, 400 to 599
     * @param message why
     * @param headers header fields to set on the response, in order
     * @param cause the underlying error, or null
     * @throws IllegalArgumentException if {@code status} is not an error status
     */
    public HttpException(int status, String message, Map<String, String> headers, Throwable cause) {
        super(Objects.requireNonNull(message, "message"), cause);
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("not an error status: " + status);
        }
        this.status = status;
        this.headers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(headers));
    }

    /**
     * The status to answer.
     *
     * @return 400 to 599
     */
    public int status() {
        return status;
    }

    /**
     * Header fields to set on the response.
     *
     * @return an unmodifiable map, in insertion order
     */
    public Map<String, String> headers() {
        return headers;
    }
}
