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
 * <p>Bounds: at most {@link #MAX_ENTRIES} entries (reaching it empties the cache: cheap, and it
 * refills from the next requests), and {@link #MAX_BYTES} bytes of files ({@link #SMALL_FILE}
 * or less each) held in memory, first come: past it, a file is kept without its bytes and sent
 * from the file system. Thread-safe: one cache serves every hub of the handler.
 */
final class FileCache {
    /**
     * A file of at most this many bytes is kept in memory (while {@link #MAX_BYTES} allows):
     * sent with the head in one write when small, and by {@code write(2)} rather than
     * {@code sendfile(2)} when larger, which on loopback is 1.5-2.5 times faster here
     * (docs/BENCHMARKS.md §12).
     */
    static final int SMALL_FILE = 1024 * 1024;
    /** The most bytes of files kept in memory; past it, files are sent from the file system. */
    static final long MAX_BYTES = 32L << 20;
    /** The most entries kept (files, directories and absences). */
    static final int MAX_ENTRIES = 4096;
    /** An entry modified less than this long ago is not kept: its time may not change on a next write. */
    static final long SETTLE_MILLIS = 2000;

    private final ConcurrentHashMap<String, Object> slots = new ConcurrentHashMap<>(); // a Slot or a Group
    private final AtomicLong bytes = new AtomicLong();

    /**
     * What a lookup found: an entry (null: nothing there) and the state it is checked against
     * ({@code checked} null: not kept, it holds for the request that made it only).
     */
    private record Slot(Root.Entry entry, Path checked, Object fileKey, FileTime modified, long size, boolean dir,
            int length) {
        static Slot once(Root.Entry entry) {
            return new Slot(entry, null, null, null, 0, false, 0);
        }

        /** Whether {@code checked} still shows the state this slot was made with (one {@code stat}). */
        boolean holds() {
            if (checked == null) {
                return false;
            }
            BasicFileAttributes a;
            try {
                a = Files.readAttributes(checked, BasicFileAttributes.class); // links followed
            } catch (IOException | RuntimeException e) {
                return false; // gone, or unreadable: the lookup decides
            }
            return fileKey.equals(a.fileKey()) && modified.equals(a.lastModifiedTime()) && size == a.size()
                    && dir == a.isDirectory();
        }

        /** Whether {@code other} is checked with the very same {@code stat} and expectation. */
        boolean sameCheck(Slot other) {
            return checked != null && checked.equals(other.checked) && fileKey.equals(other.fileKey)
                    && modified.equals(other.modified) && size == other.size && dir == other.dir;
        }
    }

    /**
     * The variants of one file ({@code name.br}, {@code name.gz}), kept together so that the
     * absences, all checked against the same directory, cost one {@code stat} between them.
     */
    private record Group(Root.Entry[] entries, Slot[] parts) {
        boolean holds() {
            next:
            for (int i = 0; i < parts.length; i++) {
                for (int j = 0; j < i; j++) {
                    if (parts[j].sameCheck(parts[i])) {
                        continue next; // checked already by this very call
                    }
                }
                if (!parts[i].holds()) {
                    return false;
                }
            }
            return true;
        }
    }

    /** The number of entries held (for tests). */
    int size() {
        return slots.size();
    }

    private static String key(List<String> names) {
        return names.isEmpty() ? "" : names.size() == 1 ? names.getFirst() : String.join("/", names);
    }

    /** The entry at {@code names} under {@code root}: kept if it still holds, else looked up (and kept if it may be). */
    Root.Entry find(Root.Directory root, List<String> names) throws IOException {
        return slot(root, key(names), names).entry();
    }

