package io.gevent4j.web;

import io.gevent4j.http.HttpResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLConnection;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Where a {@link StaticFiles} handler finds its files: a directory, or a class-path root. Given
 * the checked names of a {@link RequestPath}, it answers a file, a directory or nothing; the
 * directory root checks, as a second line behind {@code RequestPath}, that the path stays under
 * the root and that its real path (symbolic links followed) stays under the root's real path.
 */
sealed interface Root {
    /** What a lookup found. */
    sealed interface Entry {}

    /** A directory; {@code path} is null on the class path (no listing there). */
    record Dir(Path path) implements Entry {}

    /** A file: its modification time (0 if unknown) and a way to open its bytes. */
    non-sealed interface File extends Entry {
        long modifiedMillis();

        Content open() throws IOException;

        /** The {@code Last-Modified} value for {@link #modifiedMillis()} (a cached file keeps it). */
        default String httpDate() {
            return StaticFiles.httpDate(modifiedMillis() / 1000);
        }
    }

    /** Bytes held in memory, sent by ranges (a cached small file, or a resource of a jar). */
    static Content bytes(byte[] bytes) {
        return new Content() {
            @Override
            public long length() {
                return bytes.length;
            }

            @Override
            public void send(HttpResponse response, long position, long count) throws IOException {
                response.outputStream().write(bytes, (int) position, (int) count);
            }

            @Override
            public void close() {}
        };
    }

    /** The open bytes of a file, sent by ranges; closed after the response. */
    interface Content extends AutoCloseable {
        long length();

        /** Sends {@code count} bytes from {@code position} as body bytes of {@code response}. */
        void send(HttpResponse response, long position, long count) throws IOException;

        @Override
        void close() throws IOException;
    }

    /** The file at {@code file}, opened; its length is the size when opened. */
    static Content openFile(Path file) throws IOException {
        return open(FileChannel.open(file));
    }

    /**
     * The file at {@code real}, a real path a look-up checked, opened without following a link
     * in its last name: one swapped in since the check fails to open ({@code ELOOP}) rather than
     * leading out of the root. (A parent directory swapped for a link in that window is not
     * caught: that takes {@code openat2(RESOLVE_BENEATH)}, which the JDK does not offer.)
     */
    static Content openReal(Path real) throws IOException {
        return open(FileChannel.open(real, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS));
    }

