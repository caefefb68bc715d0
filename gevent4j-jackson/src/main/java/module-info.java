/**
 * Jackson for gevent4j's routes: {@link io.gevent4j.jackson.JacksonCodec} implements
 * {@link io.gevent4j.web.BodyCodec} with an {@code ObjectMapper}. Optional: the core module
 * {@code io.gevent4j} has no JSON dependency.
 */
module io.gevent4j.jackson {
    requires transitive io.gevent4j;
    requires transitive com.fasterxml.jackson.databind;

    exports io.gevent4j.jackson;
}