    /**
     * The entries at {@code names} with each of {@code suffixes} appended to the last name, in
     * that order (null where there is none); {@code suffixes} is the caller's constant array.
     */
    Root.Entry[] variants(Root.Directory root, List<String> names, String[] suffixes) throws IOException {
        String key = key(names) + "\0variants"; // no name holds a NUL (RequestPath refuses it)
        if (slots.get(key) instanceof Group g) {
            if (g.holds()) {
                return g.entries();
            }
            slots.remove(key, g);
        }
        Root.Entry[] entries = new Root.Entry[suffixes.length];
        Slot[] parts = new Slot[suffixes.length];
        boolean kept = true;
        for (int i = 0; i < suffixes.length; i++) {
            List<String> variant = new java.util.ArrayList<>(names);
            variant.set(names.size() - 1, names.getLast() + suffixes[i]);
            parts[i] = slot(root, key(variant), variant);
            entries[i] = parts[i].entry();
            kept &= parts[i].checked() != null;
        }
        if (kept) {
            keep(key, new Group(entries, parts));
        }
        return entries;
    }

    private Slot slot(Root.Directory root, String key, List<String> names) throws IOException {
        if (slots.get(key) instanceof Slot slot) {
            if (slot.holds()) {
                return slot;
            }
            if (slots.remove(key, slot)) {
                bytes.addAndGet(-slot.length());
            }
        }
        Path p = root.pathOf(names);
        if (p == null) {
            return Slot.once(null);
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
        Found found = new Found(key);
        Root.Entry entry = root.lookup(names, found);
        if (found.slot != null) {
            return found.slot;
        }
        // An absence is kept only when the name itself is missing from its directory (not a
        // dangling link, a link out of the root, a device, or a directory that cannot be read).
        if (entry == null && parent != null && parent.isDirectory() && settled(parent)
                && Files.notExists(p, LinkOption.NOFOLLOW_LINKS)) {
            Slot absent = new Slot(null, p.getParent(), parent.fileKey(), parent.lastModifiedTime(), parent.size(), true,
                    0);
            keep(key, absent);
            return absent;
        }
        return Slot.once(entry);
    }

    /** Whether {@code a}'s modification time is old enough that a next write changes it, and it has an identity. */
    private static boolean settled(BasicFileAttributes a) {
        return a.fileKey() != null && a.lastModifiedTime().toMillis() <= System.currentTimeMillis() - SETTLE_MILLIS;
    }

    /** Keeps {@code slot} (its bytes already reserved); past {@link #MAX_ENTRIES}, empties the cache first. */
    private void keep(String key, Object slot) {
        if (slots.size() >= MAX_ENTRIES) {
            slots.clear(); // the crude eviction: hot entries come back on their next request
            bytes.set(slot instanceof Slot s ? s.length() : 0); // approximate while others keep at once; bounded
        }
        if (slots.put(key, slot) instanceof Slot old) {
            bytes.addAndGet(-old.length());
        }
    }

    /** Reserves {@code n} bytes of the memory budget; false if it would pass {@link #MAX_BYTES}. */
    private boolean reserve(long n) {
        long held;
        do {
            held = bytes.get();
            if (held + n > MAX_BYTES) {
                return false;
            }
        } while (!bytes.compareAndSet(held, held + n));
        return true;
    }

    /** Takes what a lookup found on the file system, and makes its slot. */
    final class Found {
        private final String key;
        Slot slot;

        Found(String key) {
            this.key = key;
        }

        /**
         * A directory ({@code dir} not null) or a regular file found at {@code p} (real path
         * {@code r}, attributes {@code a}); answers the entry to serve, kept if it may be.
         */
        Root.Entry found(Path p, Path r, BasicFileAttributes a, Root.Dir dir) throws IOException {
            boolean keep = settled(a);
            Root.Entry entry;
            int length = 0;
            if (dir != null) {
                entry = dir;
            } else {
                byte[] body = null;
                if (keep && a.size() <= SMALL_FILE && reserve(a.size())) {
                    body = read(r, a.size());
                    if (body == null) {
                        bytes.addAndGet(-a.size());
                    }
                }
                entry = new CachedFile(p, a.lastModifiedTime().toMillis(), body);
                length = body == null ? 0 : body.length;
            }
            if (keep) {
                slot = new Slot(entry, p, a.fileKey(), a.lastModifiedTime(), a.size(), dir != null, length);
                FileCache.this.keep(key, slot);
            } else {
                slot = Slot.once(entry);
            }
            return entry;
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
