package io.gevent4j.web;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code Content-Type} of a file from its extension: a fixed table of the types the web
 * uses (text types with {@code charset=utf-8}), {@code application/octet-stream} for the rest.
 * Immutable; a {@link StaticFiles.Builder} may add or replace entries.
 */
final class MediaTypes {
    static final String DEFAULT = "application/octet-stream";
    private static final Map<String, String> BUILT_IN = new HashMap<>();

    static {
        String utf8 = "; charset=utf-8";
        for (String[] e : new String[][] {
                {"html", "text/html" + utf8}, {"htm", "text/html" + utf8}, {"css", "text/css" + utf8},
                {"js", "text/javascript" + utf8}, {"mjs", "text/javascript" + utf8},
                {"json", "application/json"}, {"map", "application/json"},
                {"webmanifest", "application/manifest+json"}, {"txt", "text/plain" + utf8},
                {"md", "text/markdown" + utf8}, {"csv", "text/csv" + utf8}, {"xml", "application/xml"},
                {"svg", "image/svg+xml"}, {"png", "image/png"}, {"jpg", "image/jpeg"}, {"jpeg", "image/jpeg"},
                {"gif", "image/gif"}, {"webp", "image/webp"}, {"avif", "image/avif"}, {"ico", "image/x-icon"},
                {"bmp", "image/bmp"}, {"wasm", "application/wasm"}, {"pdf", "application/pdf"},
                {"zip", "application/zip"}, {"gz", "application/gzip"}, {"tar", "application/x-tar"},
                {"jar", "application/java-archive"}, {"mp4", "video/mp4"}, {"webm", "video/webm"},
                {"mp3", "audio/mpeg"}, {"ogg", "audio/ogg"}, {"wav", "audio/wav"}, {"woff", "font/woff"},
                {"woff2", "font/woff2"}, {"ttf", "font/ttf"}, {"otf", "font/otf"}}) {
            BUILT_IN.put(e[0], e[1]);
        }
    }

    private final Map<String, String> byExtension;

    MediaTypes(Map<String, String> extra) {
        Map<String, String> m = new HashMap<>(BUILT_IN);
        extra.forEach((k, v) -> m.put(k.toLowerCase(Locale.ROOT), v));
        this.byExtension = Map.copyOf(m);
    }

    /** The type of a file named {@code name}. */
    String of(String name) {
        int dot = name.lastIndexOf('.');
        if (dot < 0 || dot == name.length() - 1) {
            return DEFAULT;
        }
        return byExtension.getOrDefault(name.substring(dot + 1).toLowerCase(Locale.ROOT), DEFAULT);
    }
}
