package io.gevent4j.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code gevent4j} command. */
@Command(
        name = "gevent4j",
        mixinStandardHelpOptions = true,
        version = "gevent4j 0.1.0-SNAPSHOT",
        description = "gevent's programming model on Java 25: greenlets on one event loop per hub.",
        subcommands = {DemoCommand.class, ServeCommand.class, BenchCommand.class, ResolveCommand.class,
            ExampleCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    DiagnosticsOptions diagnostics = new DiagnosticsOptions();

    /**
     * Runs the command line and exits with its code.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line on System.out and System.err and returns the exit code. */
    public static int run(String... args) {
        return run(new PrintWriter(System.out, true, StandardCharsets.UTF_8),
                new PrintWriter(System.err, true, StandardCharsets.UTF_8), args);
    }

    /** Runs the command line with its output and errors on these writers; returns the exit code (tests call this). */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        Main main = new Main();
        CommandLine cl = new CommandLine(main);
        cl.setOut(out);
        cl.setErr(err);
        // One duration syntax for every option of every command (500ms, 2s, 1m, PT2S).
        cl.registerConverter(java.time.Duration.class, new DiagnosticsOptions.DurationConverter());
        // Diagnostics (watchdog, run info on a signal) apply before any subcommand runs.
        cl.setExecutionStrategy(parsed -> {
            main.diagnostics.apply(System.err);
            return new CommandLine.RunLast().execute(parsed);
        });
        cl.setParameterExceptionHandler((ex, a) -> {
            CommandLine cmd = ex.getCommandLine();
            cmd.getErr().println("gevent4j: " + ex.getMessage() + " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
            cmd.getErr().flush();
            return 2;
        });
        // A command that fails at run time (unknown host, port in use...) gets one line, not a stack trace.
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("gevent4j " + cmd.getCommandName() + ": " + describe(ex));
            cmd.getErr().flush();
            return 1;
        });
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /**
     * One line for an error: its message, or (for exceptions without one, such as
     * {@code UnresolvedAddressException}) what its class says; never {@code null}. A cause with a
     * message of its own is added when the outer message does not already contain it.
     */
    static String describe(Throwable e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            String name = e.getClass().getSimpleName().replaceAll("(Exception|Error)$", "");
            m = name.replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase(java.util.Locale.ROOT);
        }
        Throwable c = e.getCause();
        if (c != null && c.getMessage() != null && !m.contains(c.getMessage())) {
            m = m + ": " + c.getMessage();
        }
        return m;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
