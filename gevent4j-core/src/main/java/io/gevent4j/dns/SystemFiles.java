package io.gevent4j.dns;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The resolver's system files ({@code /etc/resolv.conf}, {@code hosts}, {@code services}). */
final class SystemFiles {
    private SystemFiles() {}

    /** The text of {@code path}; empty if the machine has no such file or it cannot be read (the C library's view). */
    static String read(String path) {
        Path p = Path.of(path);
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException | java.io.UncheckedIOException e) {
            return "";
        }
    }
}
