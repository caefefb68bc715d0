package io.gevent4j.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The WebSocket's own UTF-8 check agrees with the JDK's strict decoder (RFC 6455 §8.1: invalid text closes with 1007). */
class Utf8ValidationTest {
    private static String strict(byte[] b) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    @Test
    void decidesEdgeCasesAsTheStrictDecoder() {
        byte[][] cases = {
            bytes(), bytes('a'), "héllo wörld \uD83D\uDE00".getBytes(StandardCharsets.UTF_8),
            bytes(0xC0, 0x80), bytes(0xC1, 0xBF), bytes(0xC2, 0x80), bytes(0xDF, 0xBF), // overlong / smallest / largest 2-byte
            bytes(0xE0, 0x80, 0x80), bytes(0xE0, 0x9F, 0xBF), bytes(0xE0, 0xA0, 0x80), // overlong / smallest 3-byte
            bytes(0xED, 0x9F, 0xBF), bytes(0xED, 0xA0, 0x80), bytes(0xED, 0xBF, 0xBF), // last before / surrogates
            bytes(0xEF, 0xBF, 0xBF), bytes(0xF0, 0x8F, 0xBF, 0xBF), bytes(0xF0, 0x90, 0x80, 0x80), // overlong 4-byte
            bytes(0xF4, 0x8F, 0xBF, 0xBF), bytes(0xF4, 0x90, 0x80, 0x80), bytes(0xF5, 0x80, 0x80, 0x80), // U+10FFFF and above
            bytes(0xFF), bytes(0x80), bytes(0xC2), bytes(0xE2, 0x82), bytes(0xF0, 0x9F, 0x98), // truncated
            bytes(0xC2, 0x41), bytes(0xE2, 0x41, 0x82), bytes(0xF0, 0x9F, 0x41, 0x80), bytes('a', 0xCE, 0xBA, 0xE1, 0xBD),
        };
        for (byte[] c : cases) {
            assertThat(WebSocket.validUtf8(c)).as(java.util.HexFormat.of().formatHex(c)).isEqualTo(strict(c) != null);
            assertThat(WebSocket.utf8(c)).isEqualTo(strict(c));
        }
    }

    @Test
    void agreesWithTheStrictDecoderOnRandomBytes() {
        Random r = new Random(16);
        int[] lead = {0x00, 0x41, 0x7F, 0x80, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF};
        for (int n = 0; n < 200_000; n++) {
            byte[] b = new byte[r.nextInt(8)];
            for (int i = 0; i < b.length; i++) {
                b[i] = (byte) (r.nextBoolean() ? lead[r.nextInt(lead.length)] : 0x80 | r.nextInt(0x40));
            }
            assertThat(WebSocket.validUtf8(b)).as(java.util.HexFormat.of().formatHex(b)).isEqualTo(strict(b) != null);
        }
    }
}
