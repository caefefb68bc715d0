package io.gevent4j.web;

import io.gevent4j.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A {@code Set-Cookie} header value built and checked by the rules of RFC 6265 §4.1 (with
 * {@code SameSite} from RFC 6265bis): the name must be a token, the value cookie-octets, the path
 * free of controls and {@code ;}, the domain a host name; {@code SameSite=None} requires
 * {@code Secure} (browsers drop it otherwise). A bad value is refused when set, with the reason.
 *
 * <p>Who may call it: any thread; an instance is a mutable builder owned by its caller.
 *
 * {@snippet :
 * SetCookie.of("session", token)
 *         .path("/").httpOnly(true).secure(true).sameSite(SetCookie.SameSite.LAX)
 *         .maxAge(Duration.ofHours(8))
 *         .addTo(response);                  // Set-Cookie: session=...; Path=/; Max-Age=28800; ...
 * SetCookie.expired("session").path("/").addTo(response);   // deletes it
 * }
 */
public final class SetCookie {
    /** The {@code SameSite} attribute's values. */
    public enum SameSite {
        /** Sent on same-site requests only. */
        STRICT("Strict"),
        /** Sent on same-site requests and top-level cross-site navigations. */
        LAX("Lax"),
        /** Sent on every request; requires {@code Secure}. */
        NONE("None");

        private final String wire;

        SameSite(String wire) {
            this.wire = wire;
        }
    }

    private final String name;
    private final String value;
    private String path;
    private String domain;
    private long maxAge = -1;
    private Instant expires;
    private boolean secure;
    private boolean httpOnly;
    private SameSite sameSite;
    private boolean partitioned;

    private SetCookie(String name, String value) {
        this.name = name;
        this.value = value;
    }

