package io.gevent4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.cli.CountingHttpServer.Answer;
import io.gevent4j.testkit.Delays;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

class BenchCommandTest {

    @Test
    void newConnectionPerRequestCountsEveryRequestExactly() throws Exception {
        try (CountingHttpServer server = new CountingHttpServer(i -> Answer.OK)) {
            CliRun run = CliRun.of("bench", "-q", "-n", "120", "-c", "12", server.url());
            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(server.requests.get()).isEqualTo(120);
            assertThat(server.connections.get()).isEqualTo(120);
            assertThat(run.field("Completed requests")).isEqualTo("120");
            assertThat(run.field("Failed requests")).startsWith("0 ");
            assertThat(run.field("Unfinished requests")).isEqualTo("0");
            assertThat(run.field("Connections opened")).isEqualTo("120");
            assertThat(run.field("Latency (ms)")).contains("p50", "p99", "max");
            // HTTP/1.1 without -k asks the server to close; the target keeps its path and query
            assertThat(server.requestHeads.getFirst())
                    .startsWith("GET /path?q=1 HTTP/1.1\r\n")
                    .contains("Host: 127.0.0.1:", "Connection: close\r\n");
        }
    }

    @Test
    void failuresAreClassifiedAsAbDoesAndCountedExactly() throws Exception {
        // one connection, so "the first response" (ab's reference length) is request 0's
        try (CountingHttpServer server = new CountingHttpServer(i -> switch (i % 10) {
            case 3 -> Answer.NOT_FOUND;
            case 5 -> Answer.CLOSE_WITHOUT_REPLY;
            case 7 -> Answer.SHORTER_BODY;
            case 8 -> Answer.GARBAGE;
            default -> Answer.OK;
        })) {
            CliRun run = CliRun.of("bench", "-q", "-n", "50", "-c", "1", server.url());
            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(server.requests.get()).isEqualTo(50);
            assertThat(run.field("Failed requests")).isEqualTo("15 (connect 0, receive 5, length 5, exceptions 5)");
            assertThat(run.field("Completed requests")).isEqualTo("35");
            assertThat(run.field("Non-2xx responses")).isEqualTo("5 (e.g. status 404)");
            assertThat(run.out()).containsPattern("\n  closed early +5   e\\.g\\. connection closed before the response\n")
                    .containsPattern("\n  bad response +5   e\\.g\\. bad status line: 'SMTP ready'\n")
                    .containsPattern("\n  length +5   e\\.g\\. a 2xx body of 3 bytes; the first 2xx body had 5\n");
        }
    }

    @Test
    void keepAliveWithPipeliningReusesConnectionsAndCountsExactly() throws Exception {
        try (CountingHttpServer server = new CountingHttpServer(i -> i % 4 == 1 ? Answer.NOT_FOUND : Answer.OK)) {
            CliRun run = CliRun.of("bench", "-q", "--json", "-k", "--pipeline", "8", "-n", "1000", "-c", "5",
                    "-m", "post", "-H", "X-Test: yes", "-b", "abc", server.url());
            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(server.requests.get()).isEqualTo(1000);
            assertThat(server.connections.get()).isEqualTo(5);
            assertThat(run.out()).startsWith("{").contains(
                    "\"completed\":1000,",
                    "\"failed\":{\"total\":0,\"connect\":0,\"receive\":0,\"length\":0,\"exceptions\":0}",
                    "\"non2xx\":250,", "\"connections\":5,", "\"pipeline\":8,", "\"keepAlive\":true,");
            assertThat(server.requestHeads.getFirst()).startsWith("POST /path?q=1 HTTP/1.1\r\n")
                    .contains("X-Test: yes\r\n", "Content-Length: 3\r\n").doesNotContain("Connection:");
        }
    }

    @Test
    void aWarmUpSendsTheSameLoadFirstAndCountsNoneOfIt() throws Exception {
        try (CountingHttpServer server = new CountingHttpServer(i -> Answer.OK)) {
            CliRun run = CliRun.of("bench", "-q", "--json", "--warmup", CliRun.arg(Delays.MEDIUM.multipliedBy(2)), "-k",
                    "-n", "200", "-c", "4", server.url());
            assertThat(run.exitCode()).as(run.err()).isZero();
            long warmup = jsonLong(run.out(), "warmupRequests");
            // every worker claims its first batch before the warm-up can have ended
            assertThat(warmup).isGreaterThanOrEqualTo(4);
            assertThat(run.out()).contains("\"completed\":200,", "\"unfinished\":0,");
            assertThat(server.requests.get()).isEqualTo(200 + warmup);
            assertThat(server.connections.get()).as("the warm-up's connections carry on into the run").isEqualTo(4);
        }
    }

