package io.gevent4j.web;

import static io.gevent4j.testkit.Delays.LONG;
import static io.gevent4j.testkit.Delays.VERY_LONG;
import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.Hub;
import io.gevent4j.http.HttpServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link StaticFiles}' {@link FileCache} over real loopback: whatever changes between two requests
 * (a file rewritten, deleted, replaced by a symbolic link out of the root, a directory swapped
 * for a link, a missing name created, a variant added), the next request sees it, and nothing
 * outside the root is ever served. The victims have the same size and modification time as the
 * files they replace, so only the inode comparison tells them apart.
 */
class FileCacheTest {
    static final Instant OLD = Instant.parse("2026-01-02T03:04:05Z");
    static final String PUBLIC = "public-content!"; // 15 bytes, as SECRET
    static final String SECRET = "TOP-SECRET-4711";

    @TempDir
    Path tmp;
    Path www;
    Path outside;
    Hub hub;
    List<HttpServer> servers = new ArrayList<>();
    HttpServer server;

    @BeforeEach
    void tree() throws IOException {
        www = Files.createDirectories(tmp.resolve("www"));
        outside = Files.createDirectories(tmp.resolve("outside"));
        write(www.resolve("a.txt"), PUBLIC);
        write(www.resolve("big.bin"), big('p'));
        Files.createDirectories(www.resolve("sub"));
        write(www.resolve("sub/f.txt"), PUBLIC);
        Files.createDirectories(www.resolve("later"));
        Files.createSymbolicLink(www.resolve("dangling.txt"), Path.of("later/target.txt"));
        write(outside.resolve("a.txt"), SECRET);
        write(outside.resolve("f.txt"), SECRET);
        write(outside.resolve("big.bin"), big('S'));
        for (Path d : List.of(www.resolve("sub"), www.resolve("later"), www, outside)) {
            Files.setLastModifiedTime(d, FileTime.from(OLD)); // settled: the cache may keep what is in them
        }
        hub = Hub.start("file-cache-test");
        server = HttpServer.builder(StaticFiles.directory(www).build()).hub(hub).listen("127.0.0.1:0").build().start();
        servers.add(server);
    }

    /** More than {@link FileCache#SMALL_FILE} bytes: sent from the file, not from memory. */
    static String big(char c) {
        char[] a = new char[FileCache.SMALL_FILE + 100];
        Arrays.fill(a, c);
        return new String(a);
    }

    static void write(Path p, String text) throws IOException {
        Files.writeString(p, text);
        Files.setLastModifiedTime(p, FileTime.from(OLD));
    }

    @AfterEach
    void stop() {
        servers.forEach(s -> s.stop(java.time.Duration.ZERO));
        assertThat(hub.close(LONG)).isTrue();
    }

    RawHttp.Response get(String target, String... headers) throws IOException {
        try (RawHttp c = new RawHttp(server.address(), LONG)) {
            return c.exchange("GET", target, headers);
        }
    }

    /** Requests {@code target} twice: the second is answered from the cache when the cache keeps it. */
    RawHttp.Response warm(String target) throws IOException {
        get(target);
        return get(target);
    }

    @Test
    void aFileRewrittenInPlaceIsServedNew() throws IOException {
        assertThat(warm("/a.txt").text()).isEqualTo(PUBLIC);
        Files.writeString(www.resolve("a.txt"), "a new, longer content");
        assertThat(get("/a.txt").text()).isEqualTo("a new, longer content");
        // same size, another modification time (settled: kept again)
        write(www.resolve("a.txt"), "PUBLIC-CONTENT!");
        Files.setLastModifiedTime(www.resolve("a.txt"), FileTime.from(OLD.plusSeconds(60)));
        assertThat(get("/a.txt").text()).isEqualTo("PUBLIC-CONTENT!");
        assertThat(get("/a.txt").text()).isEqualTo("PUBLIC-CONTENT!");
    }