    private static Content open(FileChannel ch) throws IOException {
        long length;
        try {
            length = ch.size();
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        return new Content() {
            @Override
            public long length() {
                return length;
            }

            @Override
            public void send(HttpResponse response, long position, long count) throws IOException {
                response.sendFile(ch, position, count);
            }

            @Override
            public void close() throws IOException {
                ch.close();
            }
        };
    }

    /** The entry at {@code names} under this root, or null. */
    Entry find(List<String> names) throws IOException;

    /** Fails with a precise message if this root cannot serve (called once, by the builder). */
    void check();

    /**
     * A directory on a file system; files are sent with {@link HttpResponse#sendFile}. A
     * {@link FileCache} may stand in front of its lookups.
     */
    final class Directory implements Root {
        private final Path dir;
        private Path real;

        Directory(Path dir) {
            this.dir = dir.toAbsolutePath().normalize();
        }

        @Override
        public void check() {
            if (!Files.isDirectory(dir)) {
                throw new IllegalArgumentException("not a directory: " + dir);
            }
            try {
                real = dir.toRealPath();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot resolve the root directory " + dir, e);
            }
        }

        @Override
        public Entry find(List<String> names) throws IOException {
            return lookup(names, null);
        }

        /** The absolute, normalised path {@code names} name under the root, or null if they cannot name one. */
        Path pathOf(List<String> names) {
            Path p = dir;
            try {
                for (String n : names) {
                    p = p.resolve(n);
                }
            } catch (InvalidPathException e) {
                return null;
            }
            p = p.normalize();
            if (!p.startsWith(dir) || p.getNameCount() != dir.getNameCount() + names.size()) {
                return null; // RequestPath lets no such name through; a second line all the same
            }
            return p;
        }

        /**
         * The entry at {@code names}, looked up on the file system with every check; with a
         * {@code found} sink, also what the cache needs to keep it (the resolved attributes).
         */
        Entry lookup(List<String> names, FileCache.Found found) throws IOException {
            Path p = pathOf(names);
            if (p == null) {
                return null;
            }
            Path r;
            BasicFileAttributes a;
            try {
                r = p.toRealPath();
                a = Files.readAttributes(r, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (java.nio.file.FileSystemException e) {
                // Not there, not a directory, no access, and also what a client may ask for at
                // will: a name too long for the file system (ENAMETOOLONG), a link loop (ELOOP).
                // None names a file to serve: 404, not an exception (a 500 on demand).
                return null;
            }
            if (!r.startsWith(real)) {
                return null; // a symbolic link out of the root
            }
            if (a.isDirectory()) {
                Dir d = new Dir(r);
                if (found != null) {
                    found.found(p, r, a, d);
                }
                return d;
            }
            if (!a.isRegularFile()) {
                return null; // no devices, FIFOs or sockets
            }
            if (found != null) {
                return found.found(p, r, a, null);
            }
            long modified = a.lastModifiedTime().toMillis();
            Path file = r;
            return new File() {
                @Override
                public long modifiedMillis() {
                    return modified;
                }

                @Override
                public Content open() throws IOException {
                    return openReal(file);
                }
            };
        }

        /** Whether {@code entry} (a path inside a listed directory) resolves inside the root. */
        boolean inside(Path entry) {
            try {
                return entry.toRealPath().startsWith(real);
            } catch (IOException e) {
                return false;
            }
        }

        @Override
        public String toString() {
            return dir.toString();
        }
    }

    /**
     * Resources on a class loader under a name prefix: a resource in an exploded directory is
     * sent like a file; one in a jar is read whole (resources are an application's own assets).
     */
    final class ClassPath implements Root {
        private final ClassLoader loader;
        private final String base;

        ClassPath(ClassLoader loader, String base) {
            this.loader = loader;
            this.base = base;
        }

        @Override
        public void check() {
            // a class-path root need not exist as an entry of its own (jars often lack directory entries)
        }

        @Override
        public Entry find(List<String> names) throws IOException {
            String name = base + (base.isEmpty() || names.isEmpty() ? "" : "/") + String.join("/", names);
            if (name.isEmpty()) {
                return new Dir(null);
            }
            URL url = loader.getResource(name);
            if (url == null) {
                return names.isEmpty() ? new Dir(null) : null;
            }
            if (url.getProtocol().equals("file")) {
                Path p;
                try {
                    p = Path.of(url.toURI());
                } catch (URISyntaxException | IllegalArgumentException e) {
                    return null;
                }
                if (Files.isDirectory(p)) {
                    return new Dir(null);
                }
                if (!Files.isRegularFile(p)) {
                    return null;
                }
                long modified = Files.getLastModifiedTime(p).toMillis();
                return new File() {
                    @Override
                    public long modifiedMillis() {
                        return modified;
                    }

                    @Override
                    public Content open() throws IOException {
                        return openFile(p);
                    }
                };
            }
            URLConnection c = url.openConnection();
            if (c instanceof JarURLConnection jar && jar.getJarEntry() != null && jar.getJarEntry().isDirectory()) {
                return new Dir(null);
            }
            byte[] bytes;
            try (InputStream in = c.getInputStream()) {
                bytes = in.readAllBytes();
            } catch (IOException e) {
                return null; // a directory entry of some other scheme, or unreadable
            }
            // a jar's URL connection dates the jar file, not the entry
            long known = c instanceof JarURLConnection jar && jar.getJarEntry() != null
                    ? jar.getJarEntry().getTime() : c.getLastModified();
            long modified;
            if (known > 0) {
                modified = known;
            } else { // no date: a content hash keeps the ETag honest
                CRC32 crc = new CRC32();
                crc.update(bytes);
                modified = -crc.getValue() - 1; // negative: no Last-Modified is sent
            }
            return new File() {
                @Override
                public long modifiedMillis() {
                    return modified;
                }

                @Override
                public Content open() {
                    return bytes(bytes);
                }
            };
        }

        @Override
        public String toString() {
            return "classpath:" + base;
        }
    }
}
