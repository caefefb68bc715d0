package io.gevent4j.dns;

import java.net.UnknownHostException;
import java.util.Objects;

/**
 * A DNS look-up that failed, with the precise reason in {@link #kind()}. It is an
 * {@link UnknownHostException}, so code written against {@code InetAddress} handles it as it is.
 */
public final class DnsException extends UnknownHostException {
    private static final long serialVersionUID = 1L;

    /** Why a look-up failed. */
    public enum Kind {
        /** The name does not exist (NXDOMAIN). */
        NXDOMAIN,
        /** The name exists but has no record of the asked type (NOERROR with no answer). */
        NO_DATA,
        /** The server failed (SERVFAIL) on every nameserver tried. */
        SERVFAIL,
        /** Every nameserver refused the query (REFUSED) or answered another error code. */
        REFUSED,
        /** No nameserver answered within its time-out, after every attempt. */
        TIMEOUT,
        /** Only malformed (undecodable) replies arrived. */
        MALFORMED,
        /** The name itself is not a valid DNS name. */
        BAD_NAME
    }

    /** Why the look-up failed. */
    private final Kind kind;
    /** The name that was looked up. */
    private final String name;

    DnsException(Kind kind, String name, String detail) {
        super(name + ": " + describe(kind) + (detail.isEmpty() ? "" : " (" + detail + ")"));
        this.kind = Objects.requireNonNull(kind);
        this.name = name;
    }

    private static String describe(Kind kind) {
        return switch (kind) {
            case NXDOMAIN -> "no such name (NXDOMAIN)";
            case NO_DATA -> "no address of the asked type";
            case SERVFAIL -> "server failure (SERVFAIL)";
            case REFUSED -> "query refused";
            case TIMEOUT -> "no reply from the nameservers (timed out)";
            case MALFORMED -> "malformed reply";
            case BAD_NAME -> "invalid DNS name";
        };
    }

    /** Why the look-up failed. */
    public Kind kind() {
        return kind;
    }

    /** The name that was looked up. */
    public String name() {
        return name;
    }
}
