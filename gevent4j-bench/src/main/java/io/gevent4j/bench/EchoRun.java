package io.gevent4j.bench;

/**
 * One bounded run of {@link SocketEchoBenchmark}'s echo outside JMH, for {@code strace -c -f} and
 * JFR: the same 100 connections and 1,000 round trips of 64 bytes per invocation, so system calls
 * per round trip are the counts over {@code 100,000 x ROUNDS}. Prints the time per round trip of
 * each invocation. Usage: {@code EchoRun gevent4j|nio-selector-floor|jdk-virtual-threads [ROUNDS]}.
 */
public final class EchoRun {
    private EchoRun() {}

    /**
     * Runs the echo.
     *
     * @param args the implementation ({@link SocketEchoBenchmark#impl}) and the number of invocations
     * @throws Exception if the echo fails
     */
    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 2) {
            throw new IllegalArgumentException("usage: EchoRun gevent4j|gevent4j-2-hubs|nio-selector-floor|nio-floor-plus-switches|jdk-virtual-threads [ROUNDS]");
        }
        SocketEchoBenchmark b = new SocketEchoBenchmark();
        b.impl = args[0];
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        if (rounds <= 0) {
            throw new IllegalArgumentException("ROUNDS must be positive: " + rounds);
        }
        b.setUp();
        try {
            for (int r = 0; r < rounds; r++) {
                long t0 = System.nanoTime();
                b.roundTrips();
                long ns = System.nanoTime() - t0;
                System.out.printf("%s round %d: %.2f us per round trip%n", b.impl, r,
                        ns / 1000.0 / (SocketEchoBenchmark.CONNECTIONS * SocketEchoBenchmark.ROUND_TRIPS));
            }
        } finally {
            b.tearDown();
        }
    }
}
