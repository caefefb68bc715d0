package io.gevent4j.websocket;

import java.nio.charset.StandardCharsets;

/**
 * One complete WebSocket message as {@link WebSocket#receive()} returns it: text (valid UTF-8,
 * decoded) or binary. Fragmented and compressed messages arrive here whole.
 *
 * {@snippet :
 * switch (ws.receive().orElseThrow()) {
 *     case Message.Text t -> ws.sendText(t.text());
 *     case Message.Binary b -> ws.sendBinary(b.data());
 * }
 * }
 */
public sealed interface Message {
    /**
     * The message's payload as bytes.
     *
     * @return the payload (a text message: its UTF-8 encoding)
     */
    byte[] bytes();

    /**
     * A text message.
     *
     * @param text the decoded text
     */
    record Text(String text) implements Message {
        /** Checks that {@code text} is not null. */
        public Text {
            java.util.Objects.requireNonNull(text, "text");
        }

        @Override
        public byte[] bytes() {
            return text.getBytes(StandardCharsets.UTF_8);
        }
    }

    /**
     * A binary message.
     *
     * @param data the payload (the receiver's own copy)
     */
    record Binary(byte[] data) implements Message {
        /** Checks that {@code data} is not null. */
        public Binary {
            java.util.Objects.requireNonNull(data, "data");
        }

        @Override
        public byte[] bytes() {
            return data;
        }

        @Override
        public String toString() {
            return "Binary[" + data.length + " bytes]";
        }
    }
}
