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
            String what = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
            cmd.getErr().println("gevent4j " + cmd.getCommandName() + ": " + what);
            cmd.getErr().flush();
            return 1;
        });
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
