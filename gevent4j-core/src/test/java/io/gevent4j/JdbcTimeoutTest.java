package io.gevent4j;

import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.testkit.Delays;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.h2.tools.Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Timeout and kill of a greenlet parked in an unmodified JDBC driver (H2's client) talking over
 * a real loopback socket to a real database: H2's TCP server, started in this JVM on platform
 * threads. The slow query is {@code CALL HOLD(ms)}, a function that blocks the server's session
 * thread until the test releases it.
 */
public class JdbcTimeoutTest {
    private static final CountDownLatch RELEASE = new CountDownLatch(1);
    private static final Semaphore HOLDING = new Semaphore(0);
    private static Server server;
    private static String url;

    /** The slow SQL function: blocks the server's session until released, at most {@code millis}. */
    public static int hold(int millis) throws InterruptedException {
        HOLDING.release();
        return RELEASE.await(millis, TimeUnit.MILLISECONDS) ? 1 : 0;
    }

    @BeforeAll
    static void startDatabase() throws SQLException {
        System.setProperty("h2.bindAddress", "127.0.0.1");
        server = Server.createTcpServer("-tcpPort", "0", "-ifNotExists").start();
        url = "jdbc:h2:tcp://127.0.0.1:" + server.getPort() + "/mem:gevent4j;DB_CLOSE_DELAY=-1";
        try (Connection c = DriverManager.getConnection(url, "sa", ""); Statement s = c.createStatement()) {
            s.execute("CREATE ALIAS IF NOT EXISTS HOLD FOR 'io.gevent4j.JdbcTimeoutTest.hold'");
        }
    }

    @AfterAll
    static void stopDatabase() {
        RELEASE.countDown();
        server.stop();
    }

    private static String slowQuery(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CALL HOLD(" + Delays.LONG.multipliedBy(4).toMillis() + ")");
            return "answered";
        }
    }

    private static String quickQuery() throws SQLException {
        try (Connection c = DriverManager.getConnection(url, "sa", ""); Statement s = c.createStatement();
             var rs = s.executeQuery("SELECT 41 + 1")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void awaitServerHolding() throws InterruptedException {
        assertThat(HOLDING.tryAcquire(Delays.LONG.toMillis(), TimeUnit.MILLISECONDS))
                .as("the slow query reached the server").isTrue();
    }

    @Test
    void tryWithResourcesLetsTheDriversExceptionThroughWithTheTimeout() throws Exception {
        try (Hub hub = Hub.start("jdbc-timeout")) {
            Greenlet<List<Object>> g = hub.spawn(() -> {
                List<Object> seen = new ArrayList<>();
                try (Connection c = DriverManager.getConnection(url, "sa", "")) {
                    try (Timeout t = Timeout.start(Delays.MEDIUM)) {
                        seen.add(slowQuery(c));
                    } catch (SQLException e) {
                        seen.add(Timeout.raisedBy(e).isPresent());
                        seen.add(Thread.currentThread().isInterrupted());
                        seen.add(c.isClosed()); // the JDK closed the interrupted socket under the driver
                    }
                }
                Gevent.sleep(Delays.SHORT); // no second firing
                seen.add(quickQuery()); // the database is fine; only that connection died
                return seen;
            });
            assertThat(g.result(Delays.LONG.multipliedBy(2))).containsExactly(true, false, true, "42");
        }
    }

    @Test
    void withTimeoutReturnsTheFallbackOrRaisesTheTimeoutWithTheDriversException() throws Exception {
        try (Hub hub = Hub.start("jdbc-with-timeout")) {
            Greenlet<List<Object>> g = hub.spawn(() -> {
                List<Object> seen = new ArrayList<>();
                try (Connection c = DriverManager.getConnection(url, "sa", "")) {
                    seen.add(Gevent.withTimeout(Delays.MEDIUM, () -> slowQuery(c), "fallback"));
                }
                try (Connection c = DriverManager.getConnection(url, "sa", "")) {
                    Gevent.withTimeout(Delays.MEDIUM, () -> slowQuery(c));
                    seen.add("no timeout?");
                } catch (Timeout t) {
                    seen.add(t.getCause() instanceof SQLException);
                }
                return seen;
            });
            assertThat(g.result(Delays.LONG.multipliedBy(2))).containsExactly("fallback", true);
        }
    }

    @Test
    void killEndsAGreenletParkedInTheDriverWithGreenletExit() throws Exception {
        HOLDING.drainPermits();
        try (Hub hub = Hub.start("jdbc-kill")) {
            Greenlet<String> g = hub.spawn(() -> {
                try (Connection c = DriverManager.getConnection(url, "sa", "")) {
                    return slowQuery(c);
                }
            });
            awaitServerHolding();
            assertThat(g.kill(Delays.LONG)).isTrue();
            assertThat(g.successful()).isTrue();
            assertThat(g.exit().orElseThrow()).hasCauseInstanceOf(SQLException.class);
        }
    }
}
