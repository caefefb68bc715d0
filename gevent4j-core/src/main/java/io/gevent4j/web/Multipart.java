package io.gevent4j.web;

import io.gevent4j.http.HttpHeaders;
import io.gevent4j.http.HttpRequest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@code multipart/form-data} request body (RFC 7578, RFC 2046 §5.1), read as a stream: each
 * part is kept in memory up to {@link Limits#memoryThreshold} and spilled to a temporary file
 * past it, so an upload of any size allowed by the limits costs a bounded heap. Every limit
 * (parts, part header size, part size, total size) is enforced while reading, with a 413
 * {@link HttpException} that names it; a malformed body (no or bad boundary, a missing closing
 * boundary, a part without {@code Content-Disposition: form-data; name=...}, a malformed header
 * line) is a 400 that says what is wrong. The server's own {@code maxBodyBytes} (10 MiB by
 * default) bounds the body first: raise it on the server for larger uploads.
 *
 * <p>Who may call it: the request's greenlet. {@link #read} parks while the body arrives (each
 * read bounded by the server's body time-out). Writing a spilled part to its temporary file is
 * plain file I/O on the hub's thread (page-cache writes of at most 64 KiB at a time). Close the
 * result to delete the temporary files; parts moved away with {@link Part#moveTo} are kept.
 *
 * {@snippet :
 * router.post("/upload", (request, response) -> {
 *     try (Multipart form = Multipart.read(request, Multipart.Limits.defaults().maxPartBytes(100 << 20))) {
 *         Multipart.Part file = form.part("file").orElseThrow(() -> new HttpException(400, "no file"));
 *         file.moveTo(uploads.resolve(UUID.randomUUID().toString()));
 *         response.send(200, form.part("title").map(Multipart.Part::string).orElse("") + ": " + file.size());
 *     }
 * });
 * }
 */
public final class Multipart implements AutoCloseable {
    /*
     * Implementation overview. The body is scanned for the delimiter CRLF "--" boundary, with a
     * virtual CRLF in front of the first byte so that a body starting with the first boundary
     * needs no special case. The scanner keeps a window of the input: everything before the last
     * (delimiter length - 1) bytes cannot start a delimiter and goes to the current part's sink;
     * the rest waits for more input. Parts and their temporary files are closed and deleted on
     * any failure, so a refused upload leaves nothing on disk.
     */

    /** Limits of a multipart read; a mutable builder, copied by {@link #read}. */
    public static final class Limits {
        private int maxParts = 100;
        private int maxHeaderBytes = 8 * 1024;
        private long maxPartBytes = 10L << 20;
        private long maxTotalBytes = 64L << 20;
        private int memoryThreshold = 64 * 1024;
        private Path directory;

        private Limits() {}

        /**
         * The defaults: 100 parts, 8 KiB of headers per part, 10 MiB per part, 64 MiB in all,
         * parts above 64 KiB spilled to the JVM's temporary directory.
         *
         * @return new limits with the defaults
         */
        public static Limits defaults() {
            return new Limits();
        }

        /**
         * Most parts.
         *
         * @param max at least 1
         * @return this
         */
        public Limits maxParts(int max) {
            this.maxParts = (int) positive(max, "maxParts");
            return this;
        }

        /**
         * Largest header section of one part.
         *
         * @param max bytes, at least 1
         * @return this
         */
        public Limits maxHeaderBytes(int max) {
            this.maxHeaderBytes = (int) positive(max, "maxHeaderBytes");
            return this;
        }

        /**
         * Largest part content.
         *
         * @param max bytes, at least 1
         * @return this
         */
        public Limits maxPartBytes(long max) {
            this.maxPartBytes = positive(max, "maxPartBytes");
            return this;
        }

        /**
         * Largest whole body, boundaries and headers included.
         *
         * @param max bytes, at least 1
         * @return this
         */
        public Limits maxTotalBytes(long max) {
            this.maxTotalBytes = positive(max, "maxTotalBytes");
            return this;
        }

        /**
         * Largest part kept in memory; larger ones go to a temporary file.
         *
         * @param bytes zero or more (zero: every non-empty part goes to disk)
         * @return this
         */
        public Limits memoryThreshold(int bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("negative memoryThreshold: " + bytes);
            }
            this.memoryThreshold = bytes;
            return this;
        }

        /**
         * Where temporary files go (default: {@code java.io.tmpdir}).
         *
         * @param directory an existing directory
         * @return this
         */
        public Limits directory(Path directory) {
            this.directory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        private static long positive(long v, String what) {
            if (v <= 0) {
                throw new IllegalArgumentException(what + " must be positive: " + v);
            }
            return v;
        }

        private Limits copy() {
            Limits l = new Limits();
            l.maxParts = maxParts;
            l.maxHeaderBytes = maxHeaderBytes;
            l.maxPartBytes = maxPartBytes;
            l.maxTotalBytes = maxTotalBytes;
            l.memoryThreshold = memoryThreshold;
            l.directory = directory;
            return l;
        }
    }

    /** One part: its name, file name and type, headers, and content in memory or in a temporary file. */
    public static final class Part {
        private final String name;
        private final String filename;
        private final HttpHeaders headers;
        private byte[] memory;
        private Path file;
        private long size;

        private Part(String name, String filename, HttpHeaders headers) {
            this.name = name;
            this.filename = filename;
            this.headers = headers;
        }

        /**
         * The form field name ({@code Content-Disposition}'s {@code name}).
         *
         * @return the name
         */
        public String name() {
            return name;
        }

        /**
         * The file name the client sent ({@code filename}), untrusted: never use it as a path.
         *
         * @return the file name, or empty for a plain field
         */
        public Optional<String> filename() {
            return Optional.ofNullable(filename);
        }

        /**
         * The part's {@code Content-Type}.
         *
         * @return the type, or empty if the part has none ({@code text/plain} by RFC 7578)
         */
        public Optional<String> contentType() {
            return headers.first("Content-Type");
        }

        /**
         * The part's header fields.
         *
         * @return the headers as received
         */
        public HttpHeaders headers() {
            return headers;
        }

        /**
         * The content's length.
         *
         * @return bytes
         */
        public long size() {
            return size;
        }

        /**
         * Whether the content is in memory (else in {@link #file()}).
         *
         * @return whether in memory
         */
        public boolean isInMemory() {
            return file == null;
        }

        /**
         * The temporary file that holds a spilled part (deleted when the {@link Multipart} is
         * closed, unless moved with {@link #moveTo}).
         *
         * @return the file, or empty for a part in memory
         */
        public Optional<Path> file() {
            return Optional.ofNullable(file);
        }

        /**
         * The content as a stream.
         *
         * @return a new stream over the content
         * @throws IOException if the temporary file cannot be opened
         */
        public InputStream inputStream() throws IOException {
            return file == null ? new ByteArrayInputStream(memory) : Files.newInputStream(file);
        }

        /**
         * The content as bytes (reads a spilled part's file whole).
         *
         * @return the content
         * @throws UncheckedIOException if the temporary file cannot be read
         */
        public byte[] bytes() {
            if (file == null) {
                return memory.clone();
            }
            try {
                return Files.readAllBytes(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /**
         * The content as UTF-8 text.
         *
         * @return the text
         * @throws HttpException 400 if the content is not UTF-8
         */
        public String string() {
            byte[] b = bytes();
            return Percent.utf8(b, 0, b.length, "part '" + name + "' is not UTF-8 text");
        }

        /**
         * Moves (or writes) the content to {@code target}, replacing it; the part then no longer
         * owns a temporary file.
         *
         * @param target the destination file
         * @throws IOException if moving or writing fails
         */
        public void moveTo(Path target) throws IOException {
            if (file == null) {
                Files.write(target, memory);
            } else {
                Files.move(file, target, StandardCopyOption.REPLACE_EXISTING);
                file = target;
                owned = false;
            }
        }

        private boolean owned = true;

        private void delete() {
            if (file != null && owned) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // best effort: the file is in a temporary directory
                }
            }
        }

        @Override
        public String toString() {
            return "Part[" + name + (filename == null ? "" : ", file " + filename) + ", " + size + " bytes"
                    + (file == null ? "" : " in " + file.getFileName()) + "]";
        }
    }

    private final List<Part> parts;

    private Multipart(List<Part> parts) {
        this.parts = Collections.unmodifiableList(parts);
    }

    /**
     * Reads a {@code multipart/form-data} body with the {@link Limits#defaults() default limits}.
     *
     * @param request the request
     * @return the parts
     * @throws HttpException 415 if the body is not {@code multipart/form-data}, 400 if malformed,
     *     413 past a limit
     * @throws IOException if reading the body or writing a temporary file fails
     */
    public static Multipart read(HttpRequest request) throws IOException {
        return read(request, Limits.defaults());
    }

    /**
     * Reads a {@code multipart/form-data} body.
     *
     * @param request the request
     * @param limits the limits
     * @return the parts
     * @throws HttpException 415 if the body is not {@code multipart/form-data}, 400 if malformed,
     *     413 past a limit
     * @throws IOException if reading the body or writing a temporary file fails
     */
    public static Multipart read(HttpRequest request, Limits limits) throws IOException {
        String type = request.header("Content-Type").orElse("");
        if (!MediaType.essence(type).equals("multipart/form-data")) {
            throw new HttpException(415, "expected Content-Type multipart/form-data, got "
                    + (type.isEmpty() ? "none" : type));
        }
        String boundary = MediaType.parameter(type, "boundary")
                .orElseThrow(() -> new HttpException(400, "multipart/form-data without a boundary parameter"));
        checkBoundary(boundary);
        Limits l = limits.copy();
        if (request.contentLength().orElse(0L) > l.maxTotalBytes) {
            throw new HttpException(413, "multipart body of " + request.contentLength().get()
                    + " bytes is larger than the " + l.maxTotalBytes + "-byte limit");
        }
        return parse(request.body(), boundary, l);
    }

    /** RFC 2046 §5.1.1: 1 to 70 bchars, not ending in a space. */
    private static void checkBoundary(String b) {
        if (b.isEmpty() || b.length() > 70) {
            throw new HttpException(400, "multipart boundary must be 1 to 70 characters, got " + b.length());
        }
        for (int i = 0; i < b.length(); i++) {
            char c = b.charAt(i);
            if (!(c < 128 && (Character.isLetterOrDigit(c) || "'()+_,-./:=? ".indexOf(c) >= 0))) {
                throw new HttpException(400, "invalid character " + Cookies.describe(c) + " in multipart boundary");
            }
        }
        if (b.endsWith(" ")) {
            throw new HttpException(400, "multipart boundary must not end with a space");
        }
    }

    static Multipart parse(InputStream body, String boundary, Limits limits) throws IOException {
        List<Part> parts = new ArrayList<>();
        boolean ok = false;
        try {
            Scanner s = new Scanner(body, ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1), limits);
            if (!s.skipToDelimiter()) {
                throw new HttpException(400, "multipart body has no boundary line '--" + boundary + "'");
            }
            while (true) {
                if (s.closeDelimiter()) {
                    break;
                }
                if (parts.size() == limits.maxParts) {
                    throw new HttpException(413, "multipart body has more than " + limits.maxParts + " parts");
                }
                Part p = s.headers(parts.size() + 1);
                parts.add(p);
                if (!s.content(p)) {
                    throw new HttpException(400, "multipart body ends inside part " + parts.size()
                            + " ('" + p.name + "'): no closing boundary '--" + boundary + "--'");
                }
            }
            ok = true;
            return new Multipart(parts);
        } finally {
            if (!ok) {
                for (Part p : parts) {
                    p.delete();
                }
            }
        }
    }

    /**
     * Every part, in order.
     *
     * @return the parts
     */
    public List<Part> parts() {
        return parts;
    }

    /**
     * The first part named {@code name}.
     *
     * @param name a field name
     * @return the part, or empty
     */
    public Optional<Part> part(String name) {
        for (Part p : parts) {
            if (p.name.equals(name)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /**
     * Every part named {@code name} (a multi-file input sends several).
     *
     * @param name a field name
     * @return the parts, in order
     */
    public List<Part> parts(String name) {
        List<Part> out = new ArrayList<>();
        for (Part p : parts) {
            if (p.name.equals(name)) {
                out.add(p);
            }
        }
        return out;
    }

    /** Deletes the temporary files of the parts not moved away. */
    @Override
    public void close() {
        for (Part p : parts) {
            p.delete();
        }
    }

    @Override
    public String toString() {
        return "Multipart" + parts;
    }

    /** The body as a window of bytes scanned for the delimiter. */
    private static final class Scanner {
        private final InputStream in;
        private final byte[] delimiter;
        private final Limits limits;
        private byte[] buf = new byte[64 * 1024];
        private int start;
        private int end;
        private long total;
        private boolean eof;

        Scanner(InputStream in, byte[] delimiter, Limits limits) {
            this.in = in;
            this.delimiter = delimiter;
            this.limits = limits;
            buf[0] = '\r'; // the virtual CRLF before the first byte
            buf[1] = '\n';
            end = 2;
        }

        /** Reads more input into the window; false at the end of the body. */
        private boolean fill() throws IOException {
            if (eof) {
                return false;
            }
            if (start > 0) {
                System.arraycopy(buf, start, buf, 0, end - start);
                end -= start;
                start = 0;
            }
            if (end == buf.length) {
                buf = Arrays.copyOf(buf, buf.length * 2); // only a header line or delimiter check can get here
            }
            int n = in.read(buf, end, buf.length - end);
            if (n < 0) {
                eof = true;
                return false;
            }
            total += n;
            if (total > limits.maxTotalBytes) {
                throw new HttpException(413, "multipart body is larger than the " + limits.maxTotalBytes + "-byte limit");
            }
            end += n;
            return true;
        }

        private int indexOfDelimiter() {
            byte first = delimiter[0];
            outer:
            for (int i = start; i <= end - delimiter.length; i++) {
                if (buf[i] != first) {
                    continue;
                }
                for (int k = 1; k < delimiter.length; k++) {
                    if (buf[i + k] != delimiter[k]) {
                        continue outer;
                    }
                }
                return i;
            }
            return -1;
        }

        /** Drops the preamble up to and including the first delimiter; false if there is none. */
        boolean skipToDelimiter() throws IOException {
            return copyUntilDelimiter(null);
        }

        /** Streams bytes to {@code sink} (null: drop) up to the next delimiter, consumed; false at EOF first. */
        private boolean copyUntilDelimiter(PartSink sink) throws IOException {
            while (true) {
                int at = indexOfDelimiter();
                if (at >= 0) {
                    if (sink != null) {
                        sink.write(buf, start, at - start);
                    }
                    start = at + delimiter.length;
                    return true;
                }
                int safe = Math.max(start, end - delimiter.length + 1);
                if (sink != null) {
                    sink.write(buf, start, safe - start);
                }
                start = safe;
                if (!fill()) {
                    return false;
                }
            }
        }

        private boolean need(int n) throws IOException {
            while (end - start < n) {
                if (!fill()) {
                    return false;
                }
            }
            return true;
        }

        /** After a delimiter: "--" ends the body (true); else padding and CRLF start a part (false). */
        boolean closeDelimiter() throws IOException {
            if (!need(2)) {
                throw new HttpException(400, "multipart body ends right after a boundary (expected CRLF or '--')");
            }
            if (buf[start] == '-' && buf[start + 1] == '-') {
                start += 2;
                return true; // the epilogue is ignored (the server drains or closes)
            }
            while (need(1) && (buf[start] == ' ' || buf[start] == '\t')) {
                start++;
            }
            if (!need(2) || buf[start] != '\r' || buf[start + 1] != '\n') {
                throw new HttpException(400, "malformed multipart boundary line: expected CRLF or '--' after the boundary");
            }
            start += 2;
            return false;
        }

        /** Reads one part's header section (up to the empty line). */
        Part headers(int index) throws IOException {
            HttpHeaders headers = new HttpHeaders();
            int used = 0;
            while (true) {
                int eol = -1;
                while (true) {
                    for (int i = start; i + 1 < end; i++) {
                        if (buf[i] == '\r' && buf[i + 1] == '\n') {
                            eol = i;
                            break;
                        }
                    }
                    if (eol >= 0) {
                        break;
                    }
                    if (used + (end - start) > limits.maxHeaderBytes) {
                        throw new HttpException(413, "headers of multipart part " + index + " are larger than the "
                                + limits.maxHeaderBytes + "-byte limit");
                    }
                    if (!fill()) {
                        throw new HttpException(400, "multipart body ends inside the headers of part " + index);
                    }
                }
                int len = eol - start;
                used += len + 2;
                if (used > limits.maxHeaderBytes) {
                    throw new HttpException(413, "headers of multipart part " + index + " are larger than the "
                            + limits.maxHeaderBytes + "-byte limit");
                }
                String line = utf8(buf, start, len, index);
                start = eol + 2;
                if (line.isEmpty()) {
                    break;
                }
                int colon = line.indexOf(':');
                if (colon <= 0 || SetCookie.firstNonToken(line.substring(0, colon)) >= 0) {
                    throw new HttpException(400, "malformed header line in multipart part " + index + ": '" + line + "'");
                }
                headers.add(line.substring(0, colon), line.substring(colon + 1).strip());
            }
            String cd = headers.first("Content-Disposition").orElseThrow(() -> new HttpException(400,
                    "multipart part " + index + " has no Content-Disposition header"));
            if (!MediaType.essence(cd).equals("form-data")) {
                throw new HttpException(400, "multipart part " + index + ": Content-Disposition must be form-data, got '"
                        + cd + "'");
            }
            String name = MediaType.parameter(cd, "name").orElseThrow(() -> new HttpException(400,
                    "multipart part " + index + ": Content-Disposition has no name parameter"));
            String filename = MediaType.parameter(cd, "filename").orElse(null);
            return new Part(name, filename, headers);
        }

        private static String utf8(byte[] b, int off, int len, int index) {
            return Percent.utf8(b, off, len, "headers of multipart part " + index + " are not UTF-8");
        }

        /** Streams the part's content to memory or its file; false if the body ends first. */
        boolean content(Part p) throws IOException {
            try (PartSink sink = new PartSink(p, limits)) {
                return copyUntilDelimiter(sink);
            }
        }
    }

    /** Where a part's content goes: memory up to the threshold, then a temporary file. */
    private static final class PartSink implements AutoCloseable {
        private final Part part;
        private final Limits limits;
        private byte[] memory = new byte[0];
        private int length;
        private OutputStream file;

        PartSink(Part part, Limits limits) {
            this.part = part;
            this.limits = limits;
        }

        void write(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return;
            }
            if (part.size + len > limits.maxPartBytes) {
                throw new HttpException(413, "multipart part '" + part.name + "' is larger than the "
                        + limits.maxPartBytes + "-byte limit");
            }
            part.size += len;
            if (file == null && length + len <= limits.memoryThreshold) {
                if (length + len > memory.length) {
                    memory = Arrays.copyOf(memory, Math.min(limits.memoryThreshold, Math.max(length + len, memory.length * 2)));
                }
                System.arraycopy(b, off, memory, length, len);
                length += len;
                return;
            }
            if (file == null) {
                Path dir = limits.directory != null ? limits.directory : Path.of(System.getProperty("java.io.tmpdir"));
                part.file = Files.createTempFile(dir, "gevent4j-upload-", ".part");
                file = Files.newOutputStream(part.file);
                file.write(memory, 0, length);
                memory = null;
            }
            file.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            if (file != null) {
                file.close();
                part.memory = null;
            } else {
                part.memory = length == memory.length ? memory : Arrays.copyOf(memory, length);
            }
        }
    }
}