    @Test
    void aDurationRunAfterAWarmUpLastsItsFullDurationAndCountsOnlyItself() throws Exception {
        try (CountingHttpServer server = new CountingHttpServer(i -> Answer.OK)) {
            long start = System.nanoTime();
            CliRun run = CliRun.of("bench", "--progress-every", "50ms", "--json", "--warmup",
                    CliRun.arg(Delays.MEDIUM.multipliedBy(2)), "-k", "-d", CliRun.arg(Delays.MEDIUM.multipliedBy(2)), "-c", "3", server.url());
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(2 * Delays.MEDIUM.multipliedBy(2).toNanos());
            assertThat(run.exitCode()).as(run.err()).isZero();
            long warmup = jsonLong(run.out(), "warmupRequests");
            long completed = jsonLong(run.out(), "completed");
            assertThat(warmup).isPositive();
            assertThat(completed).isPositive();
            assertThat(server.requests.get()).isEqualTo(warmup + completed);
            // the counted run's own clock starts when the warm-up ends
            assertThat(Double.parseDouble(jsonField(run.out(), "seconds")))
                    .isGreaterThanOrEqualTo(Delays.MEDIUM.multipliedBy(2).toNanos() / 1e9);
            assertThat(run.err()).contains("progress: warming up: ");
        }
    }

    static long jsonLong(String json, String name) {
        return Long.parseLong(jsonField(json, name));
    }

    static String jsonField(String json, String name) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"" + name + "\":([0-9.]+)").matcher(json);
        assertThat(m.find()).as("%s in %s", name, json).isTrue();
        return m.group(1);
    }

    @Test
    void aNegativeWarmUpIsRefused() throws Exception {
        CliRun run = CliRun.of("bench", "--warmup=-1s", "-n", "1", "http://127.0.0.1:9/");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--warmup must not be negative");
    }

    @Test
    void http10KeepAliveAsksForItAndIsKept() throws Exception {
        try (CountingHttpServer server = new CountingHttpServer(i -> Answer.OK)) {
            CliRun run = CliRun.of("bench", "-q", "--http", "1.0", "-k", "-n", "40", "-c", "2", server.url());
            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(server.requests.get()).isEqualTo(40);
            assertThat(server.connections.get()).isEqualTo(2);
            assertThat(server.requestHeads.getFirst()).startsWith("GET /path?q=1 HTTP/1.0\r\n")
                    .contains("Connection: keep-alive\r\n");
        }
    }

    @Test
    void aDurationRunSendsUntilItEndsAndTheServerSawEveryCountedRequest() throws Exception {
        try (CountingHttpServer server = new CountingHttpServer(i -> Answer.OK)) {
            long start = System.nanoTime();
            CliRun run = CliRun.of("bench", "--progress-every", "100ms", "-k", "-d",
                    CliRun.arg(Delays.MEDIUM.multipliedBy(2)), "-c", "3", server.url());
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(Delays.MEDIUM.multipliedBy(2).toNanos());
            assertThat(run.exitCode()).as(run.err()).isZero();
            long completed = Long.parseLong(run.field("Completed requests"));
            assertThat(completed).isPositive().isEqualTo(server.requests.get());
            // not a terminal: plain periodic progress lines on stderr
            assertThat(run.err()).contains("progress: ").doesNotContain("\r");
        }
    }

    @Test
    void aClosedPortIsConnectFailuresAndExitCodeOne() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        CliRun run = CliRun.of("bench", "-q", "-n", "4", "-c", "2", "http://127.0.0.1:" + port + "/");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.field("Failed requests")).isEqualTo("4 (connect 4, receive 0, length 0, exceptions 0)");
    }

    @Test
    void wrongArgumentsGetOneLineAndExitTwo() {
        for (String[] args : new String[][] {
                {"bench"},
                {"bench", "ftp://127.0.0.1/"},
                {"bench", "-k", "--pipeline", "0", "http://127.0.0.1:1/"},
                {"bench", "--pipeline", "2", "http://127.0.0.1:1/"},
                {"bench", "-n", "2", "-c", "3", "http://127.0.0.1:1/"},
                {"bench", "-n", "2", "-d", "1s", "http://127.0.0.1:1/"},
                {"bench", "--http", "2", "http://127.0.0.1:1/"},
                {"bench", "-s", "0", "http://127.0.0.1:1/"},
                {"bench", "-H", "no colon", "http://127.0.0.1:1/"}}) {
            CliRun run = CliRun.of(args);
            assertThat(run.exitCode()).as(String.join(" ", args)).isEqualTo(2);
            assertThat(run.err().strip()).as(String.join(" ", args)).startsWith("gevent4j: ").doesNotContain("\n");
            assertThat(run.out()).isEmpty();
        }
    }
}
