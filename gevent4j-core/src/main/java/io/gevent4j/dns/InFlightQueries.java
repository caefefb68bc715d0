package io.gevent4j.dns;

import io.gevent4j.AsyncResult;
import io.gevent4j.Hub;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one path from a look-up to the network: answers from the {@link AnswerCache}, else joins
 * the query already in flight for the same {@link Question}, else starts it in a greenlet of the
 * caller's hub (the default hub, for a plain thread). Every caller of one question waits on one
 * {@link AsyncResult}.
 *
 * <p>Who may call it: any greenlet or thread, on any hub, concurrently. {@link #start} never
 * blocks; waiting on its result parks the caller, and a {@code Timeout} or a kill ends only that
 * caller's wait: the query goes on and fills the cache.
 */
final class InFlightQueries {
    /*
     * Implementation overview.
     *
     * putIfAbsent decides who runs a question: the caller that installs the AsyncResult spawns
     * the greenlet, every other caller joins it. The runner fills the cache, then removes its
     * entry from `running`, then completes the result, in that order: a caller arriving later
     * either finds the entry (and a result that will complete) or finds the cache filled.
     *
     * The result is completed across hubs and threads: a waiter of another hub or a plain
     * thread is woken by AsyncResult.set from the runner's hub (its one waiting rule).
     */
    private final AnswerCache cache;
    private final CnameChain chain;
    private final ConcurrentHashMap<Question, AsyncResult<Outcome>> running = new ConcurrentHashMap<>();

    InFlightQueries(AnswerCache cache, CnameChain chain) {
        this.cache = cache;
        this.chain = chain;
    }

    /** Starts (or joins) the query for {@code q}: its outcome, now or later. */
    AsyncResult<Outcome> start(Question q) {
        Outcome cached = cache.get(q);
        if (cached != null) {
            return AsyncResult.completed(cached);
        }
        AsyncResult<Outcome> mine = new AsyncResult<>();
        AsyncResult<Outcome> theirs = running.putIfAbsent(q, mine);
        if (theirs != null) {
            return theirs;
        }
        Hub.current().spawn(() -> run(q, mine));
        return mine;
    }

    /** Starts (or joins) the query for {@code q} and waits for its outcome. */
    Outcome await(Question q) {
        return start(q).result();
    }

    private void run(Question q, AsyncResult<Outcome> result) {
        Outcome outcome = null;
        try {
            outcome = chain.resolve(q);
        } catch (DnsException e) {
            outcome = Outcome.failed(e);
        } finally {
            if (outcome == null) { // killed (its hub closed) or a bug: never leave waiters hanging
                outcome = Outcome.failed(new DnsException(DnsException.Kind.TIMEOUT,
                        q.name().toString(), "the query was abandoned: its hub closed"));
            }
            cache.put(q, outcome);
            running.remove(q, result); // before completing: a later caller sees the cache
            result.set(outcome);
        }
    }
}
