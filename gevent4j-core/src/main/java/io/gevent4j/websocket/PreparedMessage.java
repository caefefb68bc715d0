package io.gevent4j.websocket;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A message encoded once, to be sent to many WebSockets: a chat room's or a feed's broadcast.
 * {@link WebSocket#send(PreparedMessage)} writes the same bytes (one unmasked, unfragmented
 * frame, built here) to every server-side connection that sends plain frames, instead of
 * encoding the text and building a frame for each recipient.
 *
 * <p>What cannot be shared is built per connection, as {@link WebSocket#send(Message)} does: a
 * connection that negotiated {@code permessage-deflate} compresses the message with its own
 * compressor (with context takeover each connection's compressed bytes depend on what it sent
 * before, so no two are alike), a client masks each frame with a fresh key, and a connection
 * whose options fragment messages splits it. Sending it has every semantic of a send: the write
 * time-out drops a peer that does not read, errors are the same.
 *
 * <p>Who may call it: immutable, any thread.
 *
 * {@snippet :
 * PreparedMessage m = PreparedMessage.of(new Message.Text(line));
 * for (WebSocket other : room) {
 *     other.send(m);
 * }
 * }
 */
public final class PreparedMessage {
    private final Message message;
    /** The opcode: {@link WebSocket#TEXT} or {@link WebSocket#BINARY}. */
    final int opcode;
    /**
     * One final, unmasked, uncompressed frame, header included; its payload (a text's UTF-8)
     * starts at {@link #payloadOffset}. Connections that cannot send the frame as it is read the
     * payload from it, so it is held once.
     */
    final byte[] frame;
    final int payloadOffset;

    private PreparedMessage(Message message) {
        this.message = message;
        this.opcode = message instanceof Message.Text ? WebSocket.TEXT : WebSocket.BINARY;
        byte[] payload = message instanceof Message.Text t ? t.text().getBytes(StandardCharsets.UTF_8)
                : ((Message.Binary) message).data();
        int len = payload.length;
        int ext = len < 126 ? 0 : len < 65536 ? 2 : 8;
        byte[] f = new byte[2 + ext + len];
        f[0] = (byte) (0x80 | opcode);
        f[1] = (byte) (ext == 0 ? len : ext == 2 ? 126 : 127);
        for (int i = 0; i < ext; i++) {
            f[2 + i] = (byte) ((long) len >>> (8 * (ext - 1 - i)));
        }
        System.arraycopy(payload, 0, f, 2 + ext, len); // a copy: later changes to a caller's array do not show
        this.frame = f;
        this.payloadOffset = 2 + ext;
    }

    /** The payload's length in bytes. */
    int payloadLength() {
        return frame.length - payloadOffset;
    }

    /**
     * Encodes {@code message} once (a binary message's bytes are copied: later changes to the
     * caller's array do not show).
     *
     * @param message the message
     * @return the prepared message
     */
    public static PreparedMessage of(Message message) {
        return new PreparedMessage(Objects.requireNonNull(message, "message"));
    }

    /**
     * The message this was prepared from.
     *
     * @return the message
     */
    public Message message() {
        return message;
    }

    @Override
    public String toString() {
        return "PreparedMessage[" + message + ", frame of " + frame.length + " bytes]";
    }
}
