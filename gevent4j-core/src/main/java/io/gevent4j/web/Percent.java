package io.gevent4j.web;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Strict percent-decoding (RFC 3986 §2.1) to UTF-8 text: a {@code %} not followed by two hex
 * digits, or bytes that are not UTF-8, are refused with a 400 that says where. {@code plusIsSpace}
 * selects the {@code application/x-www-form-urlencoded} rule.
 */
final class Percent {
    private Percent() {}

    /** Decodes text: characters that are not ASCII stand for themselves (encoded as UTF-8). */
    static String decode(String s, boolean plusIsSpace, String what) {
        return decode(s, plusIsSpace, what, false);
    }

    /**
     * Decodes {@code s}; with {@code latin1Bytes}, each character below 256 stands for one byte
     * (text read from the wire as ISO-8859-1), so raw UTF-8 bytes are checked like escaped ones.
     */
    static String decode(String s, boolean plusIsSpace, String what, boolean latin1Bytes) {
        int i = s.indexOf('%');
        if (i < 0 && (!plusIsSpace || s.indexOf('+') < 0) && (!latin1Bytes || isAscii(s))) {
            return s;
        }
        byte[] out = new byte[s.length()];
        int n = 0;
        boolean ascii = true;
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            if (c == '%') {
                int hi = k + 1 < s.length() ? Character.digit(s.charAt(k + 1), 16) : -1;
                int lo = k + 2 < s.length() ? Character.digit(s.charAt(k + 2), 16) : -1;
                if (hi < 0 || lo < 0) {
                    throw new HttpException(400, "malformed percent-encoding in " + what + " at offset " + k
                            + ": '%' must be followed by two hex digits");
                }
                out[n++] = (byte) (hi << 4 | lo);
                ascii &= hi < 8;
                k += 2;
            } else if (c == '+' && plusIsSpace) {
                out[n++] = ' ';
            } else if (c < 0x80 || (latin1Bytes && c < 0x100)) {
                out[n++] = (byte) c;
                ascii &= c < 0x80;
            } else {
                // already text (a header decoded as ISO-8859-1 or UTF-8 by the caller): keep it as UTF-8
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                if (n + b.length > out.length) {
                    out = java.util.Arrays.copyOf(out, out.length * 2 + b.length);
                }
                System.arraycopy(b, 0, out, n, b.length);
                n += b.length;
                ascii = false;
            }
        }
        if (ascii) {
            return new String(out, 0, n, StandardCharsets.ISO_8859_1);
        }
        return utf8(out, n, what);
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    private static String utf8(byte[] out, int n, String what) {
        return utf8(out, 0, n, "percent-encoded bytes in " + what + " are not UTF-8");
    }

    /** Strict UTF-8 (malformed input refused), or an {@link HttpException} 400 with {@code message}. */
    static String utf8(byte[] b, int off, int len, String message) {
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b, off, len));
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new HttpException(400, message);
        }
    }
}
