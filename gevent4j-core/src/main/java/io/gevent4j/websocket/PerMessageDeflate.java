package io.gevent4j.websocket;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * {@code permessage-deflate} (RFC 7692) for one connection: the negotiated parameters, and the
 * compressor and decompressor, created on first use (their native zlib state is the largest
 * cost of a connection) and reset after each message when context takeover is off.
 *
 * <p>The JDK's {@link Deflater} always uses a 32 KiB window: an offer that limits this side's
 * window below 15 bits is declined (the server answers without the extension), and a server that
 * limits the client's window in its answer fails the client's handshake. Any window the peer
 * uses is inflated. Confined to the connection: compression happens under the send lock,
 * decompression in the reader.
 */
final class PerMessageDeflate {
    static final String NAME = "permessage-deflate";
    private static final byte[] TAIL = {0, 0, (byte) 0xff, (byte) 0xff};

    /** This side resets its compressor after each message. */
    private final boolean resetOut;
    /** The peer resets its compressor after each message: so may our decompressor. */
    private final boolean resetIn;
    private Deflater deflater;
    private Inflater inflater;

    private PerMessageDeflate(boolean resetOut, boolean resetIn) {
        this.resetOut = resetOut;
        this.resetIn = resetIn;
    }

    /** The negotiated extension and the response header value. */
    record Accepted(PerMessageDeflate deflate, String response) {
    }

    /**
     * The server's side: the first acceptable offer among the {@code Sec-WebSocket-Extensions}
     * values, or empty (no compression).
     */
    static Optional<Accepted> accept(List<String> headerValues, boolean noContextTakeover) {
        for (Map.Entry<String, Map<String, String>> offer : parse(headerValues)) {
            if (!offer.getKey().equals(NAME) || offer.getValue() == null) {
                continue;
            }
            Map<String, String> p = offer.getValue();
            boolean ok = true;
            boolean serverReset = noContextTakeover;
            boolean clientReset = false;
            for (Map.Entry<String, String> e : p.entrySet()) {
                String v = e.getValue();
                switch (e.getKey()) {
                    case "server_no_context_takeover" -> {
                        ok &= v == null;
                        serverReset = true;
                    }
                    case "client_no_context_takeover" -> {
                        ok &= v == null;
                        clientReset = true;
                    }
                    case "server_max_window_bits" -> ok &= "15".equals(unquote(v)); // the JDK's deflater: 15 only
                    case "client_max_window_bits" -> ok &= v == null || windowBits(unquote(v));
                    default -> ok = false; // an unknown parameter: decline this offer
                }
            }
            if (ok) {
                StringBuilder r = new StringBuilder(NAME);
                if (serverReset) {
                    r.append("; server_no_context_takeover");
                }
                if (clientReset) {
                    r.append("; client_no_context_takeover");
                }
                if (p.containsKey("server_max_window_bits")) {
                    r.append("; server_max_window_bits=15");
                }
                return Optional.of(new Accepted(new PerMessageDeflate(serverReset, clientReset), r.toString()));
            }
        }
        return Optional.empty();
    }

    /** The client's offer. */
    static String offer(boolean noContextTakeover) {
        return noContextTakeover ? NAME + "; client_no_context_takeover" : NAME;
    }

    /**
     * The client's side: the server's answer to {@link #offer}, or empty if it took no
     * extension; a WebSocketException (the handshake fails) if it is not a valid answer.
     */
    static Optional<PerMessageDeflate> accepted(List<String> headerValues, boolean noContextTakeover)
            throws WebSocketException {
        List<Map.Entry<String, Map<String, String>>> all = parse(headerValues);
        if (all.isEmpty()) {
            return Optional.empty();
        }
        if (all.size() > 1 || !all.get(0).getKey().equals(NAME) || all.get(0).getValue() == null) {
            throw new WebSocketException(1002, "the server answered with an extension not offered: " + headerValues);
        }
        boolean clientReset = noContextTakeover;
        boolean serverReset = false;
        for (Map.Entry<String, String> e : all.get(0).getValue().entrySet()) {
            String v = e.getValue();
            switch (e.getKey()) {
                case "server_no_context_takeover" -> serverReset = true;
                case "client_no_context_takeover" -> clientReset = true;
                case "server_max_window_bits" -> {
                    if (!windowBits(unquote(v))) {
                        throw new WebSocketException(1002, "bad server_max_window_bits in the server's answer: " + v);
                    }
                }
                case "client_max_window_bits" -> throw new WebSocketException(1002,
                        "the server limits client_max_window_bits, which was not offered: " + headerValues);
                default -> throw new WebSocketException(1002, "unknown permessage-deflate parameter in the answer: " + e.getKey());
            }
        }
        return Optional.of(new PerMessageDeflate(clientReset, serverReset));
    }

