package io.gevent4j.internal;

/** The library's logger ({@code io.gevent4j}), and a way to log that never throws. */
public final class EngineLog {
    static final System.Logger LOG = System.getLogger("io.gevent4j");

    private EngineLog() {
    }

    /**
     * Logs and never throws: out of file descriptors, a logging back end can fail with a plain
     * Error (JUL's first time stamp loads time-zone data from a file). Falls back to stderr.
     */
    public static void logSafely(System.Logger.Level level, String message, Throwable error) {
        try {
            LOG.log(level, message, error);
        } catch (Throwable loggingFailed) {
            try {
                System.err.println("gevent4j: " + level + ": " + message + ": " + error
                        + " (and the logger failed: " + loggingFailed + ")");
            } catch (Throwable ignored) {
                // nowhere left to say it
            }
        }
    }
}
