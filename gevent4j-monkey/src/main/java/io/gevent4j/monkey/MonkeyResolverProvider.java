package io.gevent4j.monkey;

import io.gevent4j.dns.HubInetAddressResolverProvider;
import java.net.spi.InetAddressResolver;
import java.net.spi.InetAddressResolverProvider;

/**
 * The {@code InetAddress} half of the opt-in: registered for {@link java.util.ServiceLoader} by
 * this artifact only, so look-ups made inside greenlets go to the hub's resolver exactly when
 * {@code gevent4j-monkey} is on the class or module path (outside greenlets the JDK's built-in
 * resolver still answers). It delegates to the core's {@link HubInetAddressResolverProvider}.
 * Not called by user code; the JDK asks for it once, at the JVM's first look-up, and uses the
 * <em>first</em> provider it finds (dnsjava's jar registers one too, which returns the built-in
 * resolver unless {@code -Dorg.dnsjava.spi.enable=true}: on the class path this jar comes first
 * when it is declared before dnsjava, as Maven and Gradle order a direct dependency).
 */
public final class MonkeyResolverProvider extends InetAddressResolverProvider {
    private final HubInetAddressResolverProvider provider = new HubInetAddressResolverProvider();

    /** Called by {@link java.util.ServiceLoader}. */
    public MonkeyResolverProvider() {}

    @Override
    public InetAddressResolver get(Configuration configuration) {
        return provider.get(configuration);
    }

    @Override
    public String name() {
        return provider.name();
    }
}
