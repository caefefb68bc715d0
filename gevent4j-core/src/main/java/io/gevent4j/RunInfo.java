package io.gevent4j;

import io.gevent4j.internal.Loops;
import io.gevent4j.internal.Waiter;
import io.gevent4j.internal.VirtualThreads;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;

/**
 * A snapshot of every hub and its greenlets as a tree (by spawning parent), with each
 * greenlet's state, what it waits on and its stack, as text or JSON: gevent's
 * {@code format_run_info} / {@code GreenletTree}.
 *
 * <p>Who may call it: any thread, inside a greenlet or not. {@link #capture()} asks each hub's
 * loop for its list of greenlets and waits for the answer at most {@link #ANSWER_TIMEOUT} per
 * hub (parking the calling greenlet, or blocking a plain thread); a hub that does not answer
 * (it is blocked: exactly when a dump matters most) is read without its cooperation, a view
 * that is exact for a stuck hub and may miss a greenlet that starts or ends meanwhile. Called
 * on a hub's loop (a callback), it does not wait at all. Taking stacks briefly suspends each
 * parked greenlet; this is a diagnostic, not something to call per request.
 *
 * {@snippet :
 * System.err.println(RunInfo.capture().toText());
 * Files.writeString(Path.of("run-info.json"), RunInfo.capture().toJson());
 * }
 *
 * @param capturedAt when the snapshot was taken
 * @param hubs every hub whose loop had not ended, in order of creation
 */
public record RunInfo(Instant capturedAt, List<HubInfo> hubs) {
    /*
     * Implementation overview. The live list of a hub is loop-confined, so the snapshot of the
     * list is taken on the loop (a callback that notifies a Waiter: the library's one way to
     * wait, with a deadline). Everything else (names, states, stacks) is read from the capturing
     * thread: greenlet fields are volatile or immutable, and Thread.getStackTrace() is safe from
     * any thread. A greenlet whose parent is live on the same hub is nested under it; any other
     * (parent dead, on another hub, or spawned from a plain thread) is a root.
     */

    /** How long {@link #capture()} waits for one hub's loop to hand over its greenlets. */
    public static final Duration ANSWER_TIMEOUT = Duration.ofMillis(100);

    /** Checks the capture time and copies the list of hubs. */
    public RunInfo {
        Objects.requireNonNull(capturedAt, "capturedAt");
        hubs = List.copyOf(hubs);
    }

    /**
     * One hub.
     *
     * @param name its name
     * @param id its number, unique in this JVM
     * @param loopThread the name of its loop thread
     * @param answered whether its loop handed over its greenlets (false: read without it)
     * @param blocked whether its loop was running one slice when it did not answer
     * @param stats its counters
     * @param greenlets its live greenlets whose parent is not one of them, each with its subtree
     */
    public record HubInfo(String name, int id, String loopThread, boolean answered, boolean blocked,
            Hub.Stats stats, List<GreenletInfo> greenlets) {
        /** Copies the list of greenlets. */
        public HubInfo {
            greenlets = List.copyOf(greenlets);
        }
    }

    /**
     * One greenlet.
     *
     * @param name its name
     * @param threadId its virtual thread's id (0 if it has none any more)
     * @param state {@code running} (mounted on the loop), {@code runnable} (queued),
     *     {@code waiting}, {@code blocked} or {@code done}
     * @param parent the name of the greenlet that spawned it, if it is still reachable
     * @param waitingOn what it waits on (a library wait point, a JDK lock or call), if it waits
     * @param stack its stack, innermost frame first
     * @param children the live greenlets it spawned on the same hub
     */
    public record GreenletInfo(String name, long threadId, String state, Optional<String> parent,
            Optional<String> waitingOn, List<StackTraceElement> stack, List<GreenletInfo> children) {
        /** Checks the components and copies the lists. */
        public GreenletInfo {
            Objects.requireNonNull(parent, "parent");
            Objects.requireNonNull(waitingOn, "waitingOn");
            stack = List.copyOf(stack);
            children = List.copyOf(children);
        }
    }

