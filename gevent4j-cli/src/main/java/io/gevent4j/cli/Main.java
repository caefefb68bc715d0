package io.gevent4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code gevent4j} command. */
@Command(
        name = "gevent4j",
        mixinStandardHelpOptions = true,
        version = "gevent4j 0.1.0-SNAPSHOT",
        description = "gevent's programming model on Java 25: greenlets on one event loop per hub.",
        subcommands = {ExampleCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    DiagnosticsOptions diagnostics = new DiagnosticsOptions();

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (tests call this). */
    public static int run(String... args) {
        Main main = new Main();
        CommandLine cl = new CommandLine(main);
        // Diagnostics (watchdog, run info on a signal) apply before any subcommand runs.
        cl.setExecutionStrategy(parsed -> {
            main.diagnostics.apply(System.err);
            return new CommandLine.RunLast().execute(parsed);
        });
        cl.setParameterExceptionHandler((ex, a) -> {
            CommandLine cmd = ex.getCommandLine();
            cmd.getErr().println("gevent4j: " + ex.getMessage() + " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
            return 2;
        });
        return cl.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
