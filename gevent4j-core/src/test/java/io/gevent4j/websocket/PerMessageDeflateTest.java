package io.gevent4j.websocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** RFC 7692's negotiation and the compressor, on values. */
class PerMessageDeflateTest {
    private static Optional<String> answer(String offer) {
        return PerMessageDeflate.accept(List.of(offer), false).map(PerMessageDeflate.Accepted::response);
    }

    @Test
    void serverAcceptsWhatItCanHonourAndDeclinesTheRest() {
        assertThat(answer("permessage-deflate; client_max_window_bits")).contains("permessage-deflate");
        assertThat(answer("permessage-deflate; server_no_context_takeover; client_no_context_takeover"))
                .contains("permessage-deflate; server_no_context_takeover; client_no_context_takeover");
        assertThat(answer("permessage-deflate; server_max_window_bits=15")).contains("permessage-deflate; server_max_window_bits=15");
        // The JDK's deflater cannot use a smaller window: that offer is declined, a later one taken.
        assertThat(answer("permessage-deflate; server_max_window_bits=10")).isEmpty();
        assertThat(answer("permessage-deflate; server_max_window_bits=10, permessage-deflate")).contains("permessage-deflate");
        assertThat(answer("permessage-deflate; client_max_window_bits=16")).isEmpty();
        assertThat(answer("permessage-deflate; frobnicate")).isEmpty();
        assertThat(answer("permessage-deflate; server_no_context_takeover; server_no_context_takeover")).isEmpty();
        assertThat(answer("x-webkit-deflate-frame")).isEmpty();
        assertThat(PerMessageDeflate.accept(List.of("permessage-deflate"), true).orElseThrow().response())
                .isEqualTo("permessage-deflate; server_no_context_takeover");
    }

    @Test
    void clientRejectsAnAnswerItCannotHonour() throws Exception {
        assertThat(PerMessageDeflate.accepted(List.of(), false)).isEmpty();
        assertThat(PerMessageDeflate.accepted(List.of("permessage-deflate; server_max_window_bits=12"), false)).isPresent();
        assertThatThrownBy(() -> PerMessageDeflate.accepted(List.of("permessage-deflate; client_max_window_bits=12"), false))
                .isInstanceOf(WebSocketException.class).hasMessageContaining("client_max_window_bits");
        assertThatThrownBy(() -> PerMessageDeflate.accepted(List.of("foo"), false))
                .isInstanceOf(WebSocketException.class).hasMessageContaining("not offered");
    }

    @Test
    void roundTripsWithAndWithoutContextTakeover() throws Exception {
        for (boolean reset : new boolean[] {false, true}) {
            PerMessageDeflate server = PerMessageDeflate.accept(List.of("permessage-deflate"), reset).orElseThrow().deflate();
            PerMessageDeflate client = PerMessageDeflate.accepted(
                    List.of(reset ? "permessage-deflate; server_no_context_takeover" : "permessage-deflate"), false).orElseThrow();
            byte[] msg = "the same words again and again, ".repeat(40).getBytes(StandardCharsets.UTF_8);
            int first = 0;
            for (int i = 0; i < 3; i++) {
                java.nio.ByteBuffer c = server.compress(msg, 0, msg.length);
                assertThat(c.limit()).isLessThan(msg.length / 4);
                assertThat(client.decompress(c.array(), c.limit(), 1 << 20)).isEqualTo(msg);
                if (i == 0) {
                    first = c.limit();
                } else if (reset) {
                    assertThat(c.limit()).as("no context takeover: each message on its own").isEqualTo(first);
                } else {
                    assertThat(c.limit()).as("context takeover: a repeat costs almost nothing").isLessThan(first / 2);
                }
            }
        }
    }

    @Test
    void incompressibleDataGrowsTheOutputAndStillRoundTrips() throws Exception {
        PerMessageDeflate server = PerMessageDeflate.accept(List.of("permessage-deflate"), false).orElseThrow().deflate();
        PerMessageDeflate client = PerMessageDeflate.accepted(List.of("permessage-deflate"), false).orElseThrow();
        byte[] noise = new byte[100_000];
        new java.util.Random(42).nextBytes(noise);
        for (int off : new int[] {0, 7}) {
            java.nio.ByteBuffer c = server.compress(noise, off, noise.length - off);
            assertThat(c.limit()).as("random bytes do not shrink").isGreaterThan(noise.length / 2);
            assertThat(client.decompress(c.array(), c.limit(), 1 << 20))
                    .isEqualTo(java.util.Arrays.copyOfRange(noise, off, noise.length));
        }
    }

    @Test
    void aDecompressionBombStopsAtTheLimit() throws Exception {
        PerMessageDeflate d = PerMessageDeflate.accept(List.of("permessage-deflate"), false).orElseThrow().deflate();
        byte[] zeros = new byte[10 << 20];
        java.nio.ByteBuffer c = d.compress(zeros, 0, zeros.length);
        assertThat(c.limit()).isLessThan(20_000);
        assertThatThrownBy(() -> d.decompress(c.array(), c.limit(), 1 << 20))
                .isInstanceOf(WebSocketException.class).satisfies(e -> assertThat(((WebSocketException) e).code()).isEqualTo(1009));
        assertThatThrownBy(() -> d.decompress(new byte[] {(byte) 0xff, 1, 2}, 3, 1 << 20))
                .isInstanceOf(WebSocketException.class).satisfies(e -> assertThat(((WebSocketException) e).code()).isEqualTo(1007));
    }
}
