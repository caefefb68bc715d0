package io.gevent4j.web;

import io.gevent4j.http.HttpRequest;
import io.gevent4j.http.HttpResponse;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The HTML page listing a directory of a {@link StaticFiles} root: names sorted, directories
 * with a trailing {@code /}, every name HTML-escaped in the text and percent-encoded in the
 * link; hidden names and links out of the root left out; at most {@link #MAX_ENTRIES} entries.
 */
final class DirectoryListing {
    static final int MAX_ENTRIES = 10_000;

    private DirectoryListing() {}

    static void send(HttpRequest request, HttpResponse response, Path dir, String prefix, List<String> names,
            boolean hidden, Root root) throws IOException {
        List<String> entries = new ArrayList<>();
        boolean truncated = false;
        Root.Directory directory = (Root.Directory) root;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if ((!hidden && name.startsWith(".")) || !directory.inside(p)) {
                    continue;
                }
                if (entries.size() == MAX_ENTRIES) {
                    truncated = true;
                    break;
                }
                entries.add(Files.isDirectory(p) ? name + "/" : name);
            }
        }
        entries.sort(null);
        String title = "Index of " + prefix + "/" + String.join("/", names) + (names.isEmpty() ? "" : "/");
        StringBuilder b = new StringBuilder(256 + entries.size() * 64);
        b.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>").append(escape(title))
                .append("</title></head>\n<body><h1>").append(escape(title)).append("</h1>\n<ul>\n");
        if (!names.isEmpty()) {
            b.append("<li><a href=\"../\">../</a></li>\n");
        }
        for (String e : entries) {
            boolean isDir = e.endsWith("/");
            String name = isDir ? e.substring(0, e.length() - 1) : e;
            b.append("<li><a href=\"").append(StaticFiles.encodeSegment(name)).append(isDir ? "/" : "")
                    .append("\">").append(escape(e)).append("</a></li>\n");
        }
        b.append("</ul>\n");
        if (truncated) {
            b.append("<p>(only the first ").append(MAX_ENTRIES).append(" entries)</p>\n");
        }
        b.append("</body></html>\n");
        response.header("Content-Type", "text/html; charset=utf-8");
        response.send(200, b.toString());
    }

    /** Text for HTML content and attribute values. */
    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
