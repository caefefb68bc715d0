package io.gevent4j.management;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.Hub;
import io.gevent4j.Watchdog;
import io.gevent4j.http.HttpServer;
import io.gevent4j.testkit.Delays;
import io.gevent4j.testkit.Probe;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import javax.management.JMX;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

/** The MXBeans read through the platform MBean server, as jconsole and jmx_exporter read them. */
class GeventMBeansTest {
    private static final MBeanServer MBS = ManagementFactory.getPlatformMBeanServer();
    static volatile boolean spin;

    @Test
    void aHubBeanShowsItsGreenletsTimersAndBlockedReportsAndLeavesOnClose() throws Exception {
        Watchdog.setListener(new io.gevent4j.BlockingListener() {
            @Override
            public void hubBlocked(io.gevent4j.BlockingReport report) { }

            @Override
            public void hubRecovered(Hub hub, Duration blockedFor) { }
        });
        try (Hub hub = Hub.start("jmx \"hub\"")) {
            ObjectName name = GeventMBeans.hubName(hub);
            assertThat(MBS.isRegistered(name)).as("nothing is registered before it is asked for").isFalse();
            try (GeventMBeans.Registration r = GeventMBeans.register(hub)) {
                assertThat(r.names()).containsExactly(name);
                assertThat(name.getKeyProperty("type")).isEqualTo("Hub");
                Greenlet<Void> sleeper = hub.spawn(() -> Gevent.sleep(Duration.ofMinutes(1)));
                Probe.awaitParked(sleeper, Delays.VERY_LONG);
                assertThat((Integer) MBS.getAttribute(name, "LiveGreenlets")).isEqualTo(1);
                assertThat((Integer) MBS.getAttribute(name, "Timers")).isGreaterThanOrEqualTo(1);
                assertThat((Long) MBS.getAttribute(name, "LoopPasses")).isPositive();
                assertThat((String) MBS.getAttribute(name, "Name")).isEqualTo("jmx \"hub\"");
                HubMXBean proxy = JMX.newMXBeanProxy(MBS, name, HubMXBean.class);
                assertThat(proxy.getBlockedHubReports()).isZero();

                Watchdog.enable(Delays.SHORT);
                spin = true;
                hub.spawn(() -> {
                    while (spin) {
                        Thread.onSpinWait();
                    }
                });
                Probe.await(() -> proxy.getBlockedHubReports() == 1, Delays.VERY_LONG, () -> "a blocked-hub report");
                spin = false;
                sleeper.kill();
                assertThatThrownBy(() -> GeventMBeans.register(hub)).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("close the earlier registration");
            }
            assertThat(MBS.isRegistered(name)).isFalse();
        } finally {
            spin = false;
            Watchdog.disable();
            Watchdog.setListener(Watchdog.loggingListener());
            Watchdog.setThreshold(Watchdog.DEFAULT_THRESHOLD);
        }
    }

    @Test
    void anHttpServerBeanCountsRequestsStatusClassesErrorsAndBytes() throws Exception {
        try (Hub hub = Hub.start("jmx-http");
             HttpServer server = HttpServer.builder((req, res) -> {
                 switch (req.path()) {
                     case "/boom" -> throw new IllegalStateException("boom");
                     case "/missing" -> res.send(404, "no\n");
                     default -> res.send(200, "hello\n");
                 }
             }).hub(hub).listen("127.0.0.1:0").build().start();
             GeventMBeans.Registration r = GeventMBeans.register(server, "test-http")) {
            ServerMXBean bean = JMX.newMXBeanProxy(MBS, GeventMBeans.serverName("test-http"), ServerMXBean.class);
            assertThat(bean.getName()).isEqualTo("test-http (http)");
            assertThat(bean.getAddress()).isEqualTo("127.0.0.1:" + server.address().getPort());
            assertThat(bean.isAccepting()).isTrue();
            for (String path : new String[] {"/", "/", "/missing", "/boom"}) {
                get(server.address().getPort(), path);
            }
            assertThat(bean.getRequests()).isEqualTo(4);
            assertThat(bean.getConnections()).isEqualTo(4);
            assertThat(bean.getResponsesByStatusClass()).containsEntry("2xx", 2L).containsEntry("4xx", 1L)
                    .containsEntry("5xx", 1L);
            assertThat(bean.getRequestErrors()).containsExactly(java.util.Map.entry("java.lang.IllegalStateException", 1L));
            assertThat(bean.getResponseBodyBytes()).isEqualTo(6 + 6 + 3);
            Probe.await(() -> bean.getActiveConnections() == 0, Delays.VERY_LONG, () -> "no active connection");
        }
        assertThat(MBS.isRegistered(GeventMBeans.serverName("test-http"))).isFalse();
    }