    @Test
    void aDeletedFileIsGone() throws IOException {
        assertThat(warm("/a.txt").status()).isEqualTo(200);
        assertThat(warm("/big.bin").status()).isEqualTo(200);
        Files.delete(www.resolve("a.txt"));
        Files.delete(www.resolve("big.bin"));
        assertThat(get("/a.txt").status()).isEqualTo(404);
        assertThat(get("/big.bin").status()).isEqualTo(404);
    }

    @Test
    void aFileReplacedByALinkOutOfTheRootIsNotServed() throws IOException {
        assertThat(warm("/a.txt").text()).isEqualTo(PUBLIC);
        assertThat(warm("/big.bin").text()).isEqualTo(big('p'));
        for (String name : List.of("a.txt", "big.bin")) {
            Files.delete(www.resolve(name));
            Files.createSymbolicLink(www.resolve(name), outside.resolve(name)); // same size and time
        }
        for (String target : List.of("/a.txt", "/big.bin")) {
            RawHttp.Response r = get(target);
            assertThat(r.status()).as(target).isEqualTo(404);
            assertThat(r.text()).as(target).doesNotContain("TOP-SECRET").doesNotContain("SSSS");
        }
    }

    @Test
    void aDirectoryReplacedByALinkOutOfTheRootIsNotServed() throws IOException {
        assertThat(warm("/sub/f.txt").text()).isEqualTo(PUBLIC);
        Files.move(www.resolve("sub"), tmp.resolve("sub-moved"));
        Files.createSymbolicLink(www.resolve("sub"), outside); // outside/f.txt: same size and time
        RawHttp.Response r = get("/sub/f.txt");
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.text()).doesNotContain(SECRET);
    }

    @Test
    void aMissingNameCreatedLaterIsServed() throws IOException {
        assertThat(warm("/new.txt").status()).isEqualTo(404);
        assertThat(warm("/sub/new.txt").status()).isEqualTo(404);
        Files.writeString(www.resolve("new.txt"), "new");
        Files.writeString(www.resolve("sub/new.txt"), "sub new");
        assertThat(get("/new.txt").text()).isEqualTo("new");
        assertThat(get("/sub/new.txt").text()).isEqualTo("sub new");
    }

    @Test
    void aDanglingLinkWhoseTargetAppearsIsServed() throws IOException {
        // the link's own directory does not change when its target is created in another one
        assertThat(warm("/dangling.txt").status()).isEqualTo(404);
        write(www.resolve("later/target.txt"), PUBLIC);
        assertThat(get("/dangling.txt").text()).isEqualTo(PUBLIC);
    }

    @Test
    void aVariantAddedLaterIsChosen() throws IOException {
        assertThat(warm("/a.txt").header("Content-Encoding")).isNull();
        write(www.resolve("a.txt.gz"), "GZIP-BYTES");
        RawHttp.Response r = get("/a.txt", "Accept-Encoding: gzip");
        assertThat(r.header("Content-Encoding")).isEqualTo("gzip");
        assertThat(r.text()).isEqualTo("GZIP-BYTES");
        assertThat(r.header("Vary")).isEqualTo("Accept-Encoding");
        Files.setLastModifiedTime(www, FileTime.from(OLD)); // settled again: the variants are kept
        assertThat(warm("/a.txt").header("Vary")).isEqualTo("Accept-Encoding");
        write(www.resolve("a.txt.gz"), "NEW-GZIP-BYTES!"); // in place: its directory does not change
        assertThat(get("/a.txt", "Accept-Encoding: gzip").text()).isEqualTo("NEW-GZIP-BYTES!");
        Files.delete(www.resolve("a.txt.gz"));
        RawHttp.Response plain = get("/a.txt", "Accept-Encoding: gzip");
        assertThat(plain.header("Content-Encoding")).isNull();
        assertThat(plain.text()).isEqualTo(PUBLIC);
    }

    @Test
    void validatorsAndRangesOfACachedFile() throws IOException {
        RawHttp.Response first = warm("/a.txt");
        String etag = first.header("ETag");
        assertThat(first.header("Last-Modified")).isEqualTo("Fri, 02 Jan 2026 03:04:05 GMT");
        assertThat(get("/a.txt", "If-None-Match: " + etag).status()).isEqualTo(304);
        RawHttp.Response range = get("/a.txt", "Range: bytes=7-13");
        assertThat(range.status()).isEqualTo(206);
        assertThat(range.text()).isEqualTo(PUBLIC.substring(7, 14));
        assertThat(range.header("Content-Range")).isEqualTo("bytes 7-13/15");
        Files.writeString(www.resolve("a.txt"), "changed content");
        RawHttp.Response after = get("/a.txt", "If-None-Match: " + etag);
        assertThat(after.status()).isEqualTo(200);
        assertThat(after.header("ETag")).isNotEqualTo(etag);
    }

    @Test
    void keepsSettledEntriesOnlyAndStaysBounded() throws IOException {
        Root.Directory root = new Root.Directory(www);
        root.check();
        FileCache cache = new FileCache();
        assertThat(cache.find(root, List.of("a.txt"))).isInstanceOfSatisfying(FileCache.CachedFile.class,
                f -> assertThat(f.inMemory()).isTrue());
        assertThat(cache.size()).isEqualTo(1);
        assertThat(cache.find(root, List.of("big.bin"))).isInstanceOfSatisfying(FileCache.CachedFile.class,
                f -> assertThat(f.inMemory()).isFalse());
        Files.writeString(www.resolve("fresh.txt"), "just written"); // its time is now: not settled
        assertThat(cache.find(root, List.of("fresh.txt"))).isInstanceOf(Root.File.class);
        assertThat(cache.size()).isEqualTo(2);
        Files.setLastModifiedTime(www, FileTime.from(OLD));
        for (int i = 0; i < FileCache.MAX_ENTRIES + 100; i++) {
            assertThat(cache.find(root, List.of("missing-" + i))).isNull();
            assertThat(cache.size()).isLessThanOrEqualTo(FileCache.MAX_ENTRIES);
        }
        assertThat(cache.size()).isGreaterThan(0);
    }

    /**
     * The window between the check (a look-up, or a hit's {@code stat}) and the open: a file
     * swapped for a link out of the root right then must not be opened through the link. The
     * test stands in for an attacker winning that race by swapping between the two calls.
     */
    @Test
    void aFileSwappedForALinkBetweenTheCheckAndTheOpenIsNotOpenedThroughIt() throws IOException {
        Root.Directory root = new Root.Directory(www);
        root.check();
        Files.createSymbolicLink(www.resolve("link.bin"), Path.of("big.bin")); // a link inside the root is fine
        FileCache cache = new FileCache();
        List<Root.File> checked = new ArrayList<>();
        checked.add((Root.File) root.find(List.of("big.bin"))); // no cache
        checked.add((Root.File) cache.find(root, List.of("big.bin"))); // a look-up through the cache
        checked.add((Root.File) cache.find(root, List.of("big.bin"))); // a hit
        checked.add((Root.File) cache.find(root, List.of("link.bin")));
        checked.add((Root.File) cache.find(root, List.of("link.bin")));
        assertThat(checked.get(2)).isSameAs(checked.get(1));
        try (Root.Content c = checked.get(4).open()) {
            assertThat(c.length()).isEqualTo(big('p').length());
        }
        Files.delete(www.resolve("big.bin"));
        Files.createSymbolicLink(www.resolve("big.bin"), outside.resolve("big.bin"));
        for (Root.File f : checked) {
            try (Root.Content c = f.open()) {
                org.junit.jupiter.api.Assertions.fail("opened through the link: " + c.length() + " bytes");
            } catch (IOException expected) {
                // ELOOP: the last name is a link now
            }
        }
    }

    /**
     * Names no file system lookup can answer are simply not there (404), cached or not: a name
     * longer than a file name may be ({@code ENAMETOOLONG}), a link loop ({@code ELOOP}).
     * They used to fail the look-up with an exception, a 500 a client could provoke at will.
     */
    @Test
    void aTooLongNameOrALinkLoopIsNotFound() throws IOException {
        Files.createSymbolicLink(www.resolve("loop"), Path.of("loop"));
        Files.createSymbolicLink(www.resolve("loop-a"), Path.of("loop-b"));
        Files.createSymbolicLink(www.resolve("loop-b"), Path.of("loop-a"));
        HttpServer off = HttpServer.builder(StaticFiles.directory(www).fileCache(false).build()).hub(hub)
                .listen("127.0.0.1:0").build().start();
        servers.add(off);
        String longName = "n".repeat(300);
        for (String target : List.of("/" + longName, "/sub/" + longName, "/" + longName + "/x", "/loop", "/loop/x",
                "/loop-a", "/sub/../loop-b".replace("/sub/..", ""))) {
            assertThat(warm(target).status()).as("cached %s", target).isEqualTo(404);
            try (RawHttp c = new RawHttp(off.address(), LONG)) {
                assertThat(c.exchange("GET", target).status()).as("uncached %s", target).isEqualTo(404);
            }
        }
    }

    /**
     * A small file deleted (or swapped for a link) between the look-up and the read of its
     * bytes: the answer is "not there", and the bytes reserved for it go back to the budget
     * (they leaked: every such race shrank the memory budget for good, and the request got a 500).
     */
    @Test
    void aFileGoneBeforeItsBytesAreReadGivesItsReservationBack() throws IOException {
        Root.Directory root = new Root.Directory(www);
        root.check();
        FileCache cache = new FileCache();
        cache.beforeRead = () -> {
            try {
                Files.delete(www.resolve("a.txt"));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        assertThat(cache.find(root, List.of("a.txt"))).isNull();
        assertThat(cache.bytesHeld()).isZero();
        write(www.resolve("a.txt"), PUBLIC);
        cache.beforeRead = () -> {
            try {
                Files.delete(www.resolve("a.txt"));
                Files.createSymbolicLink(www.resolve("a.txt"), outside.resolve("a.txt"));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        assertThat(cache.find(root, List.of("a.txt"))).isNull();
        assertThat(cache.bytesHeld()).isZero();
        cache.beforeRead = () -> {};
        assertThat(cache.find(root, List.of("a.txt"))).isNull(); // a link out of the root
        assertThat(cache.bytesHeld()).isZero();
    }

    /**
     * A client asking for ever new missing names must not cost everyone else their hits: the
     * cache once emptied itself whenever it reached {@link FileCache#MAX_ENTRIES}, so 4,096
     * requests for junk names evicted every hot file. Entries in use now stay.
     */
    @Test
    void aFloodOfMissingNamesDoesNotEvictTheEntriesInUse() throws IOException {
        Root.Directory root = new Root.Directory(www);
        root.check();
        FileCache cache = new FileCache();
        Root.Entry hot = cache.find(root, List.of("a.txt"));
        Root.Entry hotBig = cache.find(root, List.of("big.bin"));
        Root.Entry hotMissing = cache.find(root, List.of("sub", "nothing-here"));
        assertThat(hot).isInstanceOf(FileCache.CachedFile.class);
        for (int i = 0; i < 4 * FileCache.MAX_ENTRIES; i++) {
            assertThat(cache.find(root, List.of("missing-" + i))).isNull();
            assertThat(cache.size()).isLessThanOrEqualTo(FileCache.MAX_ENTRIES);
            if (i % 64 == 0) {
                assertThat(cache.find(root, List.of("a.txt"))).as("after %d missing names", i).isSameAs(hot);
                assertThat(cache.find(root, List.of("big.bin"))).as("after %d missing names", i).isSameAs(hotBig);
                assertThat(cache.find(root, List.of("sub", "nothing-here"))).isNull();
            }
        }
        assertThat(hotMissing).isNull();
        assertThat(((FileCache.CachedFile) hot).inMemory()).isTrue();
        assertThat(cache.bytesHeld()).isEqualTo(PUBLIC.length());
    }

    /**
     * Many threads (the hubs of one handler) keeping, evicting and dropping entries at once:
     * the entry cap and the memory budget hold throughout, and the bytes accounted are exactly
     * those of the entries held (the old full clear reset the count while others were keeping).
     */
    @Test
    void theCapAndTheBudgetHoldUnderConcurrentChurn() throws Exception {
        Root.Directory root = new Root.Directory(www);
        root.check();
        FileCache cache = new FileCache();
        byte[] body = new byte[FileCache.SMALL_FILE / 8];
        int files = (int) (FileCache.MAX_BYTES / body.length) + 8; // more than the budget holds
        for (int i = 0; i < files; i++) {
            Path f = www.resolve("c" + i + ".bin");
            Files.write(f, body);
            Files.setLastModifiedTime(f, FileTime.from(OLD));
        }
        Files.setLastModifiedTime(www, FileTime.from(OLD));
        int threads = 4;
        int perThread = FileCache.MAX_ENTRIES + 1024; // four threads: a sweep every few hundred keeps
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> started = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            started.add(Thread.ofPlatform().start(() -> {
                try {
                    for (int i = 0; i < perThread; i++) {
                        List<String> names = i % 16 == 0 ? List.of("c" + (i / 16 + id) % files + ".bin")
                                : List.of("missing-" + id + "-" + i);
                        cache.find(root, names);
                        assertThat(cache.size()).isLessThanOrEqualTo(FileCache.MAX_ENTRIES + threads);
                        assertThat(cache.bytesHeld()).isBetween(0L, FileCache.MAX_BYTES);
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        for (Thread t : started) {
            t.join(VERY_LONG.multipliedBy(3).toMillis()); // bounded work; a loaded machine is slow
            assertThat(t.isAlive()).isFalse();
        }
        assertThat(failures).isEmpty();
        assertThat(cache.bytesHeld()).isEqualTo(cache.bytesOfEntries());
        assertThat(cache.size()).isLessThanOrEqualTo(FileCache.MAX_ENTRIES + threads);
    }

    @Test
    void filesInMemoryStayWithinTheBudgetAndTheRestIsSentFromTheFileSystem() throws IOException {
        Root.Directory root = new Root.Directory(www);
        root.check();
        FileCache cache = new FileCache();
        byte[] largest = new byte[FileCache.SMALL_FILE];
        int n = (int) (FileCache.MAX_BYTES / FileCache.SMALL_FILE) + 2;
        for (int i = 0; i < n; i++) {
            Path f = www.resolve("m" + i + ".bin");
            largest[0] = (byte) i;
            Files.write(f, largest);
            Files.setLastModifiedTime(f, FileTime.from(OLD));
        }
        long inMemory = 0;
        for (int i = 0; i < n; i++) {
            var file = (FileCache.CachedFile) cache.find(root, List.of("m" + i + ".bin"));
            inMemory += file.inMemory() ? FileCache.SMALL_FILE : 0;
            try (Root.Content c = file.open()) {
                assertThat(c.length()).isEqualTo(FileCache.SMALL_FILE);
            }
        }
        assertThat(inMemory).isGreaterThan(0).isLessThanOrEqualTo(FileCache.MAX_BYTES);
        assertThat(inMemory).isLessThan((long) n * FileCache.SMALL_FILE);
        // a file changed gives its bytes back: the next one may take them
        Files.delete(www.resolve("m0.bin"));
        assertThat(cache.find(root, List.of("m0.bin"))).isNull();
        var last = (FileCache.CachedFile) cache.find(root, List.of("m" + (n - 1) + ".bin"));
        assertThat(last.inMemory()).isFalse(); // kept without bytes: it does not ask again while it holds
        Files.setLastModifiedTime(www.resolve("m" + (n - 1) + ".bin"), FileTime.from(OLD.plusSeconds(1)));
        assertThat(((FileCache.CachedFile) cache.find(root, List.of("m" + (n - 1) + ".bin"))).inMemory()).isTrue();
    }

    @Test
    void aFileRewrittenInPlaceKeepingSizeAndTimeIsServedNew() throws IOException {
        HttpServer off = HttpServer.builder(StaticFiles.directory(www).fileCache(false).build()).hub(hub)
                .listen("127.0.0.1:0").build().start();
        servers.add(off);
        try (RawHttp c = new RawHttp(off.address(), LONG)) {
            assertThat(c.exchange("GET", "/a.txt").text()).isEqualTo(PUBLIC);
        }
        assertThat(warm("/a.txt").text()).isEqualTo(PUBLIC);
        // rewritten in place keeping size and time (as a tool restoring times would)
        afterTheChangeTimeOf(www.resolve("a.txt"));
        Files.writeString(www.resolve("a.txt"), "PUBLIC-CONTENT!");
        Files.setLastModifiedTime(www.resolve("a.txt"), FileTime.from(OLD));
        try (RawHttp c = new RawHttp(off.address(), LONG)) {
            assertThat(c.exchange("GET", "/a.txt").text()).isEqualTo("PUBLIC-CONTENT!");
        }
        // the inode's change time moved (no tool can set it): the cache sees the rewrite
        assertThat(get("/a.txt").text()).isEqualTo("PUBLIC-CONTENT!");
    }

    /**
     * A file deleted and created again with the same size and modification time (an unpacked
     * archive, {@code cp -p}) often gets the freed inode number back: device, inode, size and
     * time all match, and only the change time tells the new file from the old one.
     */
    @Test
    void aFileRecreatedWithTheSameSizeTimeAndPerhapsInodeIsServedNew() throws IOException {
        boolean reused = false;
        for (int round = 0; round < 3; round++) {
            String before = round % 2 == 0 ? PUBLIC : "PUBLIC-CONTENT!";
            String after = round % 2 == 0 ? "PUBLIC-CONTENT!" : PUBLIC;
            assertThat(warm("/a.txt").text()).as("round %d", round).isEqualTo(before);
            Object inode = Files.readAttributes(www.resolve("a.txt"), BasicFileAttributes.class).fileKey();
            afterTheChangeTimeOf(www.resolve("a.txt"));
            Files.delete(www.resolve("a.txt"));
            write(www.resolve("a.txt"), after);
            assertThat(get("/a.txt").text()).as("round %d", round).isEqualTo(after);
            reused |= inode.equals(Files.readAttributes(www.resolve("a.txt"), BasicFileAttributes.class).fileKey());
        }
        System.out.println("inode number reused: " + reused); // file-system dependent (ext4: usually)
    }

    /**
     * Returns once a change made now gets a later change time than {@code p}'s (the kernel's
     * file times tick coarsely, a few milliseconds): writes a probe file until it does.
     */
    void afterTheChangeTimeOf(Path p) throws IOException {
        FileTime before = (FileTime) Files.getAttribute(p, "unix:ctime");
        Path probe = tmp.resolve("tick-probe");
        long deadline = System.nanoTime() + LONG.toNanos();
        do {
            Files.writeString(probe, "tick");
            assertThat(System.nanoTime()).as("the change time never ticked").isLessThan(deadline);
        } while (((FileTime) Files.getAttribute(probe, "unix:ctime")).compareTo(before) <= 0);
    }
}