    /** Captures every live hub. */
    public static RunInfo capture() {
        List<Hub> all = new ArrayList<>(Hub.all());
        all.sort((a, b) -> Integer.compare(a.id(), b.id()));
        List<HubInfo> out = new ArrayList<>(all.size());
        for (Hub h : all) {
            out.add(captureHub(h));
        }
        return new RunInfo(Instant.now(), out);
    }

    /** Captures one hub. */
    public static RunInfo capture(Hub hub) {
        return new RunInfo(Instant.now(), List.of(captureHub(Objects.requireNonNull(hub, "hub"))));
    }

    // ---------------------------------------------------------------- capture

    private static HubInfo captureHub(Hub hub) {
        long count = hub.sliceCount();
        List<Greenlet<?>> live = askLoop(hub);
        boolean answered = live != null;
        if (live == null) {
            live = hub.liveGreenletsRacy();
        }
        boolean blocked = !answered && (count & 1) != 0 && hub.sliceCount() == count;
        Map<Greenlet<?>, List<Greenlet<?>>> children = new IdentityHashMap<>();
        List<Greenlet<?>> roots = new ArrayList<>();
        Map<Greenlet<?>, Boolean> present = new IdentityHashMap<>();
        for (Greenlet<?> g : live) {
            present.put(g, Boolean.TRUE);
        }
        // The live list is newest first; show the oldest first.
        for (int i = live.size() - 1; i >= 0; i--) {
            Greenlet<?> g = live.get(i);
            Greenlet<?> p = g.parent().orElse(null);
            if (p != null && p != g && present.containsKey(p)) {
                children.computeIfAbsent(p, k -> new ArrayList<>()).add(g);
            } else {
                roots.add(g);
            }
        }
        List<GreenletInfo> infos = new ArrayList<>(roots.size());
        Map<Greenlet<?>, Boolean> visited = new IdentityHashMap<>();
        for (Greenlet<?> g : roots) {
            infos.add(describe(hub, g, children, visited));
        }
        return new HubInfo(hub.name(), hub.id(), hub.loopThread().getName(), answered, blocked, hub.stats(), infos);
    }

    /** The hub's live greenlets handed over by its loop, or null if it did not answer in time. */
    private static List<Greenlet<?>> askLoop(Hub hub) {
        if (hub.inLoop()) {
            return hub.liveGreenletsRacy(); // on the loop itself: exact
        }
        if (Loops.callerIsLoop()) {
            return null; // a callback of another hub: it must not wait
        }
        if (hub.isTerminated()) {
            return List.of();
        }
        AsyncResult<List<Greenlet<?>>> answer = new AsyncResult<>();
        hub.callSoon(() -> answer.set(hub.liveGreenletsRacy()));
        return answer.await(ANSWER_TIMEOUT) ? answer.value() : null;
    }

