package io.gevent4j;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * A child process whose end, and whose output, strands await cooperatively: gevent's
 * {@code subprocess.Popen}, on {@link ProcessBuilder}. The hub keeps running while a greenlet
 * waits for a process or talks to it.
 *
 * <p>Who may call it: any thread, any greenlet on any hub.
 *
 * <p>Blocking: {@link #await()} and {@link #communicate} park the caller.
 * {@link #await(Duration)} and {@link #communicate(byte[], Duration)} raise
 * {@link TimeoutExpiredException} when the time passes, and leave the process running: kill it
 * ({@link #kill()}) or call again (output read so far is kept). An enclosing {@link Timeout} or
 * a kill of the waiting greenlet interrupts the wait, not the process. As a {@link Waitable} it is
 * ready once the process has exited.
 *
 * <p>No zombie is left: the JDK's process reaper collects every child this class starts, and
 * {@link #close()} kills one still running. The pipes are read and written on platform threads
 * of a shared {@link ThreadPool} (pipe I/O is blocking file I/O, which would stall a hub); the
 * exit is observed through {@link Process#onExit()}.
 *
 * {@snippet :
 * try (Subprocess p = Subprocess.start("sort")) {
 *     Subprocess.Output out = p.communicate("b\na\n".getBytes(), Duration.ofSeconds(5));
 *     System.out.print(out.stdoutText()); // a, b
 * }
 * }
 */
public final class Subprocess implements Waitable, AutoCloseable {
    /*
     * Implementation overview.
     *
     * `exit` is an AsyncResult completed by Process.onExit() (on a JDK thread), so waiting for the
     * process is waiting on an AsyncResult: cooperative, interruptible, usable with Gevent.await.
     * communicate() starts, once, a writer of stdin and two readers (stdout, stderr) on the
     * shared IO pool; their AsyncResults are kept in fields (guarded by this), so a communicate
     * that timed out can be called again and collects the same output.
     */

    /** Raised when a process did not end, or its output was not complete, within the timeout. */
    public static final class TimeoutExpiredException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        private final transient Duration timeout;

        TimeoutExpiredException(String command, Duration timeout) {
            super("process " + command + " did not end within " + Timeout.format(timeout)
                    + " (it is still running: kill it, or wait again)");
            this.timeout = timeout;
        }

        /** How long the caller waited. */
        public Duration timeout() {
            return timeout;
        }
    }

    /** What {@link #communicate} collected: the exit code and everything written to stdout and stderr. */
    public record Output(int exitCode, byte[] stdout, byte[] stderr) {
        /** The standard output decoded with the default charset. */
        public String stdoutText() {
            return new String(stdout, Charset.defaultCharset());
        }

        /** The standard error decoded with the default charset. */
        public String stderrText() {
            return new String(stderr, Charset.defaultCharset());
        }
    }

    private static final class IoPool {
        static final ThreadPool POOL = new ThreadPool("subprocess-io", 256, 0, ThreadPool.IDLE_TIMEOUT);
    }

    private final Process process;
    private final String command;
    private final AsyncResult<Integer> exit = new AsyncResult<>();
    private AsyncResult<Void> writer;
    private AsyncResult<byte[]> stdout;
    private AsyncResult<byte[]> stderr;

    private Subprocess(Process process, String command) {
        this.process = process;
        this.command = command;
        process.onExit().whenComplete((p, e) -> {
            if (e != null) {
                exit.setException(e);
            } else {
                exit.set(p.exitValue());
            }
        });
    }

    /** Starts {@code command} (the program and its arguments) with pipes for stdin, stdout and stderr. */
    public static Subprocess start(String... command) {
        return start(new ProcessBuilder(command));
    }

    /**
     * Starts the process {@code builder} describes. Starting (fork/exec) is a short blocking
     * system call made on the caller's thread.
     */
    public static Subprocess start(ProcessBuilder builder) {
        Objects.requireNonNull(builder, "builder");
        try {
            return new Subprocess(builder.start(), String.join(" ", builder.command()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + builder.command(), e);
        }
    }

    /** The JDK process, for its streams and handle. Read its pipes only from a {@link ThreadPool}. */
    public Process process() {
        return process;
    }

    /** The operating system's process id. */
    public long pid() {
        return process.pid();
    }

    /** Whether the process is still running. */
    public boolean isAlive() {
        return !exit.ready();
    }

    /** The exit code, once it has exited. */
    public OptionalInt exitCode() {
        return exit.successful() ? OptionalInt.of(exit.value()) : OptionalInt.empty();
    }

    /** Waits until it exits; returns its exit code. */
    public int await() {
        return exit.result();
    }

    /** Waits at most {@code timeout}; returns its exit code, or raises {@link TimeoutExpiredException}. */
    public int await(Duration timeout) {
        if (!exit.await(timeout)) {
            throw new TimeoutExpiredException(command, timeout);
        }
        return exit.result();
    }

    /** Writes nothing, closes stdin, and collects stdout, stderr and the exit code, waiting as long as needed. */
    public Output communicate() {
        return communicate(new byte[0], Duration.ofNanos(Long.MAX_VALUE));
    }

    /**
     * Writes {@code input} to its stdin and closes it, reads stdout and stderr to their ends, and
     * waits for the exit, all within {@code timeout}; raises {@link TimeoutExpiredException}
     * otherwise (the process keeps running; a second call goes on where this one stopped and
     * ignores its {@code input}).
     */
    public Output communicate(byte[] input, Duration timeout) {
        Objects.requireNonNull(input, "input");
        List<Waitable> parts = new ArrayList<>(4);
        synchronized (this) {
            if (stdout == null) {
                byte[] copy = input.clone();
                writer = IoPool.POOL.submit(() -> {
                    try (OutputStream in = process.getOutputStream()) {
                        if (copy.length > 0) {
                            in.write(copy);
                        }
                    } catch (IOException broken) {
                        // the process closed its stdin (or ended) before reading all: like gevent, not an error
                    }
                    return null;
                });
                stdout = IoPool.POOL.submit(() -> readAll(process.getInputStream()));
                stderr = IoPool.POOL.submit(() -> readAll(process.getErrorStream()));
            }
            parts.add(writer);
            parts.add(stdout);
            parts.add(stderr);
            parts.add(exit);
        }
        if (Gevent.await(parts, timeout).size() < parts.size()) {
            throw new TimeoutExpiredException(command, timeout);
        }
        return new Output(exit.result(), stdout.result(), stderr.result());
    }

    private static byte[] readAll(InputStream in) throws IOException {
        try (in) {
            return in.readAllBytes();
        }
    }

    /*
     * Signals go through the ProcessHandle, not Process.destroy(): the latter also closes our
     * ends of the pipes, so a reader still draining stdout fails with "Stream closed" and what the
     * process wrote before it died is lost (a race, seen in CI). The handle only signals; the
     * JDK's reaper then drains what is left in the pipes and the readers end at EOF.
     */

    /** Asks it to end (SIGTERM on POSIX); does not wait. What it wrote so far stays readable. */
    public void terminate() {
        process.toHandle().destroy();
    }

    /** Kills it (SIGKILL on POSIX); does not wait. What it wrote so far stays readable. */
    public void kill() {
        process.toHandle().destroyForcibly();
    }

    /** Ready once it has exited. */
    @Override
    public boolean ready() {
        return exit.ready();
    }

    @Override
    public Registration whenReady(Runnable action) {
        return exit.whenReady(action);
    }

    /** Kills it if it is still running and waits until it has exited (and been reaped). */
    @Override
    public void close() {
        if (isAlive()) {
            kill();
        }
        exit.await();
    }

    @Override
    public String toString() {
        return "Subprocess[" + command + ", pid " + process.pid() + (isAlive() ? "" : ", exited " + exitCode()) + "]";
    }
}
