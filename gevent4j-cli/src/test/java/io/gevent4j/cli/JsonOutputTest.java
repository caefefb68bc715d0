package io.gevent4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.gevent4j.Hub;
import io.gevent4j.RunInfo;
import io.gevent4j.cli.CountingHttpServer.Answer;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every JSON the command prints, read back with a real JSON parser (Gson), field by field. */
class JsonOutputTest {

    static JsonObject object(String text) {
        JsonElement e = JsonParser.parseString(text);
        assertThat(e.isJsonObject()).as(text).isTrue();
        return e.getAsJsonObject();
    }

    @Test
    void theWriterEscapesWhatJsonRequiresAndRefusesAWrongDocument() {
        String nasty = "quote \" backslash \\ newline \n tab \t nul \u0000 bell \u0007 line-sep \u2028 é 😀";
        String doc = new Json().beginObject().name("s").value(nasty).name("n").value(-3)
                .name("d").value(1.5, 2).name("b").value(false).name("none").value((String) null)
                .name("a").beginArray().value(1).beginObject().endObject().beginArray().endArray().endArray()
                .endObject().toString();
        JsonObject o = object(doc);
        assertThat(o.get("s").getAsString()).isEqualTo(nasty);
        assertThat(o.get("n").getAsLong()).isEqualTo(-3);
        assertThat(o.get("d").getAsDouble()).isEqualTo(1.5);
        assertThat(o.get("b").getAsBoolean()).isFalse();
        assertThat(o.get("none").isJsonNull()).isTrue();
        assertThat(o.get("a").getAsJsonArray()).hasSize(3);

        assertThatThrownBy(() -> new Json().beginObject().value(1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new Json().beginObject().name("x").toString()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new Json().beginArray().endObject()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new Json().value(1).value(2)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new Json().value(Double.NaN, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void benchJsonHasEveryFieldAndTheFailureBreakdown() throws Exception {
        try (CountingHttpServer server = new CountingHttpServer(i -> switch (i % 10) {
            case 3 -> Answer.NOT_FOUND;
            case 5 -> Answer.CLOSE_WITHOUT_REPLY;
            case 7 -> Answer.SHORTER_BODY;
            case 8 -> Answer.GARBAGE;
            default -> Answer.OK;
        })) {
            CliRun run = CliRun.of("bench", "-q", "--json", "-n", "20", "-c", "1", server.url());
            assertThat(run.exitCode()).as(run.err()).isZero();
            JsonObject o = object(run.out().strip());
            assertThat(o.get("url").getAsString()).endsWith("/path?q=1");
            assertThat(o.get("method").getAsString()).isEqualTo("GET");
            assertThat(o.get("http").getAsString()).isEqualTo("1.1");
            assertThat(o.get("keepAlive").getAsBoolean()).isFalse();
            assertThat(o.get("concurrency").getAsInt()).isEqualTo(1);
            assertThat(o.get("completed").getAsLong()).isEqualTo(14);
            assertThat(o.get("non2xx").getAsLong()).isEqualTo(2);
            assertThat(o.get("unfinished").getAsLong()).isZero();
            assertThat(o.get("seconds").getAsDouble()).isPositive();
            assertThat(o.get("requestsPerSecond").getAsDouble()).isPositive();
            assertThat(o.getAsJsonObject("latencyMs").keySet()).contains("p50", "p90", "p99", "p99_9", "max", "mean");
            JsonObject failed = o.getAsJsonObject("failed");
            assertThat(failed.get("total").getAsLong()).isEqualTo(6);
            assertThat(failed.get("receive").getAsLong()).isEqualTo(2);
            JsonObject why = o.getAsJsonObject("failures");
            assertThat(why.getAsJsonObject("closed").get("count").getAsLong()).isEqualTo(2);
            assertThat(why.getAsJsonObject("closed").get("sample").getAsString()).contains("closed");
            assertThat(why.getAsJsonObject("badResponse").get("count").getAsLong()).isEqualTo(2);
            assertThat(why.getAsJsonObject("badResponse").get("sample").getAsString()).contains("SMTP ready");
            assertThat(why.getAsJsonObject("length").get("count").getAsLong()).isEqualTo(2);
            assertThat(why.getAsJsonObject("refused").get("count").getAsLong()).isZero();
            assertThat(why.getAsJsonObject("refused").get("sample").isJsonNull()).isTrue();
            assertThat(why.getAsJsonObject("non2xx").get("sample").getAsString()).isEqualTo("status 404");
        }
    }

    @Test
    void resolveJsonIsAnArrayWithOneObjectPerHost() throws Exception {
        try (ResolveCommandTest.TinyDnsServer dns = new ResolveCommandTest.TinyDnsServer(Map.of("one.test", "192.0.2.1"))) {
            CliRun run = CliRun.of("resolve", "--json", "--nameserver", "127.0.0.1:" + dns.port(), "one.test",
                    "missing.test");
            JsonArray a = JsonParser.parseString(run.out().strip()).getAsJsonArray();
            assertThat(a).hasSize(2);
            JsonObject one = a.get(0).getAsJsonObject();
            assertThat(one.get("host").getAsString()).isEqualTo("one.test");
            assertThat(one.getAsJsonArray("addresses").get(0).getAsString()).isEqualTo("192.0.2.1");
            JsonObject missing = a.get(1).getAsJsonObject();
            assertThat(missing.get("host").getAsString()).isEqualTo("missing.test");
            assertThat(missing.get("error").getAsString()).contains("missing.test");
            assertThat(missing.get("kind").getAsString()).isNotBlank();
        }
    }

    @Test
    void runInfoJsonParses() throws Exception {
        try (Hub hub = Hub.start("json \"hub\"")) {
            var g = hub.greenlet(() -> {
                io.gevent4j.Gevent.sleep(java.time.Duration.ofMinutes(1));
                return null;
            }).name("sleeper\n\"quoted\"").start();
            io.gevent4j.testkit.Probe.awaitParked(g, io.gevent4j.testkit.Delays.VERY_LONG);
            JsonObject o = object(RunInfo.capture().toJson());
            assertThat(o.toString()).contains("sleeper\\n\\\"quoted\\\"", "json \\\"hub\\\"");
            g.kill();
        }
    }
}
