package io.gevent4j.internal;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * Opens TCP channels in the address family of the address they will use. The JDK opens a
 * dual-stack IPv6 socket by default: one more system call per socket (IPV6_V6ONLY off) and
 * IPv4-mapped addresses converted on every getsockname. For a specific IPv4 address an IPv4
 * socket behaves the same on the wire. A wildcard or IPv6 address keeps the JDK's default, so a
 * listener on the wildcard still accepts both families.
 */
public final class Channels {
    private Channels() {}

    /** A channel to connect to {@code remote}. */
    public static SocketChannel openFor(InetSocketAddress remote) throws IOException {
        return isSpecificIpv4(remote) ? SocketChannel.open(StandardProtocolFamily.INET) : SocketChannel.open();
    }

    /** A listening channel to bind to {@code local}. */
    public static ServerSocketChannel openServerFor(InetSocketAddress local) throws IOException {
        return isSpecificIpv4(local) ? ServerSocketChannel.open(StandardProtocolFamily.INET) : ServerSocketChannel.open();
    }

    private static boolean isSpecificIpv4(InetSocketAddress a) {
        return a != null && !a.isUnresolved() && a.getAddress() instanceof Inet4Address v4 && !v4.isAnyLocalAddress();
    }
}
