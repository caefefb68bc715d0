package io.gevent4j.web;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The file a request path names, as a list of plain names under a root, or the reason it names
 * none. Strict on purpose: every segment is percent-decoded on its own (so {@code %2f} cannot
 * make a separator) as strict UTF-8 (overlong forms and lone surrogates are malformed), and a
 * decoded segment that is {@code .} or {@code ..}, or holds {@code /}, {@code \}, NUL, a control
 * character or a drive colon, is refused. Empty segments ({@code //}) are skipped. What comes
 * out can be joined under a root without ever leaving it; callers still check the resolved path
 * (and its real path, for symbolic links) as a second line.
 */
final class RequestPath {
    /** The decoded names, in order; empty for the root itself. */
    final List<String> names;
    /** Whether the path ended with {@code /} (a directory was asked for). */
    final boolean trailingSlash;

    private RequestPath(List<String> names, boolean trailingSlash) {
        this.names = names;
        this.trailingSlash = trailingSlash;
    }

    /** Thrown for a path that names no file under any root; the message says why. */
    static final class BadPath extends Exception {
        BadPath(String message) {
            super(message, null, false, false);
        }
    }

    /** Parses {@code raw}, a path still percent-encoded, relative to the mount point (may be empty). */
    static RequestPath parse(String raw) throws BadPath {
        List<String> names = new ArrayList<>();
        int i = 0;
        int n = raw.length();
        while (i <= n) {
            int slash = raw.indexOf('/', i);
            int end = slash < 0 ? n : slash;
            if (end > i) {
                names.add(segment(raw.substring(i, end)));
            }
            if (slash < 0) {
                break;
            }
            i = slash + 1;
        }
        return new RequestPath(List.copyOf(names), n > 0 && raw.charAt(n - 1) == '/');
    }

    private static String segment(String raw) throws BadPath {
        byte[] bytes = new byte[raw.length()];
        int len = 0;
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                int hi = i + 1 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
                int lo = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 2), 16) : -1;
                if (hi < 0 || lo < 0) {
                    throw new BadPath("malformed percent-escape in " + quote(raw));
                }
                bytes[len++] = (byte) (hi << 4 | lo);
                i += 2;
            } else if (c > 0x7e || c < 0x20) {
                throw new BadPath("unencoded byte in the path: " + quote(raw));
            } else {
                bytes[len++] = (byte) c;
            }
        }
        String name;
        try {
            name = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, 0, len)).toString();
        } catch (CharacterCodingException e) {
            throw new BadPath("the path is not valid UTF-8: " + quote(raw));
        }
        if (name.equals(".") || name.equals("..")) {
            throw new BadPath("dot segment in the path: " + quote(raw));
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '/' || c == '\\') {
                throw new BadPath("encoded separator in the path: " + quote(raw));
            }
            if (c < 0x20 || c == 0x7f) {
                throw new BadPath("control character in the path: " + quote(raw));
            }
            if (c == ':') {
                // a drive ("C:") or an NTFS stream ("a:b") elsewhere; refused everywhere for one behaviour
                throw new BadPath("colon in the path: " + quote(raw));
            }
        }
        return name;
    }

    private static String quote(String raw) {
        return raw.length() > 80 ? raw.substring(0, 80) + "..." : raw;
    }
}
