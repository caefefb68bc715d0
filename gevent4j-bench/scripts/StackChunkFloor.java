import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * The floor under any parked virtual thread's heap: N plain JDK virtual threads, each parked
 * in LockSupport.park at DEPTH calls below its run method, after a warm-up that parks and wakes
 * 40,000 virtual threads (so the park path is compiled, as in a server that has run a while).
 * It prints its pid and waits for a line on standard input; meanwhile measure it with
 * {@code jcmd PID GC.class_histogram | grep -E 'StackChunk|VirtualThread$'}.
 * Usage: java StackChunkFloor.java DEPTH N   (try -Xint, -XX:-TieredCompilation to compare)
 */
public class StackChunkFloor {
    static volatile boolean go;

    static int down(int d) {
        if (d == 0) {
            while (!go) {
                LockSupport.park();
            }
            return 1;
        }
        return down(d - 1) + 1;
    }

    public static void main(String[] args) throws Exception {
        int depth = Integer.parseInt(args[0]);
        int n = Integer.parseInt(args[1]);
        for (int i = 0; i < 20_000; i++) {
            go = true;
            down(depth);
        }
        for (int round = 0; round < 20; round++) {
            List<AtomicBoolean> flags = new ArrayList<>();
            List<Thread> warm = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                AtomicBoolean f = new AtomicBoolean();
                flags.add(f);
                warm.add(Thread.ofVirtual().start(() -> {
                    while (!f.get()) {
                        LockSupport.park();
                    }
                }));
            }
            Thread.sleep(20);
            for (int i = 0; i < warm.size(); i++) {
                flags.get(i).set(true);
                LockSupport.unpark(warm.get(i));
            }
            for (Thread t : warm) {
                t.join();
            }
        }
        go = false;
        List<Thread> parked = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            parked.add(Thread.ofVirtual().start(() -> down(depth)));
        }
        Thread.sleep(1000);
        System.out.println("parked " + n + " virtual threads at depth " + depth + "; pid " + ProcessHandle.current().pid());
        System.in.read();
        go = true;
        for (Thread t : parked) {
            LockSupport.unpark(t);
        }
        for (Thread t : parked) {
            t.join();
        }
    }
}
