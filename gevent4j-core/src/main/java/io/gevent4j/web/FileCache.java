package io.gevent4j.web;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What a {@link Root.Directory} found for a list of names, kept while the file system shows it
 * unchanged: a file (with its bytes when small), a directory, or an absence. It saves a lookup's
 * real-path resolution, its attribute reads and, for a small file, the open, read and close:
 * a hit costs one {@code stat(2)}, of the request's path (links followed), compared with what
 * the full lookup saw.
 *
 * <p>Why a hit is as strict as a lookup: a file or directory entry is served only while the
 * request's path still resolves to the very same inode ({@link BasicFileAttributes#fileKey()},
 * device and inode), with the same modification time, size and, where the file system has one
 * (Linux, macOS: the "unix" attribute view), change time ({@code st_ctime}). The change time
 * moves on every write, {@code chmod}, {@code utimes} or link change and cannot be set back: a
 * file rewritten keeping its size and restoring its modification time ({@code cp -p}, an
 * unpacked archive), or deleted and created again on a freed inode number with the same size
 * and time, or whose permissions changed, is looked up afresh. A file changed in place (new
 * time or size), deleted, renamed over, or replaced by a symbolic link (out of the root or not)
 * resolves to another inode or time, and the next request looks it up afresh with every check.
 * An absence is kept against its parent directory's inode and modification time, which change
 * whenever a name in it is created, removed or renamed. The same inode reached by another way
 * is the same file: nothing outside the root becomes visible through it.
 *
 * <p>What it cannot see, documented in {@link StaticFiles.Builder#fileCache}: without a change
 * time, a file rewritten keeping both its size and its modification time, and a change of
 * permissions alone; with one, a second such rewrite within the same tick of the kernel's clock
 * (milliseconds) as the first. A served entry whose modification time is within
 * {@link #SETTLE_MILLIS} of the clock is never kept (a second write in the same clock tick keeps
 * the time: git's "racy" file), so a normal write is always seen by the next request.
 *
 * <p>Bounds: at most {@link #MAX_ENTRIES} entries, and {@link #MAX_BYTES} bytes of files
 * ({@link #SMALL_FILE} or less each) held in memory, first come: past it, a file is kept without
 * its bytes and sent from the file system. Reaching {@link #MAX_ENTRIES} evicts an eighth of the
 * entries by the clock algorithm (an entry hit since the hand last passed gets another turn), so
 * a client asking for many distinct names, missing or not, evicts its own entries and not the
 * ones in use. An entry leaving the cache (evicted, stale or replaced) gives its bytes back to
 * the budget and drops them, so no body outlives its count (a {@link Group} of variants shares
 * its files' entries; a request holding a dropped entry opens the file instead). Thread-safe: one
 * cache serves every hub of the handler; while one thread evicts, the others keep nothing new,
 * so the cap is passed at most by one entry per thread keeping at that very moment.
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

    /** The attributes a hit compares, read by one {@code stat(2)} where the "unix" view exists. */
    private static final String UNIX_STAT = "unix:fileKey,lastModifiedTime,size,isDirectory,ctime";
    /**
     * Whether the file system gives the inode's change time ({@code st_ctime}), which every
     * change of content, times, permissions or links moves and no tool can set back.
     */
    private static final boolean CHANGE_TIME = changeTimeKnown();

    private static boolean changeTimeKnown() {
        try {
            return Files.getAttribute(Path.of("").toAbsolutePath(), "unix:ctime") instanceof FileTime;
        } catch (IOException | RuntimeException e) {
            return false; // no "unix" view (Windows): modification time and size only
        }
    }

    /** The entries are evicted down to this many when {@link #MAX_ENTRIES} is reached. */
    static final int EVICTED_DOWN_TO = MAX_ENTRIES - MAX_ENTRIES / 8;

    private final ConcurrentHashMap<String, Held> slots = new ConcurrentHashMap<>();
    private final AtomicLong bytes = new AtomicLong(); // the lengths of the held Slots, exactly
    private final ReentrantLock evicting = new ReentrantLock();
    private Iterator<Map.Entry<String, Held>> hand; // the clock's hand; guarded by evicting

    /**
     * One entry of the map: a {@link Slot} or a {@link Group}, and whether it was hit since the
     * clock's hand last passed. A Held is in the map at most once; whoever removes it from the
     * map (by identity) gives its bytes back.
     */
    private static final class Held {
        final Object value;
        final int length; // bytes of the budget this entry holds (a Slot's body; 0 for a Group)
        boolean used; // racy but benign: a lost write costs one entry its second chance

        Held(Object value) {
            this.value = value;
            this.length = value instanceof Slot s ? s.length() : 0;
        }

        void hit() {
            if (!used) {
                used = true; // written only when it changes: no cache-line traffic on every hit
            }
        }
    }

    /**
     * What a lookup found: an entry (null: nothing there) and the state it is checked against
     * ({@code checked} null: not kept, it holds for the request that made it only).
     */
    private record Slot(Root.Entry entry, Path checked, Object fileKey, FileTime modified, long size, boolean dir,
            int length, FileTime changed) {
        static Slot once(Root.Entry entry) {
            return new Slot(entry, null, null, null, 0, false, 0, null);
        }

        /** Whether {@code checked} still shows the state this slot was made with (one {@code stat}). */
        boolean holds() {
            if (checked == null) {
                return false;
            }
            try {
                if (changed != null) { // the same one stat(2), with the change time
                    Map<String, Object> a = Files.readAttributes(checked, UNIX_STAT); // links followed
                    return fileKey.equals(a.get("fileKey")) && modified.equals(a.get("lastModifiedTime"))
                            && a.get("size") instanceof Long n && size == n
                            && a.get("isDirectory") instanceof Boolean d && dir == d && changed.equals(a.get("ctime"));
                }
                BasicFileAttributes a = Files.readAttributes(checked, BasicFileAttributes.class); // links followed
                return fileKey.equals(a.fileKey()) && modified.equals(a.lastModifiedTime()) && size == a.size()
                        && dir == a.isDirectory();
            } catch (IOException | RuntimeException e) {
                return false; // gone, or unreadable: the lookup decides
            }
        }

        /** Whether {@code other} is checked with the very same {@code stat} and expectation. */
        boolean sameCheck(Slot other) {
            return checked != null && checked.equals(other.checked) && fileKey.equals(other.fileKey)
                    && modified.equals(other.modified) && size == other.size && dir == other.dir
                    && java.util.Objects.equals(changed, other.changed);
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

    /** The bytes the held entries' files take in memory, counted one by one (for tests: equals {@link #bytesHeld()} when quiet). */
    long bytesOfEntries() {
        return slots.values().stream().mapToLong(h -> h.length).sum();
    }

    /** The bytes of files held in memory, as accounted against {@link #MAX_BYTES} (for tests). */
    long bytesHeld() {
        return bytes.get();
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
        Held held = slots.get(key);
        if (held != null && held.value instanceof Group g) {
            if (g.holds()) {
                held.hit();
                return g.entries();
            }
            remove(key, held);
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
            keep(key, new Group(entries, parts)); // not kept if another thread is evicting: no matter
        }
        return entries;
    }

    private Slot slot(Root.Directory root, String key, List<String> names) throws IOException {
        Held held = slots.get(key);
        if (held != null && held.value instanceof Slot slot) {
            if (slot.holds()) {
                held.hit();
                return slot;
            }
            remove(key, held);
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
                    0, null);
            return keep(key, absent) ? absent : Slot.once(null);
        }
        return Slot.once(entry);
    }

    /** Whether {@code a}'s modification time is old enough that a next write changes it, and it has an identity. */
    private static boolean settled(BasicFileAttributes a) {
        return a.fileKey() != null && a.lastModifiedTime().toMillis() <= System.currentTimeMillis() - SETTLE_MILLIS;
    }

    /**
     * Keeps {@code slot} (its bytes already reserved); at {@link #MAX_ENTRIES}, evicts first.
     * False if it was not kept (another thread is evicting): the caller gives its bytes back.
     */
    private boolean keep(String key, Object slot) {
        if (slots.size() >= MAX_ENTRIES && !evict()) {
            return false;
        }
        Held old = slots.put(key, new Held(slot));
        if (old != null) {
            release(old);
        }
        return true;
    }

    /** Removes {@code held} if it is still the entry at {@code key}, and gives its bytes back. */
    private void remove(String key, Held held) {
        if (slots.remove(key, held)) { // Held has identity equality: only one remover wins
            release(held);
        }
    }

    /** Gives back the bytes of {@code held}, which has just left the map, and drops them. */
    private void release(Held held) {
        if (held.length > 0) {
            bytes.addAndGet(-held.length);
            if (held.value instanceof Slot s && s.entry() instanceof CachedFile f) {
                f.drop();
            }
        }
    }

    /**
     * The clock: the hand walks the entries, giving a hit entry a second chance (clearing its
     * mark) and removing the others, until {@link #EVICTED_DOWN_TO} remain. One thread evicts at
     * a time; one that finds another at it does not wait, and keeps nothing.
     *
     * @return whether there is room now
     */
    private boolean evict() {
        if (!evicting.tryLock()) {
            return false;
        }
        try {
            // Two full turns at most: the first clears every mark it passes, the second then removes.
            for (long steps = 2L * slots.size() + 2; steps > 0 && slots.size() > EVICTED_DOWN_TO; steps--) {
                if (hand == null || !hand.hasNext()) {
                    hand = slots.entrySet().iterator(); // weakly consistent: safe beside concurrent updates
                    if (!hand.hasNext()) {
                        return true;
                    }
                }
                Map.Entry<String, Held> e = hand.next();
                Held h = e.getValue();
                if (h.used) {
                    h.used = false;
                } else {
                    remove(e.getKey(), h);
                }
            }
            return slots.size() < MAX_ENTRIES;
        } finally {
            evicting.unlock();
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
            // The change time, read before the bytes: a change from here on moves it (or the
            // time or size, read before it), so what is kept is never newer than what is checked.
            FileTime changed = null;
            boolean keep = settled(a);
            if (keep && CHANGE_TIME) {
                try {
                    changed = (FileTime) Files.getAttribute(r, "unix:ctime", LinkOption.NOFOLLOW_LINKS);
                } catch (IOException | RuntimeException e) {
                    keep = false;
                }
            }
            Root.Entry entry;
            int length = 0;
            if (dir != null) {
                entry = dir;
            } else {
                byte[] body = null;
                if (keep && a.size() <= SMALL_FILE && reserve(a.size())) {
                    try {
                        body = read(r, a.size());
                    } catch (IOException e) {
                        // Gone (or swapped for a link) since the look-up: its reservation is given
                        // back, and the name is looked up afresh, as nothing (404) if so it is.
                        bytes.addAndGet(-a.size());
                        return null;
                    }
                    if (body == null) {
                        bytes.addAndGet(-a.size());
                    }
                }
                entry = new CachedFile(r, a.lastModifiedTime().toMillis(), body);
                length = body == null ? 0 : body.length;
            }
            slot = keep ? new Slot(entry, p, a.fileKey(), a.lastModifiedTime(), a.size(), dir != null, length, changed)
                    : null;
            if (slot == null || !FileCache.this.keep(key, slot)) {
                bytes.addAndGet(-length); // this request alone sends the bytes it read
                slot = Slot.once(entry);
            }
            return entry;
        }
    }

    /** Runs right before a look-up reads a small file's bytes (tests: to change the file in that window). */
    Runnable beforeRead = () -> {};

    /** The whole file if it has exactly {@code size} bytes now, else null (it is changing: not kept in memory). */
    private byte[] read(Path file, long size) throws IOException {
        beforeRead.run();
        try (FileChannel ch = FileChannel.open(file, java.nio.file.StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            ByteBuffer b = ByteBuffer.allocate((int) size + 1);
            while (ch.read(b) > 0 && b.hasRemaining()) {
                // read until the end of the file, or one byte past the size seen
            }
            return b.position() == size ? java.util.Arrays.copyOf(b.array(), (int) size) : null;
        }
    }

    /**
     * A file found by a lookup. Its bytes, when small, were read right after the lookup; else
     * {@link #open} opens the real path the lookup checked inside the root (on a hit, the last
     * {@code stat} showed the request's path still resolving to its inode), without following
     * a link in its last name ({@link Root#openReal}).
     */
    static final class CachedFile implements Root.File {
        private final Path path;
        private final long modified;
        private byte[] body; // null once dropped (racy but benign: a reader sees the bytes or opens the file)
        private String date; // racy but benign: every thread computes the same string

        CachedFile(Path path, long modified, byte[] body) {
            this.path = path;
            this.modified = modified;
            this.body = body;
        }

        /** Lets the bytes go (the cache no longer counts them); {@link #open} opens the file from now on. */
        void drop() {
            body = null;
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
            byte[] b = body;
            return b != null ? Root.bytes(b) : Root.openReal(path);
        }
    }
}