    private static GreenletInfo describe(Hub hub, Greenlet<?> g, Map<Greenlet<?>, List<Greenlet<?>>> children,
            Map<Greenlet<?>, Boolean> visited) {
        visited.put(g, Boolean.TRUE);
        Thread t = g.thread();
        StackTraceElement[] stack = t == null ? new StackTraceElement[0] : t.getStackTrace();
        String state;
        Optional<String> waitingOn = Optional.empty();
        if (t == null || g.ready()) {
            state = "done";
        } else if (VirtualThreads.carrierOf(t).orElse(null) == hub.loopThread()) {
            state = "running";
        } else {
            Thread.State ts = t.getState();
            Waiter w = g.strand().waiter();
            if (w != null) {
                state = "waiting";
                waitingOn = Optional.of("gevent4j wait in " + libraryCaller(stack));
            } else if (ts == Thread.State.WAITING || ts == Thread.State.TIMED_WAITING || ts == Thread.State.BLOCKED) {
                state = ts == Thread.State.BLOCKED ? "blocked" : "waiting";
                Object blocker = LockSupport.getBlocker(t);
                waitingOn = Optional.of(blocker != null
                        ? blocker.getClass().getName() + "@" + Integer.toHexString(System.identityHashCode(blocker))
                                + " in " + caller(stack)
                        : "JDK call " + caller(stack));
            } else {
                state = "runnable";
            }
        }
        List<GreenletInfo> kids = new ArrayList<>();
        for (Greenlet<?> c : children.getOrDefault(g, List.of())) {
            if (!visited.containsKey(c)) {
                kids.add(describe(hub, c, children, visited));
            }
        }
        return new GreenletInfo(g.name(), t == null ? 0 : t.threadId(), state, g.parent().map(Greenlet::name),
                waitingOn, List.of(stack), kids);
    }

    /** The classes a greenlet's own waits go through (its doors), skipped like the engine. */
    private static final Set<String> GREENLET_MACHINERY = Set.of("io.gevent4j.GreenletLinks",
            "io.gevent4j.GreenletJoin", "io.gevent4j.GreenletKill", "io.gevent4j.GreenletScope");

    /** The first frame above the engine (and the greenlet's doors): where a library wait was called. */
    private static String libraryCaller(StackTraceElement[] stack) {
        for (StackTraceElement e : stack) {
            String c = e.getClassName();
            if (c.startsWith("java.") || c.startsWith("jdk.") || c.startsWith("sun.")
                    || c.startsWith("io.gevent4j.internal.") || GREENLET_MACHINERY.contains(c)) {
                continue;
            }
            return e.toString();
        }
        return stack.length > 0 ? stack[0].toString() : "(no stack)";
    }

    /** The first frame above the park machinery: the JDK call or lock the greenlet waits in. */
    private static String caller(StackTraceElement[] stack) {
        for (StackTraceElement e : stack) {
            String c = e.getClassName();
            if (c.startsWith("java.lang.VirtualThread") || c.startsWith("jdk.internal.")
                    || c.startsWith("java.lang.System$")
                    || c.equals("java.lang.Thread") || c.equals("java.util.concurrent.locks.LockSupport")
                    || c.equals("io.gevent4j.internal.Strand") || c.equals("io.gevent4j.internal.LoopStrand")
                    || c.equals("io.gevent4j.internal.Waiter")
                    || c.startsWith("java.util.concurrent.locks.AbstractQueuedSynchronizer")) {
                continue;
            }
            return e.toString();
        }
        return stack.length > 0 ? stack[0].toString() : "(no stack)";
    }

    // ---------------------------------------------------------------- text

    /** Every hub with its counters, then its greenlet tree with stacks. */
    public String toText() {
        StringBuilder sb = new StringBuilder();
        String nl = System.lineSeparator();
        sb.append("gevent4j run info at ").append(capturedAt).append(": ").append(hubs.size())
                .append(hubs.size() == 1 ? " hub" : " hubs").append(nl);
        for (HubInfo h : hubs) {
            Hub.Stats s = h.stats();
            sb.append(nl).append("Hub ").append(h.name()).append(" #").append(h.id()).append(" (thread ")
                    .append(h.loopThread()).append(')');
            if (h.blocked()) {
                sb.append(" BLOCKED");
            } else if (!h.answered()) {
                sb.append(" (did not answer; racy view)");
            }
            sb.append(nl).append("  live ").append(s.live()).append(", spawned ").append(s.spawned())
                    .append(", finished ").append(s.finished()).append(", runnable ").append(s.runnable())
                    .append(", timers ").append(s.timers()).append(", selector keys ").append(s.selectorKeys())
                    .append(", loop iterations ").append(s.loopIterations()).append(", slices ").append(s.slices())
                    .append(", cross-thread tasks ").append(s.crossThreadTasks()).append(", wake-ups ")
                    .append(s.selectorWakeups()).append(", longest slice ").append(s.longestSlice().toMillis())
                    .append(" ms").append(nl);
            for (GreenletInfo g : h.greenlets()) {
                appendText(sb, g, 1, nl);
            }
        }
        return sb.toString();
    }

