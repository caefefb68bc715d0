package io.gevent4j.bench;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.HubGroup;
import io.gevent4j.http.HttpServer;
import io.gevent4j.websocket.Message;
import io.gevent4j.websocket.PreparedMessage;
import io.gevent4j.websocket.WebSocket;
import io.gevent4j.websocket.WebSocketClient;
import io.gevent4j.websocket.WebSocketException;
import io.gevent4j.websocket.WebSocketOptions;
import io.gevent4j.websocket.WebSockets;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * WebSocket servers side by side in one run: gevent4j's and Netty 4.2's (NIO, same thread count
 * as hubs), alternating rounds, the same client (gevent4j's, compression off) for both.
 * <ul>
 *   <li>{@code echo}: C connections, each a greenlet doing send-then-receive of a 32-byte text for
 *       T seconds: messages/s.
 *   <li>{@code broadcast}: N clients in a child JVM (each process has its own descriptor limit);
 *       one sends M messages, the server relays each to the N-1 others (gevent4j: one
 *       {@link PreparedMessage} per message; Netty: its channel group): deliveries/s until every
 *       receiver has all M.
 *   <li>{@code idle}: the server in a child JVM, warmed up by {@code -Dwarmup} short echo
 *       connections (the frames an idle session parks under get compiled, as on a server that has
 *       run a while); then K idle WebSocket connections opened by raw sockets; the child's live
 *       heap (the class histogram's total, after a full GC) before and after: bytes per
 *       connection. {@code -DidleDump=DIR} also writes both histograms and a thread dump there.
 * </ul>
 * {@snippet lang=sh :
 * java --add-opens java.base/java.lang=ALL-UNNAMED -cp gevent4j-bench/target/benchmarks.jar \
 *     io.gevent4j.bench.WebSocketBench echo broadcast idle
 * }
 * Properties: {@code -Drounds=2 -Dseconds=5 -Dconns=50 -Dclients=1000 -Dmessages=100 -Didle=2000 -Dwarmup=20000 -Dthreads=2}.
 */
public final class WebSocketBench {
    private static final int THREADS = Integer.getInteger("threads", 2);
    private static final WebSocketOptions CLIENT = WebSocketOptions.builder().compression(false)
            .handshakeTimeout(Duration.ofSeconds(30)).build();

    private WebSocketBench() {
    }

    /** A started server: its port and its stop. */
    interface Server extends AutoCloseable {
        int port();

        @Override
        void close();
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("serve-idle")) {
            serveIdle(args[1]);
            return;
        }
        if (args.length == 4 && args[0].equals("broadcast-clients")) {
            broadcastClients(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            return;
        }
        int rounds = Integer.getInteger("rounds", 2);
        for (String what : args.length == 0 ? new String[] {"echo", "broadcast", "idle"} : args) {
            for (int r = 1; r <= rounds; r++) {
                for (String impl : new String[] {"gevent4j", "netty"}) {
                    String result = switch (what) {
                        case "echo" -> echo(impl);
                        case "broadcast" -> broadcast(impl);
                        case "idle" -> idle(impl);
                        default -> throw new IllegalArgumentException("echo, broadcast or idle: " + what);
                    };
                    System.out.printf(Locale.ROOT, "%-9s round %d %-8s %s%n", what, r, impl, result);
                }
            }
        }
        System.exit(0);
    }

    // ---------------------------------------------------------------- the servers

    static Server start(String impl, boolean broadcast) throws Exception {
        return impl.equals("gevent4j") ? gevent4j(broadcast) : netty(broadcast);
    }

    static Server gevent4j(boolean broadcast) throws Exception {
        HubGroup hubs = HubGroup.start(THREADS);
        Set<WebSocket> all = ConcurrentHashMap.newKeySet();
        HttpServer s = HttpServer.builder(WebSockets.handler(ws -> {
            all.add(ws);
            try {
                for (Optional<Message> m; (m = ws.receive()).isPresent(); ) {
                    if (!broadcast) {
                        ws.send(m.get());
                        continue;
                    }
                    PreparedMessage text = PreparedMessage.of(m.get()); // encoded once for all
                    for (WebSocket o : all) {
                        if (o != ws) {
                            try {
                                o.send(text);
                            } catch (WebSocketException gone) {
                                all.remove(o);
                            }
                        }
                    }
                }
            } finally {
                all.remove(ws);
            }
        })).hubs(hubs).listen("127.0.0.1:0").backlog(4096).maxConnections(100_000).build().start();
        return new Server() {
            public int port() {
                return s.address().getPort();
            }

            public void close() {
                s.stop(Duration.ofSeconds(1));
                hubs.close();
            }
        };
    }

    static Server netty(boolean broadcast) throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(THREADS, NioIoHandler.newFactory());
        ChannelGroup all = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        Channel ch = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .option(io.netty.channel.ChannelOption.SO_BACKLOG, 4096)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel c) {
                        c.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536),
                                new WebSocketServerProtocolHandler("/", null, false, 1 << 20),
                                new SimpleChannelInboundHandler<TextWebSocketFrame>() {
                                    @Override
                                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
                                        if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
                                            all.add(ctx.channel());
                                        }
                                        super.userEventTriggered(ctx, evt);
                                    }

                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame f) {
                                        if (!broadcast) {
                                            ctx.writeAndFlush(f.retain());
                                            return;
                                        }
                                        all.writeAndFlush(new TextWebSocketFrame(f.content().retain()),
                                                other -> other != ctx.channel());
                                    }
                                });
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        return new Server() {
            public int port() {
                return ((InetSocketAddress) ch.localAddress()).getPort();
            }

            public void close() {
                ch.close().syncUninterruptibly();
                all.close().awaitUninterruptibly();
                group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
            }
        };
    }

    // ---------------------------------------------------------------- echo

    static String echo(String impl) throws Exception {
        int conns = Integer.getInteger("conns", 50);
        long seconds = Long.getLong("seconds", 5);
        try (Server s = start(impl, false); HubClients c = new HubClients()) {
            URI uri = URI.create("ws://127.0.0.1:" + s.port() + "/");
            LongAdder count = new LongAdder();
            long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
            String text = "x".repeat(32);
            List<Greenlet<?>> gs = new ArrayList<>();
            for (int i = 0; i < conns; i++) {
                gs.add(c.hubs.next().spawn(() -> {
                    try (WebSocket ws = WebSocketClient.connect(uri, CLIENT, java.util.Map.of())) {
                        while (System.nanoTime() - end < 0) {
                            ws.sendText(text);
                            ws.receive().orElseThrow();
                            count.increment();
                        }
                    }
                    return null;
                }));
            }
            long t0 = System.nanoTime();
            Gevent.joinAllOrRaise(gs);
            double secs = (System.nanoTime() - t0) / 1e9;
            return String.format(Locale.ROOT, "%,10.0f messages/s (%d connections, %.1f s)", count.sum() / secs, conns, secs);
        }
    }

    // ---------------------------------------------------------------- broadcast

    /**
     * The clients run in a child JVM (each process has its own descriptor limit: 10,000 clients
     * and 10,000 server connections in one JVM would exceed a {@code ulimit -n} of 20,000).
     */
    static String broadcast(String impl) throws Exception {
        int clients = Integer.getInteger("clients", 1000);
        int messages = Integer.getInteger("messages", 100);
        try (Server s = start(impl, true)) {
            Process p = new ProcessBuilder(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--add-opens", "java.base/java.lang=ALL-UNNAMED", "-Xmx2g", "-Dthreads=" + THREADS,
                    "-cp", System.getProperty("java.class.path"), WebSocketBench.class.getName(), "broadcast-clients",
                    Integer.toString(s.port()), Integer.toString(clients), Integer.toString(messages))
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String result = in.readLine();
                if (result == null || p.waitFor() != 0) {
                    throw new IllegalStateException("the clients' JVM failed (exit " + p.waitFor() + ")");
                }
                return result;
            } finally {
                p.destroy();
                p.waitFor();
            }
        }
    }

    /**
     * The child of {@link #broadcast}: N clients (connected 100 at a time), one of which sends M
     * messages; prints the deliveries/s until every other client has all M.
     */
    static void broadcastClients(int port, int clients, int messages) throws Exception {
        try (HubClients c = new HubClients()) {
            URI uri = URI.create("ws://127.0.0.1:" + port + "/");
            List<WebSocket> all = java.util.Collections.synchronizedList(new ArrayList<>());
            java.util.concurrent.atomic.AtomicInteger left = new java.util.concurrent.atomic.AtomicInteger(clients);
            List<Greenlet<?>> connectors = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                connectors.add(c.hubs.next().spawn(() -> {
                    while (left.getAndDecrement() > 0) {
                        all.add(WebSocketClient.connect(uri, CLIENT, java.util.Map.of()));
                    }
                    return null;
                }));
            }
            Gevent.joinAllOrRaise(connectors);
            WebSocket sender = all.remove(all.size() - 1);
            Thread.sleep(1000); // the servers register a connection just after its handshake
            List<Greenlet<?>> gs = new ArrayList<>();
            for (WebSocket r : all) {
                gs.add(c.hubs.next().spawn(() -> {
                    for (int i = 0; i < messages; i++) {
                        r.receive().orElseThrow();
                    }
                    return null;
                }));
            }
            long t0 = System.nanoTime();
            c.hubs.next().spawn(() -> {
                for (int i = 0; i < messages; i++) {
                    sender.sendText("broadcast message " + i);
                }
                return null;
            }).result();
            Gevent.joinAllOrRaise(gs);
            double secs = (System.nanoTime() - t0) / 1e9;
            System.out.println(String.format(Locale.ROOT, "%,10.0f deliveries/s (%d clients x %d messages in %.2f s)",
                    (double) (clients - 1) * messages / secs, clients, messages, secs));
        }
        System.exit(0); // the connections end with the process (the server sees them go, 1006)
    }

    /** The client side's hubs. */
    static final class HubClients implements AutoCloseable {
        final HubGroup hubs = HubGroup.start(THREADS);

        @Override
        public void close() {
            hubs.close();
        }
    }

    // ---------------------------------------------------------------- idle connections

    static String idle(String impl) throws Exception {
        int k = Integer.getInteger("idle", 2000);
        Process p = new ProcessBuilder(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-opens", "java.base/java.lang=ALL-UNNAMED", "-Xmx1g", "-cp", System.getProperty("java.class.path"),
                WebSocketBench.class.getName(), "serve-idle", impl).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                PrintStream out = new PrintStream(p.getOutputStream(), true, StandardCharsets.UTF_8)) {
            int port = Integer.parseInt(in.readLine());
            warmUp(port);
            out.println(System.getProperty("idleDump", "heap"));
            long before = Long.parseLong(in.readLine());
            List<java.nio.channels.SocketChannel> open = new ArrayList<>();
            byte[] req = ("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            ByteBuffer reply = ByteBuffer.allocate(1024);
            for (int i = 0; i < k; i++) {
                java.nio.channels.SocketChannel sc = java.nio.channels.SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
                sc.write(ByteBuffer.wrap(req));
                reply.clear();
                while (!new String(reply.array(), 0, reply.position(), StandardCharsets.US_ASCII).contains("\r\n\r\n")) {
                    if (sc.read(reply) < 0) {
                        throw new IllegalStateException("handshake refused");
                    }
                }
                open.add(sc);
            }
            out.println(System.getProperty("idleDump", "heap"));
            long after = Long.parseLong(in.readLine());
            for (var sc : open) {
                sc.close();
            }
            return String.format(Locale.ROOT, "%,8d bytes of heap per idle connection (%d connections; live %,d -> %,d bytes)",
                    (after - before) / k, k, before, after);
        } finally {
            p.destroy();
            p.waitFor();
        }
    }

    /**
     * Before the idle connections, as a real server would have run: {@code -Dwarmup} connections
     * (default 20,000; 20 at a time), each with 10 echo round trips, so that the frames an idle
     * session parks under (the connection's and the handshake's, run once per connection, and the
     * receive path) are compiled: an interpreted frame is several times larger in a parked stack.
     */
    static void warmUp(int port) throws Exception {
        int conns = Integer.getInteger("warmup", 20_000);
        if (conns <= 0) {
            return;
        }
        try (HubClients c = new HubClients()) {
            URI uri = URI.create("ws://127.0.0.1:" + port + "/");
            String text = "x".repeat(32);
            java.util.concurrent.atomic.AtomicInteger left = new java.util.concurrent.atomic.AtomicInteger(conns);
            List<Greenlet<?>> gs = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                gs.add(c.hubs.next().spawn(() -> {
                    while (left.getAndDecrement() > 0) {
                        try (WebSocket ws = WebSocketClient.connect(uri, CLIENT, java.util.Map.of())) {
                            for (int j = 0; j < 10; j++) {
                                ws.sendText(text);
                                ws.receive().orElseThrow();
                            }
                        }
                    }
                    return null;
                }));
            }
            Gevent.joinAllOrRaise(gs);
        }
    }

    /** {@code jcmd GC.class_histogram} and a JSON thread dump of the child, into {@code dir}. */
    static String histogram() throws Exception {
        var server = java.lang.management.ManagementFactory.getPlatformMBeanServer();
        var cmd = new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand");
        return (String) server.invoke(cmd, "gcClassHistogram", new Object[] {new String[0]},
                new String[] {String[].class.getName()});
    }

    static void dump(java.nio.file.Path dir, String impl, String histo) throws Exception {
        java.nio.file.Files.createDirectories(dir);
        java.nio.file.Files.writeString(dir.resolve(impl + "-histogram.txt"), histo);
        java.nio.file.Path threads = dir.resolve(impl + "-threads.json");
        java.nio.file.Files.deleteIfExists(threads);
        java.lang.management.ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class)
                .dumpThreads(threads.toString(), com.sun.management.HotSpotDiagnosticMXBean.ThreadDumpFormat.JSON);
    }

    /** The child: a server, its port on stdout, then the heap after full GCs for each "heap" line on stdin. */
    static void serveIdle(String impl) throws Exception {
        try (Server s = start(impl, false)) {
            int dumps = 0;
            System.out.println(s.port());
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String l; (l = in.readLine()) != null; ) {
                Thread.sleep(500); // the last handshakes' greenlets park in receive
                for (int i = 0; i < 3; i++) {
                    System.gc();
                }
                // Live bytes: the class histogram's total (jcmd GC.class_histogram, after a full GC), as BENCHMARKS §9.
                String histo = histogram();
                java.util.regex.Matcher total = java.util.regex.Pattern.compile("(?m)^Total\\s+\\d+\\s+(\\d+)").matcher(histo);
                if (!total.find()) {
                    throw new IllegalStateException("no total in the class histogram");
                }
                if (!l.equals("heap")) { // a directory: the class histogram and a thread dump, before and after
                    dump(java.nio.file.Path.of(l), impl + "-" + ++dumps, histo);
                }
                System.out.println(total.group(1));
            }
        }
        System.exit(0);
    }
}