    /**
     * A cookie {@code name=value} (a session cookie until {@link #maxAge} or {@link #expires}).
     *
     * @param name a token (RFC 9110 §5.6.2)
     * @param value cookie-octets: printable ASCII except space, {@code " , ; \}; may be empty
     * @return the builder
     * @throws IllegalArgumentException naming the first invalid character
     */
    public static SetCookie of(String name, String value) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("empty cookie name");
        }
        int bad = firstNonToken(name);
        if (bad >= 0) {
            throw new IllegalArgumentException("invalid character " + Cookies.describe(name.charAt(bad))
                    + " in cookie name '" + name + "' (a token)");
        }
        bad = firstNonCookieOctet(value);
        if (bad >= 0) {
            throw new IllegalArgumentException("invalid character " + Cookies.describe(value.charAt(bad))
                    + " in the value of cookie '" + name + "' (encode it, e.g. Base64url)");
        }
        return new SetCookie(name, value);
    }

    /**
     * A cookie that deletes {@code name} in the browser: empty value, {@code Max-Age=0} and an
     * {@code Expires} in the past. Give it the same path and domain as the cookie it deletes.
     *
     * @param name the cookie name
     * @return the builder
     */
    public static SetCookie expired(String name) {
        return of(name, "").maxAge(Duration.ZERO).expires(Instant.EPOCH);
    }

    /**
     * Sets {@code Path}.
     *
     * @param path the path, e.g. {@code /}; no controls and no {@code ;}
     * @return this
     * @throws IllegalArgumentException if invalid
     */
    public SetCookie path(String path) {
        Objects.requireNonNull(path, "path");
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c < 0x20 || c == 0x7f || c == ';' || c > 0x7e) {
                throw new IllegalArgumentException("invalid character " + Cookies.describe(c) + " in cookie path " + path);
            }
        }
        this.path = path;
        return this;
    }

    /**
     * Sets {@code Domain} (the cookie then also goes to its subdomains).
     *
     * @param domain a host name: letters, digits, {@code -} and {@code .}
     * @return this
     * @throws IllegalArgumentException if invalid
     */
    public SetCookie domain(String domain) {
        Objects.requireNonNull(domain, "domain");
        String d = domain.startsWith(".") ? domain.substring(1) : domain;
        if (d.isEmpty() || d.startsWith("-") || d.endsWith(".") || d.contains("..")) {
            throw new IllegalArgumentException("invalid cookie domain: " + domain);
        }
        for (int i = 0; i < d.length(); i++) {
            char c = d.charAt(i);
            if (!(c < 128 && (Character.isLetterOrDigit(c) || c == '-' || c == '.'))) {
                throw new IllegalArgumentException("invalid character " + Cookies.describe(c) + " in cookie domain "
                        + domain);
            }
        }
        this.domain = d;
        return this;
    }

    /**
     * Sets {@code Max-Age} in whole seconds.
     *
     * @param maxAge zero or more; zero deletes the cookie
     * @return this
     * @throws IllegalArgumentException if negative
     */
    public SetCookie maxAge(Duration maxAge) {
        if (maxAge.isNegative()) {
            throw new IllegalArgumentException("negative cookie Max-Age: " + maxAge);
        }
        this.maxAge = maxAge.toSeconds();
        return this;
    }

    /**
     * Sets {@code Expires} (sent as an IMF-fixdate).
     *
     * @param expires the instant
     * @return this
     */
    public SetCookie expires(Instant expires) {
        this.expires = Objects.requireNonNull(expires, "expires");
        return this;
    }

    /**
     * Sets or clears {@code Secure} (sent over HTTPS only).
     *
     * @param on whether to set it
     * @return this
     */
    public SetCookie secure(boolean on) {
        this.secure = on;
        return this;
    }

    /**
     * Sets or clears {@code HttpOnly} (hidden from scripts).
     *
     * @param on whether to set it
     * @return this
     */
    public SetCookie httpOnly(boolean on) {
        this.httpOnly = on;
        return this;
    }

    /**
     * Sets {@code SameSite}.
     *
     * @param sameSite the value; {@link SameSite#NONE} requires {@link #secure}
     * @return this
     */
    public SetCookie sameSite(SameSite sameSite) {
        this.sameSite = Objects.requireNonNull(sameSite, "sameSite");
        return this;
    }

    /**
     * Sets or clears {@code Partitioned} (CHIPS; requires {@link #secure}).
     *
     * @param on whether to set it
     * @return this
     */
    public SetCookie partitioned(boolean on) {
        this.partitioned = on;
        return this;
    }

    /**
     * The header value.
     *
     * @return e.g. {@code id=1; Path=/; HttpOnly}
     * @throws IllegalStateException if {@code SameSite=None} or {@code Partitioned} is set without
     *     {@code Secure}
     */
    public String headerValue() {
        if (sameSite == SameSite.NONE && !secure) {
            throw new IllegalStateException("cookie '" + name + "': SameSite=None requires Secure (browsers drop it)");
        }
        if (partitioned && !secure) {
            throw new IllegalStateException("cookie '" + name + "': Partitioned requires Secure");
        }
        StringBuilder b = new StringBuilder(name).append('=').append(value);
        if (path != null) {
            b.append("; Path=").append(path);
        }
        if (domain != null) {
            b.append("; Domain=").append(domain);
        }
        if (maxAge >= 0) {
            b.append("; Max-Age=").append(maxAge);
        }
        if (expires != null) {
            b.append("; Expires=").append(StaticFiles.httpDate(expires.getEpochSecond()));
        }
        if (secure) {
            b.append("; Secure");
        }
        if (httpOnly) {
            b.append("; HttpOnly");
        }
        if (sameSite != null) {
            b.append("; SameSite=").append(sameSite.wire);
        }
        if (partitioned) {
            b.append("; Partitioned");
        }
        return b.toString();
    }

    /**
     * Adds this cookie to {@code response} as a {@code Set-Cookie} header (other cookies stay).
     *
     * @param response a response that has not started
     * @return the response
     * @throws IllegalStateException as {@link #headerValue()}, or if the response has started
     */
    public HttpResponse addTo(HttpResponse response) {
        return response.addHeader("Set-Cookie", headerValue());
    }

    @Override
    public String toString() {
        return headerValue();
    }

    /** Index of the first character of {@code s} that is not a tchar, or -1. */
    static int firstNonToken(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c < 128 && (Character.isLetterOrDigit(c) || "!#$%&'*+-.^_`|~".indexOf(c) >= 0))) {
                return i;
            }
        }
        return -1;
    }

    /** Index of the first character that is not a cookie-octet (RFC 6265 §4.1.1), or -1. */
    static int firstNonCookieOctet(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x21 || c > 0x7e || c == '"' || c == ',' || c == ';' || c == '\\') {
                return i;
            }
        }
        return -1;
    }
}