    private static void appendText(StringBuilder sb, GreenletInfo g, int depth, String nl) {
        String indent = "  ".repeat(depth);
        sb.append(indent).append("+- \"").append(g.name()).append("\" [").append(g.state()).append("] thread #")
                .append(g.threadId());
        g.parent().ifPresent(p -> sb.append(", spawned by \"").append(p).append('"'));
        g.waitingOn().ifPresent(w -> sb.append(", waits on ").append(w));
        sb.append(nl);
        for (StackTraceElement e : g.stack()) {
            sb.append(indent).append("   |   at ").append(e).append(nl);
        }
        for (GreenletInfo c : g.children()) {
            appendText(sb, c, depth + 1, nl);
        }
    }

    @Override
    public String toString() {
        return toText();
    }

    // ---------------------------------------------------------------- JSON

    /** The same as one JSON object: {@code {"capturedAt": ..., "hubs": [...]}}. */
    public String toJson() {
        StringBuilder sb = new StringBuilder(1024);
        sb.append("{\"capturedAt\":");
        string(sb, capturedAt.toString());
        sb.append(",\"hubs\":[");
        for (int i = 0; i < hubs.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            HubInfo h = hubs.get(i);
            Hub.Stats s = h.stats();
            sb.append("{\"name\":");
            string(sb, h.name());
            sb.append(",\"id\":").append(h.id()).append(",\"loopThread\":");
            string(sb, h.loopThread());
            sb.append(",\"answered\":").append(h.answered()).append(",\"blocked\":").append(h.blocked())
                    .append(",\"stats\":{\"live\":").append(s.live()).append(",\"spawned\":").append(s.spawned())
                    .append(",\"finished\":").append(s.finished()).append(",\"runnable\":").append(s.runnable())
                    .append(",\"timers\":").append(s.timers()).append(",\"loopIterations\":").append(s.loopIterations())
                    .append(",\"slices\":").append(s.slices()).append(",\"selectorKeys\":").append(s.selectorKeys())
                    .append(",\"crossThreadTasks\":").append(s.crossThreadTasks())
                    .append(",\"selectorWakeups\":").append(s.selectorWakeups())
                    .append(",\"longestSliceNanos\":").append(s.longestSlice().toNanos())
                    .append("},\"greenlets\":");
            greenlets(sb, h.greenlets());
            sb.append('}');
        }
        return sb.append("]}").toString();
    }

    private static void greenlets(StringBuilder sb, List<GreenletInfo> list) {
        sb.append('[');
        for (int i = 0; i < list.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            GreenletInfo g = list.get(i);
            sb.append("{\"name\":");
            string(sb, g.name());
            sb.append(",\"threadId\":").append(g.threadId()).append(",\"state\":");
            string(sb, g.state());
            sb.append(",\"parent\":");
            nullable(sb, g.parent());
            sb.append(",\"waitingOn\":");
            nullable(sb, g.waitingOn());
            sb.append(",\"stack\":[");
            for (int j = 0; j < g.stack().size(); j++) {
                if (j > 0) {
                    sb.append(',');
                }
                string(sb, g.stack().get(j).toString());
            }
            sb.append("],\"children\":");
            greenlets(sb, g.children());
            sb.append('}');
        }
        sb.append(']');
    }

    private static void nullable(StringBuilder sb, Optional<String> s) {
        if (s.isPresent()) {
            string(sb, s.get());
        } else {
            sb.append("null");
        }
    }

    /** Appends {@code s} as a JSON string (RFC 8259 escapes). */
    static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
