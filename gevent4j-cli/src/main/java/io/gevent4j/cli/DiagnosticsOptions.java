package io.gevent4j.cli;

import io.gevent4j.RunInfo;
import io.gevent4j.Watchdog;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * Options every command takes: the blocking watchdog, and a dump of every hub and its greenlets
 * on a signal ({@code kill -USR2 <pid>}), the hub-level peer of the JVM's SIGQUIT thread dump.
 */
final class DiagnosticsOptions {

    @Option(names = "--watchdog", arity = "0..1", fallbackValue = "100ms", paramLabel = "THRESHOLD",
            converter = DurationConverter.class,
            description = "report a hub that runs one greenlet longer than THRESHOLD (default when given: 100ms)")
    Duration watchdog;

    @Option(names = "--run-info-signal", defaultValue = "USR2", paramLabel = "SIGNAL",
            description = "print every hub and its greenlets on this signal; 'none' to disable (default: ${DEFAULT-VALUE})")
    String runInfoSignal;

    @Option(names = "--run-info-format", defaultValue = "text", paramLabel = "FORMAT",
            description = "text or json (default: ${DEFAULT-VALUE})")
    String runInfoFormat;

    /** Applies the options; returns the signal that was installed, if any. */
    Optional<String> apply(PrintStream out) {
        if (watchdog != null) {
            Watchdog.enable(watchdog);
        }
        boolean json = switch (runInfoFormat.toLowerCase(Locale.ROOT)) {
            case "text" -> false;
            case "json" -> true;
            default -> throw new IllegalArgumentException("--run-info-format must be text or json, not '" + runInfoFormat + "'");
        };
        if (runInfoSignal.equalsIgnoreCase("none")) {
            return Optional.empty();
        }
        String name = runInfoSignal.toUpperCase(Locale.ROOT).replaceFirst("^SIG", "");
        try {
            installHandler(name, out, json);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--run-info-signal: cannot handle signal '" + runInfoSignal + "' ("
                    + e.getMessage() + "); use USR2, USR1 or HUP, or 'none'", e);
        }
        return Optional.of(name);
    }

    /** Runs on the JVM's signal-dispatch thread (a plain thread: RunInfo may wait for the hubs there). */
    static void installHandler(String signal, PrintStream out, boolean json) {
        sun.misc.Signal.handle(new sun.misc.Signal(signal), s -> {
            RunInfo info = RunInfo.capture();
            out.println(json ? info.toJson() : info.toText());
            out.flush();
        });
    }

    /**
     * The command's duration options: the library's one duration syntax
     * ({@link Watchdog#parseDuration}: {@code 500ms}, {@code 2s}, {@code 1m}, {@code PT2S}; a bare
     * number other than 0 is refused, since {@code 5} could be seconds or milliseconds).
     */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return Watchdog.parseDuration(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
