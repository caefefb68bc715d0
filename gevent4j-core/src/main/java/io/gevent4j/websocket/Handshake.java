package io.gevent4j.websocket;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/** The opening handshake's arithmetic (RFC 6455 §4): keys, the accept value, header tokens. */
final class Handshake {
    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private Handshake() {
    }

    /** {@code Sec-WebSocket-Accept} for {@code key}: base64(SHA-1(key + GUID)). */
    static String accept(String key) {
        try {
            // A clone of one instance: no provider look-up per handshake (it left a Provider.ServiceKey
            // and a thread-local map on each connection's thread: ~160 B per idle WebSocket).
            MessageDigest sha1 = (MessageDigest) SHA1.clone();
            return Base64.getEncoder().encodeToString(sha1.digest((key + GUID).getBytes(StandardCharsets.US_ASCII)));
        } catch (CloneNotSupportedException e) {
            throw new AssertionError("the JDK's SHA-1 can be cloned", e);
        }
    }

    private static final MessageDigest SHA1;

    static {
        try {
            SHA1 = MessageDigest.getInstance("SHA-1");
            SHA1.clone(); // fails here, once, rather than at each handshake
        } catch (NoSuchAlgorithmException | CloneNotSupportedException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Whether {@code key} is the base64 of 16 bytes, as §4.2.1 requires. */
    static boolean validKey(String key) {
        if (key.length() != 24) {
            return false;
        }
        try {
            return Base64.getDecoder().decode(key).length == 16;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** A fresh client key: 16 random bytes in base64. */
    static String newKey() {
        byte[] b = new byte[16];
        java.util.concurrent.ThreadLocalRandom.current().nextBytes(b);
        return Base64.getEncoder().encodeToString(b);
    }

    /** Whether one of the comma-separated values of a header is {@code token} (case-insensitive). */
    static boolean hasToken(List<String> values, String token) {
        for (String v : values) {
            for (String t : v.split(",")) {
                if (t.strip().toLowerCase(Locale.ROOT).equals(token)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Whether {@code s} is an RFC 9110 token. */
    static boolean isToken(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= 32 || c >= 127 || "()<>@,;:\\\"/[]?={}".indexOf(c) >= 0) {
                return false;
            }
        }
        return !s.isEmpty();
    }
}