    @Test
    void anHttpServerBeanCountsTheBytesTheClientsReceivedAndRequestsRefusedBeforeAHandler(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path file = java.nio.file.Files.writeString(dir.resolve("f.txt"), "a file sent by sendfile\n");
        try (Hub hub = Hub.start("jmx-bytes");
             HttpServer server = HttpServer.builder((req, res) -> {
                 if (req.path().equals("/file")) {
                     try (var ch = java.nio.channels.FileChannel.open(file)) {
                         res.sendFile(ch, 0, ch.size());
                     }
                 } else {
                     res.send(200, "hello\n");
                 }
             }).hub(hub).maxRequestLine(64).listen("127.0.0.1:0").build().start();
             GeventMBeans.Registration r = GeventMBeans.register(server, "test-bytes")) {
            ServerMXBean bean = JMX.newMXBeanProxy(MBS, GeventMBeans.serverName("test-bytes"), ServerMXBean.class);
            int port = server.address().getPort();
            assertThat(bean.getBytesWritten()).isZero();
            assertThat(bean.getBytesRead()).isZero();

            String malformed = "G(T / HTTP/1.1\r\nHost: a\r\n\r\n";
            byte[] got400 = exchange(port, malformed);
            assertThat(new String(got400, StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 400 ");
            assertThat(bean.getBytesWritten()).as("the refusal's head and body, as the client got them")
                    .isEqualTo(got400.length);
            assertThat(bean.getBytesRead()).isBetween(1L, (long) malformed.length());
            assertThat(bean.getRefusedRequests()).isEqualTo(1);
            assertThat(bean.getRequests()).as("no handler ran").isZero();
            assertThat(bean.getResponsesByStatusClass()).containsEntry("4xx", 1L);

            byte[] got414 = exchange(port, "GET /" + "x".repeat(100) + " HTTP/1.1\r\nHost: a\r\n\r\n");
            assertThat(new String(got414, StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 414 ");
            assertThat(bean.getBytesWritten()).isEqualTo(got400.length + got414.length);

            long readBefore = bean.getBytesRead();
            String twoRequests = "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
                    + "GET /file HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
            byte[] got200s = exchange(port, twoRequests);
            String text = new String(got200s, StandardCharsets.US_ASCII);
            assertThat(text).startsWith("HTTP/1.1 200 ").contains("hello\n").endsWith("a file sent by sendfile\n");
            assertThat(bean.getBytesWritten()).as("heads, a copied body and a sendfile body of one connection")
                    .isEqualTo(got400.length + got414.length + got200s.length);
            assertThat(bean.getBytesRead() - readBefore).as("a request that was served is read exactly")
                    .isEqualTo(twoRequests.length());
            assertThat(bean.getRequests()).isEqualTo(2);
            assertThat(bean.getRefusedRequests()).isEqualTo(2);
            assertThat(bean.getResponsesByStatusClass()).containsEntry("2xx", 2L).containsEntry("4xx", 2L)
                    .containsEntry("5xx", 0L);
            assertThat(server.stats().bytesWritten()).isEqualTo(bean.getBytesWritten());
        }
    }

    /** Sends {@code request} on a new connection and returns every byte the server sent until it closed. */
    private static byte[] exchange(int port, String request) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            return s.getInputStream().readAllBytes();
        }
    }

    /** One HTTP/1.0 request on its own connection; returns once the server closed it. */
    private static void get(int port, String path) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.getOutputStream().write(("GET " + path + " HTTP/1.0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 ");
        }
    }
}
