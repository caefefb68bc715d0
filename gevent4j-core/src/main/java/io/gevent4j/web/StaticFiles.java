package io.gevent4j.web;

import io.gevent4j.http.HttpHandler;
import io.gevent4j.http.HttpRequest;
import io.gevent4j.http.HttpResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * An {@link HttpHandler} that serves the files of a directory or of a class-path root: GET and
 * HEAD, byte ranges ({@code 206}, several as {@code multipart/byteranges}, {@code 416}),
 * {@code If-Range}, validators ({@code ETag}, {@code Last-Modified}) with {@code 304} and
 * {@code 412}, content types from the extension, index files, an optional directory listing,
 * and pre-compressed variants ({@code file.br}, {@code file.gz}, chosen by
 * {@code Accept-Encoding}, with {@code Vary: Accept-Encoding}). A file's bytes go to the socket
 * without a copy through the heap on a plain connection ({@link HttpResponse#sendFile}), or,
 * for files up to 1 MiB, from memory: a directory root keeps what it looked up while a
 * {@code stat} per request shows it unchanged ({@link Builder#fileCache}).
 *
 * <p>It never serves a file outside its root: the request path is decoded segment by segment
 * and any dot segment, encoded separator ({@code %2f}, {@code %5c}), backslash, NUL or control
 * character, malformed or overlong UTF-8 is refused with {@code 400}; a resolved path must stay
 * under the root, and its real path (symbolic links followed) under the root's real path, else
 * {@code 404}. Names starting with {@code .} are not served unless {@link Builder#hiddenFiles}.
 *
 * <p>It works standalone, as the handler of an {@link io.gevent4j.http.HttpServer}, and under a
 * router: with {@link Builder#prefix} {@code "/static"} the file is the request path after
 * {@code /static}, and a request outside the prefix gets {@code 404}.
 *
 * <p>Who may call it: the server, in the connection's greenlet; the handler holds no state per
 * request and may serve any number of connections on any hubs. It blocks only where a file
 * system call does: looking a file up, and reading a file that is not in the page cache,
 * block the hub for that call (like {@code sendfile(2)}); serve cold, huge trees from a
 * {@link io.gevent4j.ThreadPool} if that matters.
 *
 * {@snippet :
 * HttpServer server = HttpServer.builder()
 *         .handler(StaticFiles.directory(Path.of("public")).directoryListing(true).build())
 *         .bind(new InetSocketAddress("127.0.0.1", 8080))
 *         .start();
 * }
 */
public final class StaticFiles implements HttpHandler {
    /*
     * Implementation overview. handle() checks the method, strips the prefix, parses the path
     * (RequestPath: the traversal defence), asks the Root for an Entry (a file, a directory, or
     * bytes from a jar), settles the representation (a pre-compressed variant or the file
     * itself), then answers in RFC 9110 §13.2.2's order: If-Match / If-Unmodified-Since (412),
     * If-None-Match / If-Modified-Since (304), then Range guarded by If-Range (206 or 416), else
     * 200. Ranges are read against the chosen representation's length.
     */
    private static final DateTimeFormatter IMF_FIXDATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);
    private static final String ALLOW = "GET, HEAD, OPTIONS";
    /** The pre-compressed codings served, in order of preference, and their file-name suffixes. */
    private static final String[] CODINGS = {"br", "gzip"};
    private static final String[] SUFFIXES = {".br", ".gz"};

    private final Root root;
    private final String prefix;
    private final List<String> indexFiles;
    private final boolean listing;
    private final boolean precompressed;
    private final boolean hidden;
    private final String cacheControl;
    private final MediaTypes types;
    private final FileCache cache; // null: off, or a class-path root

    private StaticFiles(Builder b) {
        this.root = b.root;
        this.prefix = b.prefix;
        this.indexFiles = List.copyOf(b.indexFiles);
        this.listing = b.listing;
        this.precompressed = b.precompressed;
        this.hidden = b.hidden;
        this.cacheControl = b.cacheControl;
        this.types = new MediaTypes(b.types);
        this.cache = b.fileCache && root instanceof Root.Directory ? new FileCache() : null;
    }

    /** The pre-compressed variants of the file at {@code names}, in the order of {@link #CODINGS} (null: none). */
    private Root.Entry[] variants(List<String> names) throws IOException {
        if (cache != null) {
            return cache.variants((Root.Directory) root, names, SUFFIXES);
        }
        Root.Entry[] found = new Root.Entry[SUFFIXES.length];
        for (int i = 0; i < SUFFIXES.length; i++) {
            List<String> variant = new ArrayList<>(names);
            variant.set(names.size() - 1, names.getLast() + SUFFIXES[i]);
            found[i] = root.find(variant);
        }
        return found;
    }

    /** The entry at {@code names}: from the cache while it holds, else from the root. */
    private Root.Entry find(List<String> names) throws IOException {
        return cache != null ? cache.find((Root.Directory) root, names) : root.find(names);
    }

    /**
     * A builder for a handler serving the directory {@code dir}; the directory must exist when
     * {@link Builder#build()} is called.
     *
     * @param dir the root directory (relative to the working directory if not absolute)
     * @return a builder with the defaults: no prefix, index file {@code index.html}, no listing,
     *         pre-compressed variants on, hidden files off
     */
    public static Builder directory(Path dir) {
        return new Builder(new Root.Directory(Objects.requireNonNull(dir, "dir")));
    }

    /**
     * A builder for a handler serving the resources under {@code root} on {@code loader}'s class
     * path (exploded directories or jars), e.g. {@code "static"} for {@code src/main/resources/static}.
     * Directory listing is not available for a class-path root.
     *
     * @param loader the class loader whose resources are served
     * @param root the resource name prefix, without leading or trailing {@code /} ({@code ""}: all)
     * @return a builder with the same defaults as {@link #directory}
     */
    public static Builder classPath(ClassLoader loader, String root) {
        Objects.requireNonNull(loader, "loader");
        Objects.requireNonNull(root, "root");
        if (root.startsWith("/") || root.endsWith("/") || root.contains("..") || root.contains("\\")) {
            throw new IllegalArgumentException("class-path root must be a resource name without leading or"
                    + " trailing '/', '..' or '\\': " + root);
        }
        return new Builder(new Root.ClassPath(loader, root));
    }

    @Override
    public void handle(HttpRequest request, HttpResponse response) throws IOException {
        String method = request.method();
        if (method.equals("OPTIONS")) {
            response.header("Allow", ALLOW).status(204);
            return;
        }
        if (!method.equals("GET") && !method.equals("HEAD")) {
            response.header("Allow", ALLOW).send(405, "method not allowed: " + method + "\n");
            return;
        }
        String path = request.path();
        String rest;
        if (prefix.isEmpty()) {
            rest = path;
        } else if (path.equals(prefix)) {
            rest = "";
        } else if (path.startsWith(prefix) && path.charAt(prefix.length()) == '/') {
            rest = path.substring(prefix.length());
        } else {
            notFound(response);
            return;
        }
        RequestPath rp;
        try {
            rp = RequestPath.parse(rest);
        } catch (RequestPath.BadPath e) {
            response.send(400, e.getMessage() + "\n");
            return;
        }
        if (!hidden && rp.names.stream().anyMatch(n -> n.startsWith("."))) {
            notFound(response);
            return;
        }
        Root.Entry entry = find(rp.names);
        if (entry == null) {
            notFound(response);
            return;
        }
        if (entry instanceof Root.Dir dir) {
            if (!rp.trailingSlash) {
                // Built from the checked names, never from the raw path: "//host" must not become a redirect off-site.
                String location = prefix + "/" + (rp.names.isEmpty() ? "" : encodePath(rp.names) + "/");
                response.header("Location", location + request.query().map(q -> "?" + q).orElse(""));
                response.send(301, "moved to " + location + "\n");
                return;
            }
            for (String index : indexFiles) {
                List<String> names = new ArrayList<>(rp.names);
                names.add(index);
                if (find(names) instanceof Root.File file) {
                    serveFile(request, response, names, file);
                    return;
                }
            }
            if (listing && dir.path() != null) {
                DirectoryListing.send(request, response, dir.path(), prefix, rp.names, hidden, root);
                return;
            }
            notFound(response);
            return;
        }
        if (rp.trailingSlash) {
            notFound(response); // "file.txt/" names no file
            return;
        }
        serveFile(request, response, rp.names, (Root.File) entry);
    }

    private static void notFound(HttpResponse response) throws IOException {
        response.send(404, "not found\n");
    }

    /** Picks the representation (a pre-compressed variant, or the file), then answers. */
    private void serveFile(HttpRequest request, HttpResponse response, List<String> names, Root.File file)
            throws IOException {
        String type = types.of(names.getLast());
        Root.File chosen = file;
        String encoding = null;
        boolean hasVariant = false;
        if (precompressed) {
            String accept = request.header("Accept-Encoding").orElse(null);
            Root.Entry[] variants = variants(names);
            for (int i = 0; i < CODINGS.length; i++) {
                if (variants[i] instanceof Root.File variant) {
                    hasVariant = true;
                    if (encoding == null && accept != null && accepts(accept, CODINGS[i])) {
                        chosen = variant;
                        encoding = CODINGS[i];
                    }
                }
            }
        }
        long mtime = chosen.modifiedMillis(); // 0 or negative: unknown (no Last-Modified)
        try (Root.Content content = chosen.open()) {
            long length = content.length();
            long modified = mtime / 1000; // HTTP dates have seconds
            String etag = "\"" + Long.toHexString(length) + "-" + Long.toHexString(mtime)
                    + (encoding == null ? "" : "-" + encoding) + "\"";
            if (hasVariant) {
                response.header("Vary", "Accept-Encoding");
            }
            if (cacheControl != null) {
                response.header("Cache-Control", cacheControl);
            }
            response.header("ETag", etag);
            if (mtime > 0) {
                response.header("Last-Modified", chosen.httpDate());
            }
            // RFC 9110 §13.2.2, steps 1-4
            Optional<String> ifMatch = request.header("If-Match");
            if (ifMatch.isPresent() ? !matches(ifMatch.get(), etag, true)
                    : request.header("If-Unmodified-Since").map(StaticFiles::parseDate)
                            .filter(d -> d >= 0 && mtime > 0 && modified > d).isPresent()) {
                response.send(412, "precondition failed\n");
                return;
            }
            Optional<String> ifNoneMatch = request.header("If-None-Match");
            if (ifNoneMatch.isPresent() ? matches(ifNoneMatch.get(), etag, false)
                    : request.header("If-Modified-Since").map(StaticFiles::parseDate)
                            .filter(d -> d >= 0 && mtime > 0 && modified <= d).isPresent()) {
                response.status(304);
                return;
            }
            if (encoding != null) {
                response.header("Content-Encoding", encoding);
            }
            response.header("Accept-Ranges", "bytes");
            ByteRanges.Outcome ranges = new ByteRanges.Whole();
            Optional<String> range = request.header("Range");
            if (range.isPresent() && request.method().equals("GET")
                    && request.header("If-Range").map(v -> ifRangeHolds(v, etag, modified, mtime > 0)).orElse(true)) {
                ranges = ByteRanges.parse(range.get(), length);
            }
            boolean head = request.method().equals("HEAD");
            switch (ranges) {
                case ByteRanges.Whole w -> {
                    response.header("Content-Type", type).contentLength(length);
                    if (!head) {
                        content.send(response, 0, length);
                    }
                }
                case ByteRanges.Unsatisfiable u -> {
                    response.headers().remove("Accept-Ranges");
                    response.header("Content-Range", "bytes */" + length);
                    response.send(416, "range not satisfiable: " + range.orElseThrow() + "\n");
                }
                case ByteRanges.Satisfiable s when s.ranges().size() == 1 -> {
                    ByteRanges.Range r = s.ranges().getFirst();
                    response.status(206).header("Content-Type", type)
                            .header("Content-Range", "bytes " + r.first() + "-" + r.last() + "/" + length)
                            .contentLength(r.length());
                    content.send(response, r.first(), r.length());
                }
                case ByteRanges.Satisfiable s -> sendMultipart(response, content, s.ranges(), type, length);
            }
        }
    }

    /** RFC 9110 §14.6: {@code multipart/byteranges}, its exact length declared up front. */
    private static void sendMultipart(HttpResponse response, Root.Content content, List<ByteRanges.Range> ranges,
            String type, long length) throws IOException {
        String boundary = "gevent4j-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
        List<byte[]> heads = new ArrayList<>(ranges.size());
        long total = 0;
        for (int i = 0; i < ranges.size(); i++) {
            ByteRanges.Range r = ranges.get(i);
            byte[] h = ((i == 0 ? "" : "\r\n") + "--" + boundary + "\r\nContent-Type: " + type
                    + "\r\nContent-Range: bytes " + r.first() + "-" + r.last() + "/" + length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            heads.add(h);
            total += h.length + r.length();
        }
        byte[] end = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII);
        total += end.length;
        response.status(206).header("Content-Type", "multipart/byteranges; boundary=" + boundary).contentLength(total);
        OutputStream out = response.outputStream();
        for (int i = 0; i < ranges.size(); i++) {
            out.write(heads.get(i));
            content.send(response, ranges.get(i).first(), ranges.get(i).length());
        }
        out.write(end);
        out.close();
    }

    /** If-Range (RFC 9110 §13.1.5): a strong ETag match, or the exact Last-Modified date. */
    private static boolean ifRangeHolds(String value, String etag, long modified, boolean dated) {
        String v = value.strip();
        if (v.startsWith("\"") || v.startsWith("W/")) {
            return v.equals(etag); // strong comparison: a weak tag never matches
        }
        long d = parseDate(v);
        return d >= 0 && dated && d == modified;
    }

    /** If-Match (strong comparison) or If-None-Match (weak): {@code *} or one tag in the list. */
    private static boolean matches(String header, String etag, boolean strong) {
        String h = header.strip();
        if (h.equals("*")) {
            return true;
        }
        for (String raw : h.split(",")) {
            String t = raw.strip();
            if (t.startsWith("W/")) {
                if (strong) {
                    continue;
                }
                t = t.substring(2);
            }
            if (t.equals(etag)) {
                return true;
            }
        }
        return false;
    }

    /** {@code epochSecond} as an IMF-fixdate (RFC 9110 §5.6.7). */
    static String httpDate(long epochSecond) {
        return IMF_FIXDATE.format(Instant.ofEpochSecond(epochSecond));
    }

    /** Epoch seconds of an IMF-fixdate (or RFC 1123 date), or -1 if it is not one (then the header is ignored). */
    static long parseDate(String value) {
        try {
            return ZonedDateTime.parse(value.strip(), DateTimeFormatter.RFC_1123_DATE_TIME).toEpochSecond();
        } catch (DateTimeParseException e) {
            return -1;
        }
    }

    /** Whether {@code header} (an Accept-Encoding value) accepts {@code coding} with a q above 0. */
    static boolean accepts(String header, String coding) {
        Double star = null;
        for (String element : header.split(",")) {
            String[] parts = element.split(";");
            String name = parts[0].strip().toLowerCase(Locale.ROOT);
            double q = 1;
            for (int i = 1; i < parts.length; i++) {
                String p = parts[i].strip();
                if (p.length() > 2 && (p.startsWith("q=") || p.startsWith("Q="))) {
                    try {
                        q = Double.parseDouble(p.substring(2));
                    } catch (NumberFormatException e) {
                        q = 0;
                    }
                }
            }
            if (name.equals(coding) || (coding.equals("gzip") && name.equals("x-gzip"))) {
                return q > 0;
            }
            if (name.equals("*")) {
                star = q;
            }
        }
        return star != null && star > 0;
    }

    /** The names percent-encoded as path segments (RFC 3986 unreserved characters kept). */
    static String encodePath(List<String> names) {
        StringBuilder b = new StringBuilder();
        for (String n : names) {
            if (!b.isEmpty()) {
                b.append('/');
            }
            b.append(encodeSegment(n));
        }
        return b.toString();
    }

    static String encodeSegment(String name) {
        StringBuilder b = new StringBuilder();
        for (byte x : name.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~') {
                b.append((char) c);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return "StaticFiles[" + root + (prefix.isEmpty() ? "" : " at " + prefix) + "]";
    }

    /**
     * Options of a {@link StaticFiles} handler. Not thread-safe; {@link #build()} copies them.
     */
    public static final class Builder {
        private final Root root;
        private String prefix = "";
        private List<String> indexFiles = List.of("index.html");
        private boolean listing;
        private boolean precompressed = true;
        private boolean hidden;
        private String cacheControl;
        private boolean fileCache = true;
        private final Map<String, String> types = new LinkedHashMap<>();

        private Builder(Root root) {
            this.root = root;
        }

        /**
         * The path the files are mounted at, e.g. {@code "/static"}: a request for
         * {@code /static/app.js} serves {@code app.js} of the root; other paths get 404.
         *
         * @param prefix {@code ""} (the default: the whole path names the file) or a path
         *        starting with {@code /}, not ending with one
         * @return this builder
         */
        public Builder prefix(String prefix) {
            Objects.requireNonNull(prefix, "prefix");
            if (!prefix.isEmpty() && (!prefix.startsWith("/") || prefix.endsWith("/"))) {
                throw new IllegalArgumentException("prefix must be \"\" or start with '/' and not end with one: "
                        + prefix);
            }
            this.prefix = prefix;
            return this;
        }

        /**
         * The files tried, in order, for a request that names a directory (default
         * {@code index.html}); none turns index files off.
         *
         * @param names plain file names
         * @return this builder
         */
        public Builder indexFiles(String... names) {
            for (String n : names) {
                if (n.isEmpty() || n.contains("/") || n.contains("\\") || n.equals(".") || n.equals("..")) {
                    throw new IllegalArgumentException("index file must be a plain file name: " + n);
                }
            }
            this.indexFiles = List.of(names);
            return this;
        }

        /**
         * Whether a directory without an index file is answered with an HTML listing of its
         * entries (default false: 404). Only for a {@link #directory} root.
         *
         * @param on true to list directories
         * @return this builder
         */
        public Builder directoryListing(boolean on) {
            this.listing = on;
            return this;
        }

        /**
         * Whether {@code name.br} and {@code name.gz} beside a file are sent, with
         * {@code Content-Encoding}, to a client whose {@code Accept-Encoding} takes them
         * (default true; {@code br} first).
         *
         * @param on true to serve pre-compressed variants
         * @return this builder
         */
        public Builder precompressed(boolean on) {
            this.precompressed = on;
            return this;
        }

        /**
         * Whether names starting with {@code .} (e.g. {@code .git}, {@code .env}) are served
         * and listed (default false: 404).
         *
         * @param on true to serve hidden files
         * @return this builder
         */
        public Builder hiddenFiles(boolean on) {
            this.hidden = on;
            return this;
        }

        /**
         * A {@code Cache-Control} value sent with every file (default: none).
         *
         * @param value e.g. {@code "public, max-age=3600"}
         * @return this builder
         */
        public Builder cacheControl(String value) {
            this.cacheControl = Objects.requireNonNull(value, "value");
            return this;
        }

        /**
         * Whether what a directory root finds is kept between requests (default true): the
         * checked real path and attributes of each file, directory and missing name (4096
         * entries at most), and the bytes of files of 1 MiB or less (32 MiB in all, first come;
         * past that, files are sent from the file system), so a hit costs one {@code stat(2)}
         * of the request's path (and one of its directory for the pre-compressed variants) and
         * a write from memory: for a small file, head and body in one write. Each request checks that the path still resolves to the same
         * inode with the same modification time, size and (where the file system reports it,
         * as on Linux and macOS) change time; a missing name: that its directory is unchanged.
         * Else it looks the path up again with every traversal and symbolic-link check: a file
         * changed (even keeping its size and restoring its modification time), deleted, created
         * again on the same inode number, renamed over, replaced by a link, or given other
         * permissions is seen by the next request. Files modified in the last 2 seconds are not
         * kept. Not seen: without a change time (Windows), a rewrite keeping size and
         * modification time, and a change of permissions alone; with one, a second such rewrite
         * within a few milliseconds of the first. Turn the cache off for trees changed that way.
         * A class-path root has no cache.
         *
         * @param on false to look every request up on the file system
         * @return this builder
         */
        public Builder fileCache(boolean on) {
            this.fileCache = on;
            return this;
        }

        /**
         * Sets the {@code Content-Type} of files ending in {@code .extension}, over the built-in table.
         *
         * @param extension without the dot, e.g. {@code "mjs"}
         * @param type the media type, e.g. {@code "text/javascript; charset=utf-8"}
         * @return this builder
         */
        public Builder contentType(String extension, String type) {
            Objects.requireNonNull(extension, "extension");
            Objects.requireNonNull(type, "type");
            if (extension.isEmpty() || extension.contains(".") || type.isBlank()) {
                throw new IllegalArgumentException("bad content type mapping: " + extension + " -> " + type);
            }
            types.put(extension, type);
            return this;
        }

        /**
         * The handler.
         *
         * @return a new handler with these options
         * @throws IllegalArgumentException if a directory root does not exist or is not a
         *         directory, or directory listing was asked for a class-path root
         */
        public StaticFiles build() {
            root.check();
            if (listing && root instanceof Root.ClassPath) {
                throw new IllegalArgumentException("directory listing is not available for a class-path root");
            }
            return new StaticFiles(this);
        }
    }
}
