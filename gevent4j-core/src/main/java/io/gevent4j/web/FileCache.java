package io.gevent4j.web;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a {@link Root.Directory} found for a list of names, kept while the file system shows it
 * unchanged: a file (with its bytes when small), a directory, or an absence. It saves a lookup's
 * real-path resolution, its attribute reads and, for a small file, the open, read and close:
 * a hit costs one {@code stat(2)}, of the request's path (links followed), compared with what
 * the full lookup saw.
 *
 * <p>Why a hit is as strict as a lookup: a file or directory entry is served only while the
 * request's path still resolves to the very same inode ({@link BasicFileAttributes#fileKey()},
 * device and inode), with the same modification time and size. A file changed in place (new
 * time or size), deleted, renamed over, or replaced by a symbolic link (out of the root or not)
 * resolves to another inode or time, and the next request looks it up afresh with every check.
 * An absence is kept against its parent directory's inode and modification time, which change
 * whenever a name in it is created, removed or renamed. The same inode reached by another way
 * is the same file: nothing outside the root becomes visible through it.
 *
 * <p>What it cannot see, documented in {@link StaticFiles.Builder#fileCache}: a file rewritten
 * in place keeping both its size and its modification time (tools that restore times), and a
 * change of permissions alone; a served entry whose time is within {@link #SETTLE_MILLIS} of the
 * clock is never kept (a second write in the same clock tick keeps the time: git's "racy" file),
 * so a normal write is always seen by the next request.
 *
 * <p>Bounds: at most {@link #MAX_ENTRIES} entries, and {@link #MAX_BYTES} bytes of small files
 * ({@link #SMALL_FILE} or less each); reaching either empties the cache (cheap, and it refills
 * from the next requests). Thread-safe: one cache serves every hub of the handler.
 */
final class FileCache {
    /** A file of at most this many bytes is kept in memory and sent with the head, in one write. */
    static final int SMALL_FILE = 16 * 1024;
    /** The most bytes of small files kept. */
    static final long MAX_BYTES = 16L << 20;
    /** The most entries kept (files, directories and absences). */
    static final int MAX_ENTRIES = 4096;
    /** An entry modified less than this long ago is not kept: its time may not change on a next write. */
    static final long SETTLE_MILLIS = 2000;

    private final ConcurrentHashMap<String, Slot> slots = new ConcurrentHashMap<>();
    private final AtomicLong bytes = new AtomicLong();

    /** What {@link #find} kept: an entry (null: nothing there) and the state it is checked against. */
    private record Slot(Root.Entry entry, Path checked, Object fileKey, FileTime modified, long size, boolean dir) {
        /** Whether {@code checked} still shows the state this slot was made with (one {@code stat}). */
        boolean holds() {
            BasicFileAttributes a;
            try {
                a = Files.readAttributes(checked, BasicFileAttributes.class); // links followed
            } catch (IOException | RuntimeException e) {
                return false; // gone, or unreadable: the lookup decides
            }
            return fileKey.equals(a.fileKey()) && modified.equals(a.lastModifiedTime()) && size == a.size()
                    && dir == a.isDirectory();
        }
    }

    /** The number of entries held (for tests). */
    int size() {
        return slots.size();
    }

    /** The entry at {@code names} under {@code root}: kept if it still holds, else looked up (and kept if it may be). */
    Root.Entry find(Root.Directory root, List<String> names) throws IOException {
        String key = names.isEmpty() ? "" : names.size() == 1 ? names.getFirst() : String.join("/", names);
        Slot slot = slots.get(key);
        if (slot != null) {
            if (slot.holds()) {
                return slot.entry();
            }
            slots.remove(key, slot);
        }
        Path p = root.pathOf(names);
        if (p == null) {
            return null;
        }
        // The parent's state before the lookup: an absence is kept against it, so a name created
        // during the lookup has already changed it.
        BasicFileAttributes parent = null;
        if (!names.isEmpty()) {
            try {
                parent = Files.readAttributes(p.getParent(), BasicFileAttributes.class);
            } catch (IOException e) {
                parent = null; // no parent directory: the lookup finds nothing, and nothing is kept
            }
        }
        Root.Entry entry = root.lookup(names, new Found(key));
        // An absence is kept only when the name itself is missing from its directory (not a
        // dangling link, a link out of the root, a device, or a directory that cannot be read).
        if (entry == null && parent != null && parent.isDirectory() && settled(parent)
                && Files.notExists(p, LinkOption.NOFOLLOW_LINKS)) {
            keep(key, new Slot(null, p.getParent(), parent.fileKey(), parent.lastModifiedTime(), parent.size(), true), 0);
        }
        return entry;
    }

    /** Whether {@code a}'s modification time is old enough that a next write changes it, and it has an identity. */
    private static boolean settled(BasicFileAttributes a) {
        return a.fileKey() != null && a.lastModifiedTime().toMillis() <= System.currentTimeMillis() - SETTLE_MILLIS;
    }

    private void keep(String key, Slot slot, int length) {
        if (slots.size() >= MAX_ENTRIES || bytes.addAndGet(length) > MAX_BYTES) {
            slots.clear(); // the crude eviction: both bounds hold, and hot entries come back on their next request
            bytes.set(length);
        }
        slots.put(key, slot);
    }

    /** Takes what a lookup found on the file system; knows whether it ended on a missing name. */
    final class Found {
        private final String key;

        Found(String key) {
            this.key = key;
        }

        /**
         * A directory ({@code dir} not null) or a regular file found at {@code p} (real path
         * {@code r}, attributes {@code a}); answers the entry to serve, kept if it may be.
         */
        Root.Entry found(Path p, Path r, BasicFileAttributes a, Root.Dir dir) throws IOException {
            boolean keep = settled(a);
            if (dir != null) {
                if (keep) {
                    FileCache.this.keep(key, new Slot(dir, p, a.fileKey(), a.lastModifiedTime(), a.size(), true), 0);
                }
                return dir;
            }
            byte[] body = keep && a.size() <= SMALL_FILE ? read(r, a.size()) : null;
            CachedFile file = new CachedFile(p, a.lastModifiedTime().toMillis(), body);
            if (keep) {
                FileCache.this.keep(key, new Slot(file, p, a.fileKey(), a.lastModifiedTime(), a.size(), false),
                        body == null ? 0 : body.length);
            }
            return file;
        }
    }

    /** The whole file if it has exactly {@code size} bytes now, else null (it is changing: not kept in memory). */
    private static byte[] read(Path file, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(file)) {
            ByteBuffer b = ByteBuffer.allocate((int) size + 1);
            while (ch.read(b) > 0 && b.hasRemaining()) {
                // read until the end of the file, or one byte past the size seen
            }
            return b.position() == size ? java.util.Arrays.copyOf(b.array(), (int) size) : null;
        }
    }

    /**
     * A file found by a lookup. Its bytes, when small, were read right after the lookup; else
     * {@link #open} opens the request's path, which the lookup (or, on a hit, the last
     * {@code stat}) showed resolving to this same inode inside the root.
     */
    static final class CachedFile implements Root.File {
        private final Path path;
        private final long modified;
        private final byte[] body;
        private String date; // racy but benign: every thread computes the same string

        CachedFile(Path path, long modified, byte[] body) {
            this.path = path;
            this.modified = modified;
            this.body = body;
        }

        /** Whether the bytes are held in memory. */
        boolean inMemory() {
            return body != null;
        }

        @Override
        public long modifiedMillis() {
            return modified;
        }

        @Override
        public String httpDate() {
            String d = date;
            if (d == null) {
                date = d = StaticFiles.httpDate(modified / 1000);
            }
            return d;
        }

        @Override
        public Root.Content open() throws IOException {
            return body != null ? Root.bytes(body) : Root.openFile(path);
        }
    }
}
