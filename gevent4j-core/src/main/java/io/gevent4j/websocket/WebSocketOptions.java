package io.gevent4j.websocket;

import java.time.Duration;
import java.net.URI;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * The limits and time-outs of WebSocket connections, for a server ({@link WebSockets#handler})
 * or a client ({@link WebSocketClient}). Immutable; made by {@link #builder()}.
 *
 * <p>Origin: by default a server accepts a handshake from any {@code Origin}. A browser sends
 * the page's origin with every WebSocket handshake and, unlike for {@code fetch}, no CORS
 * check protects the server: any web site a user visits can open a WebSocket to your server
 * with the user's cookies (cross-site WebSocket hijacking). A server that relies on cookies or
 * other ambient credentials should set {@link Builder#allowedOrigins} or
 * {@link Builder#originCheck}; refused handshakes get a 403 naming the origin.
 *
 * {@snippet :
 * WebSocketOptions options = WebSocketOptions.builder()
 *         .maxMessageBytes(64 * 1024)
 *         .idleTimeout(Duration.ofMinutes(5))
 *         .build();
 * }
 */
public final class WebSocketOptions {
    private static final WebSocketOptions DEFAULTS = builder().build();

    private final int maxMessageBytes;
    private final Duration idleTimeout; // null: none
    private final Duration closeTimeout;
    private final Duration writeTimeout;
    private final Duration handshakeTimeout;
    private final boolean compression;
    private final boolean noContextTakeover;
    private final int fragmentBytes;
    private final List<String> subprotocols;
    private final Predicate<Optional<String>> originCheck; // null: any origin
    private final SSLContext sslContext; // null: the JDK's default, at connect time
    private final SSLParameters sslParameters; // null: the context's defaults

    private WebSocketOptions(Builder b) {
        this.maxMessageBytes = b.maxMessageBytes;
        this.idleTimeout = b.idleTimeout;
        this.closeTimeout = b.closeTimeout;
        this.writeTimeout = b.writeTimeout;
        this.handshakeTimeout = b.handshakeTimeout;
        this.compression = b.compression;
        this.noContextTakeover = b.noContextTakeover;
        this.fragmentBytes = b.fragmentBytes;
        this.subprotocols = List.copyOf(b.subprotocols);
        this.originCheck = b.originCheck;
        this.sslContext = b.sslContext;
        this.sslParameters = b.sslParameters;
    }

    /**
     * The defaults: messages up to 1 MiB, no idle time-out, 5 s for the close handshake, 10 s
     * per send, 10 s for a client's connect and handshake, {@code permessage-deflate} offered
     * and accepted, messages sent in one frame, no subprotocol, any {@code Origin} accepted,
     * {@code wss://} on the JDK's default {@link SSLContext} (certificate and host name verified).
     *
     * @return the default options
     */
    public static WebSocketOptions defaults() {
        return DEFAULTS;
    }

    /**
     * A builder starting from the defaults.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the largest message received, in bytes (after decompression); larger ones close with 1009.
     *
     * @return the largest message received, in bytes (after decompression); larger ones close with 1009
     */
    public int maxMessageBytes() {
        return maxMessageBytes;
    }

    /**
     * Returns how long {@link WebSocket#receive()} waits for the peer's next frame before closing with 1001, if limited.
     *
     * @return how long {@link WebSocket#receive()} waits for the peer's next frame before closing with 1001, if limited
     */
    public Optional<Duration> idleTimeout() {
        return Optional.ofNullable(idleTimeout);
    }

    /**
     * Returns how long a close waits for the peer's close frame and end of stream.
     *
     * @return how long a close waits for the peer's close frame and end of stream
     */
    public Duration closeTimeout() {
        return closeTimeout;
    }

    /**
     * Returns how long one send may wait (for the send lock and for the peer to read), after which the connection is dropped.
     *
     * @return how long one send may wait (for the send lock and for the peer to read), after which the connection is dropped
     */
    public Duration writeTimeout() {
        return writeTimeout;
    }

    /**
     * Returns how long a client's connect and opening handshake may take.
     *
     * @return how long a client's connect and opening handshake may take
     */
    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    /**
     * Returns whether {@code permessage-deflate} (RFC 7692) is offered (client) or accepted (server).
     *
     * @return whether {@code permessage-deflate} (RFC 7692) is offered (client) or accepted (server)
     */
    public boolean compression() {
        return compression;
    }

    /**
     * Returns whether this side resets its compressor after each message (asks {@code *_no_context_takeover} of itself).
     *
     * @return whether this side resets its compressor after each message (asks {@code *_no_context_takeover} of itself)
     */
    public boolean noContextTakeover() {
        return noContextTakeover;
    }

    /**
     * Returns the payload size of the frames a message is sent in; 0: one frame per message.
     *
     * @return the payload size of the frames a message is sent in; 0: one frame per message
     */
    public int fragmentBytes() {
        return fragmentBytes;
    }

    /**
     * Returns the subprotocols offered (client) or supported (server), in order of preference.
     *
     * @return the subprotocols offered (client) or supported (server), in order of preference
     */
    public List<String> subprotocols() {
        return subprotocols;
    }

    /**
     * Returns whether a server accepts a handshake with this {@code Origin} header (empty: the
     * request has none): false means a 403 refusal. Always true unless
     * {@link Builder#allowedOrigins} or {@link Builder#originCheck} was set.
     *
     * @param origin the request's {@code Origin} value, if any
     * @return whether the origin is accepted
     */
    boolean acceptsOrigin(Optional<String> origin) {
        return originCheck == null || originCheck.test(origin);
    }

    /**
     * Returns whether the server checks the {@code Origin} header (false: any origin is accepted).
     *
     * @return whether an origin check was set
     */
    boolean checksOrigin() {
        return originCheck != null;
    }

    /**
     * Returns the TLS context a client uses for {@code wss://}, if one was set (otherwise the
     * JDK's default context, {@link SSLContext#getDefault()}, is used).
     *
     * @return the TLS context for {@code wss://}, if set
     */
    public Optional<SSLContext> sslContext() {
        return Optional.ofNullable(sslContext);
    }

    /**
     * Returns the TLS parameters a client uses for {@code wss://}, if set (otherwise the
     * context's defaults, with host-name verification).
     *
     * @return the TLS parameters for {@code wss://}, if set
     */
    public Optional<SSLParameters> sslParameters() {
        return Optional.ofNullable(sslParameters);
    }

    /** Builds {@link WebSocketOptions}; each setter checks its value at once. */
    public static final class Builder {
        private int maxMessageBytes = 1 << 20;
        private Duration idleTimeout;
        private Duration closeTimeout = Duration.ofSeconds(5);
        private Duration writeTimeout = Duration.ofSeconds(10);
        private Duration handshakeTimeout = Duration.ofSeconds(10);
        private boolean compression = true;
        private boolean noContextTakeover;
        private int fragmentBytes;
        private List<String> subprotocols = List.of();
        private Predicate<Optional<String>> originCheck;
        private SSLContext sslContext;
        private SSLParameters sslParameters;

        private Builder() {
        }

        /**
         * Server: accepts a handshake only if its {@code Origin} is one of {@code origins}
         * (compared as ASCII case-insensitive serialised origins, e.g.
         * {@code "https://chat.example.org"} or {@code "http://localhost:8080"}); others get a
         * 403. A request without {@code Origin} does not come from a browser, which always sends
         * one, so it cannot be a cross-site hijack and is accepted; use {@link #originCheck} to
         * refuse it too. Replaces an earlier origin check.
         *
         * @param origins {@code scheme://host[:port]}, no path, at least one
         * @return this builder
         * @throws IllegalArgumentException if there is none, or one is not such an origin
         */
        public Builder allowedOrigins(String... origins) {
            if (origins.length == 0) {
                throw new IllegalArgumentException("allowedOrigins needs at least one origin");
            }
            Set<String> allowed = new LinkedHashSet<>();
            for (String o : origins) {
                allowed.add(checkOrigin(o));
            }
            this.originCheck = new Predicate<>() {
                @Override
                public boolean test(Optional<String> origin) {
                    return origin.isEmpty() || allowed.contains(origin.get().strip().toLowerCase(Locale.ROOT));
                }

                @Override
                public String toString() {
                    return "allowed origins " + allowed;
                }
            };
            return this;
        }

        /**
         * Server: accepts a handshake only if {@code check} returns true for its {@code Origin}
         * header (empty when the request has none); others get a 403. Replaces an earlier origin
         * check.
         *
         * @param check the test; it runs in the request's greenlet and should not block
         * @return this builder
         */
        public Builder originCheck(Predicate<Optional<String>> check) {
            this.originCheck = Objects.requireNonNull(check, "check");
            return this;
        }

        /**
         * Client: the TLS context for {@code wss://} connections (default: the JDK's
         * {@link SSLContext#getDefault()}, which trusts the JDK's CA certificates). The server's
         * certificate chain and host name are verified either way, unless {@link #sslParameters}
         * turn the host-name check off.
         *
         * @param context the context, e.g. one whose trust store holds a private CA
         * @return this builder
         */
        public Builder sslContext(SSLContext context) {
            this.sslContext = Objects.requireNonNull(context, "context");
            return this;
        }

        /**
         * Client: the TLS parameters for {@code wss://} connections (protocols, cipher suites,
         * SNI names). Host names are verified unless {@code parameters} set the endpoint
         * identification algorithm to the empty string, on purpose. Copied at connect time.
         *
         * @param parameters the parameters
         * @return this builder
         */
        public Builder sslParameters(SSLParameters parameters) {
            this.sslParameters = Objects.requireNonNull(parameters, "parameters");
            return this;
        }

        /**
         * The largest message accepted, after decompression (default 1 MiB).
         *
         * @param bytes at least 125
         * @return this builder
         */
        public Builder maxMessageBytes(int bytes) {
            if (bytes < 125) {
                throw new IllegalArgumentException("maxMessageBytes must be at least 125: " + bytes);
            }
            this.maxMessageBytes = bytes;
            return this;
        }

        /**
         * Closes the connection with 1001 when no frame arrives for {@code timeout} (default: none).
         *
         * @param timeout positive
         * @return this builder
         */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = positive(timeout, "idleTimeout");
            return this;
        }

        /**
         * How long a close waits for the peer's close frame and end of stream (default 5 s).
         *
         * @param timeout positive
         * @return this builder
         */
        public Builder closeTimeout(Duration timeout) {
            this.closeTimeout = positive(timeout, "closeTimeout");
            return this;
        }

        /**
         * How long one send may wait before the connection is dropped (default 10 s): the
         * back-pressure bound for a peer that does not read.
         *
         * @param timeout positive
         * @return this builder
         */
        public Builder writeTimeout(Duration timeout) {
            this.writeTimeout = positive(timeout, "writeTimeout");
            return this;
        }

        /**
         * How long a client's connect and opening handshake may take (default 10 s).
         *
         * @param timeout positive
         * @return this builder
         */
        public Builder handshakeTimeout(Duration timeout) {
            this.handshakeTimeout = positive(timeout, "handshakeTimeout");
            return this;
        }

        /**
         * Whether to offer (client) or accept (server) {@code permessage-deflate} (default true).
         *
         * @param on true to compress when the peer agrees
         * @return this builder
         */
        public Builder compression(boolean on) {
            this.compression = on;
            return this;
        }

        /**
         * Whether this side compresses each message on its own (no context takeover: less
         * memory between messages, less compression). Default false.
         *
         * @param on true to reset the compressor after each message
         * @return this builder
         */
        public Builder noContextTakeover(boolean on) {
            this.noContextTakeover = on;
            return this;
        }

        /**
         * Sends each message in frames of at most {@code bytes} of payload (default 0: one frame).
         *
         * @param bytes 0, or positive
         * @return this builder
         */
        public Builder fragmentBytes(int bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("fragmentBytes must not be negative: " + bytes);
            }
            this.fragmentBytes = bytes;
            return this;
        }

        /**
         * The subprotocols ({@code Sec-WebSocket-Protocol}) offered or supported, in order of preference.
         *
         * @param names tokens, e.g. {@code "chat"}
         * @return this builder
         */
        public Builder subprotocols(String... names) {
            for (String n : names) {
                if (n.isEmpty() || !Handshake.isToken(n)) {
                    throw new IllegalArgumentException("not a subprotocol token: \"" + n + "\"");
                }
            }
            this.subprotocols = List.of(names);
            return this;
        }

        /**
         * The options.
         *
         * @return immutable options
         */
        public WebSocketOptions build() {
            return new WebSocketOptions(this);
        }

        private static String checkOrigin(String o) {
            Objects.requireNonNull(o, "origin");
            URI u;
            try {
                u = new URI(o);
            } catch (java.net.URISyntaxException e) {
                throw new IllegalArgumentException("not an origin (scheme://host[:port]): \"" + o + "\"", e);
            }
            if (u.getScheme() == null || u.getHost() == null || u.getRawUserInfo() != null
                    || !(u.getRawPath() == null || u.getRawPath().isEmpty())
                    || u.getRawQuery() != null || u.getRawFragment() != null) {
                throw new IllegalArgumentException("not an origin (scheme://host[:port], no path): \"" + o + "\"");
            }
            return o.toLowerCase(Locale.ROOT);
        }

        private static Duration positive(Duration d, String what) {
            Objects.requireNonNull(d, what);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive: " + d);
            }
            return d;
        }
    }
}