    private static boolean windowBits(String v) {
        if (v == null || v.length() > 2 || v.isEmpty() || !v.chars().allMatch(Character::isDigit) || v.charAt(0) == '0') {
            return false;
        }
        int n = Integer.parseInt(v);
        return n >= 8 && n <= 15;
    }

    private static String unquote(String v) {
        return v != null && v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"") ? v.substring(1, v.length() - 1) : v;
    }

    /**
     * The offers in {@code Sec-WebSocket-Extensions} values: name (lower case) to parameters
     * (lower-case names; null value for a parameter without one); a null map for an offer with
     * a repeated parameter (RFC 7692 §7: decline it).
     */
    static List<Map.Entry<String, Map<String, String>>> parse(List<String> headerValues) {
        List<Map.Entry<String, Map<String, String>>> out = new ArrayList<>();
        for (String value : headerValues) {
            for (String ext : value.split(",")) {
                String[] parts = ext.split(";");
                String name = parts[0].strip().toLowerCase(Locale.ROOT);
                if (name.isEmpty()) {
                    continue;
                }
                Map<String, String> params = new HashMap<>();
                for (int i = 1; i < parts.length; i++) {
                    String p = parts[i].strip();
                    int eq = p.indexOf('=');
                    String k = (eq < 0 ? p : p.substring(0, eq)).strip().toLowerCase(Locale.ROOT);
                    String v = eq < 0 ? null : p.substring(eq + 1).strip();
                    if (params == null || params.containsKey(k)) {
                        params = null;
                    } else {
                        params.put(k, v);
                    }
                }
                out.add(new java.util.AbstractMap.SimpleEntry<>(name, params));
            }
        }
        return out;
    }

    /**
     * Compresses one message's payload (RFC 7692 §7.2.1: the sync flush's tail removed): the
     * compressed bytes are the returned buffer's array from 0 to its limit. Deflated straight into
     * that array (grown while the output does not fit), with no copy afterwards.
     */
    java.nio.ByteBuffer compress(byte[] data, int off, int len) {
        if (deflater == null) {
            deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        }
        deflater.setInput(data, off, len);
        byte[] out = new byte[Math.max(64, len / 2 + 16)];
        int n = 0;
        for (;;) {
            n += deflater.deflate(out, n, out.length - n, Deflater.SYNC_FLUSH);
            if (n < out.length) {
                break; // room left after a sync flush: everything is out
            }
            out = java.util.Arrays.copyOf(out, out.length * 2);
        }
        if (resetOut) {
            deflater.end(); // no state kept between messages: no native memory either
            deflater = null;
        }
        if (n >= 4 && out[n - 4] == 0 && out[n - 3] == 0 && out[n - 2] == (byte) 0xff && out[n - 1] == (byte) 0xff) {
            n -= 4;
        }
        return java.nio.ByteBuffer.wrap(out, 0, n);
    }

    /**
     * Decompresses one message's payload, at most {@code max} bytes; a WebSocketException with
     * 1009 past that, 1007 for data that is not deflate.
     */
    byte[] decompress(byte[] data, int len, int max) throws WebSocketException {
        if (inflater == null) {
            inflater = new Inflater(true);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(max, Math.max(64, len * 3)));
        byte[] chunk = new byte[8 * 1024];
        try {
            for (int part = 0; part < 2; part++) {
                if (part == 0) {
                    inflater.setInput(data, 0, len); // read in place: the caller hands the payload over
                } else {
                    inflater.setInput(TAIL);
                }
                for (;;) {
                    int n = inflater.inflate(chunk);
                    if (n > 0) {
                        if (out.size() + n > max) {
                            throw new WebSocketException(1009, "message larger than " + max + " bytes once decompressed");
                        }
                        out.write(chunk, 0, n);
                    } else if (inflater.needsInput() || inflater.finished()) {
                        break;
                    } else if (inflater.needsDictionary()) {
                        throw new WebSocketException(1007, "compressed message needs a preset dictionary");
                    }
                    if (inflater.finished()) {
                        break;
                    }
                }
            }
        } catch (DataFormatException e) {
            end();
            throw new WebSocketException(1007, "invalid compressed message: " + e.getMessage());
        }
        if (resetIn || inflater.finished()) {
            inflater.end();
            inflater = null;
        }
        return out.toByteArray();
    }

    /** Frees the native zlib state (the connection ended). */
    void end() {
        if (deflater != null) {
            deflater.end();
            deflater = null;
        }
        if (inflater != null) {
            inflater.end();
            inflater = null;
        }
    }
}
