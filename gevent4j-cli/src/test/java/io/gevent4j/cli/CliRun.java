package io.gevent4j.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;

/** Runs the command in-process, as a user runs it, and keeps what it printed. */
record CliRun(int exitCode, String out, String err) {
    static CliRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new CliRun(code, out.toString(), err.toString());
    }

    /** A duration as the command's options spell it. */
    static String arg(Duration d) {
        return d.toMillis() + "ms";
    }

    /** The value after {@code label:} on a line of the text report. */
    String field(String label) {
        for (String line : out.split("\n")) {
            if (line.startsWith(label + ":")) {
                return line.substring(label.length() + 1).trim();
            }
        }
        throw new AssertionError("no '" + label + "' line in:\n" + out);
    }
}
