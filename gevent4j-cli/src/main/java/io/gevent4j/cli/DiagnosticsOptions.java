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
            default -> throw new IllegalArgumentException("--run-info-format must be text or json: " + runInfoFormat);
        };
        if (runInfoSignal.equalsIgnoreCase("none")) {
            return Optional.empty();
        }
        String name = runInfoSignal.toUpperCase(Locale.ROOT).replaceFirst("^SIG", "");
        installHandler(name, out, json);
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

    /** {@code 100ms}, {@code 0.5s}, {@code 2m}, a bare number of milliseconds, or ISO-8601. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            String t = value.trim().toLowerCase(Locale.ROOT);
            if (t.startsWith("p")) {
                return Duration.parse(value.trim());
            }
            double unit;
            if (t.endsWith("ms")) {
                unit = 1e6;
                t = t.substring(0, t.length() - 2);
            } else if (t.endsWith("s")) {
                unit = 1e9;
                t = t.substring(0, t.length() - 1);
            } else if (t.endsWith("m")) {
                unit = 60e9;
                t = t.substring(0, t.length() - 1);
            } else {
                unit = 1e6;
            }
            try {
                return Duration.ofNanos(Math.round(Double.parseDouble(t) * unit));
            } catch (NumberFormatException e) {
                throw new CommandLine.TypeConversionException("not a duration: '" + value + "' (e.g. 100ms, 0.5s)");
            }
        }
    }
}
