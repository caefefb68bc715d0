package io.gevent4j.jackson;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.gevent4j.web.BodyCodec;
import io.gevent4j.web.HttpException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Objects;

/**
 * JSON bodies with Jackson: a {@link BodyCodec} for {@code application/json} over an
 * {@link ObjectMapper} the application configures (modules, naming, features).
 *
 * <p>Who may call it: any greenlet on any hub; it is immutable and thread-safe (Jackson's
 * readers and writers are). Reading a body parks the greenlet while the body arrives (see
 * {@link BodyCodec#read}); decoding and encoding are CPU work on the greenlet. Malformed JSON,
 * or JSON that does not fit the target type, is a 400 {@link HttpException} that gives Jackson's
 * reason and the line and column.
 *
 * {@snippet :
 * BodyCodec json = new JacksonCodec(new ObjectMapper());
 * Router router = new Router()
 *         .get("/users/{id}", (request, response) ->
 *                 json.send(response, 200, users.find(PathParams.of(request).get("id"))))
 *         .post("/users", (request, response) ->
 *                 json.send(response, 201, users.add(json.read(request, User.class))));
 * }
 */
public final class JacksonCodec implements BodyCodec {
    private final ObjectMapper mapper;
    private final ObjectWriter writer;
    private final long maxBodyBytes;

    /**
     * A codec over {@code mapper}, reading bodies of at most 1 MiB.
     *
     * @param mapper the configured mapper; not changed by this codec
     */
    public JacksonCodec(ObjectMapper mapper) {
        this(mapper, 1L << 20);
    }

    /**
     * A codec over {@code mapper} reading bodies of at most {@code maxBodyBytes}.
     *
     * @param mapper the configured mapper
     * @param maxBodyBytes the largest body {@link #read} accepts (larger: 413)
     * @throws IllegalArgumentException if {@code maxBodyBytes} is not positive
     */
    public JacksonCodec(ObjectMapper mapper, long maxBodyBytes) {
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        if (maxBodyBytes <= 0) {
            throw new IllegalArgumentException("maxBodyBytes must be positive: " + maxBodyBytes);
        }
        this.maxBodyBytes = maxBodyBytes;
        this.writer = mapper.writer();
    }

    /**
     * {@code application/json}.
     *
     * @return the media type
     */
    @Override
    public String mediaType() {
        return "application/json";
    }

    /**
     * The largest body {@link #read} accepts.
     *
     * @return bytes
     */
    @Override
    public long maxBodyBytes() {
        return maxBodyBytes;
    }

    /**
     * Parses one JSON value of {@code type}; trailing content after it is refused.
     *
     * @param <T> the type
     * @param in the body
     * @param type the class
     * @return the value
     * @throws HttpException 400 with Jackson's reason and the location
     * @throws IOException if reading fails
     */
    @Override
    public <T> T decode(InputStream in, Class<T> type) throws IOException {
        ObjectReader reader = mapper.readerFor(type)
                .with(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        try {
            return reader.readValue(in);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new HttpException(400, "malformed JSON for " + type.getSimpleName() + where + ": "
                    + e.getOriginalMessage(), e);
        }
    }

    /**
     * Writes {@code value} as JSON.
     *
     * @param value the value
     * @param out where to write; not closed
     * @throws IOException if writing fails or the value cannot be serialised
     */
    @Override
    public void encode(Object value, OutputStream out) throws IOException {
        writer.without(com.fasterxml.jackson.core.JsonGenerator.Feature.AUTO_CLOSE_TARGET).writeValue(out, value);
    }

    @Override
    public String toString() {
        return "JacksonCodec[" + mapper.getClass().getSimpleName() + ", " + maxBodyBytes + " bytes]";
    }
}
