/**
 * Greenlets and their synchronisation: gevent's top-level {@code gevent} package.
 *
 * <table class="striped">
 * <caption>gevent modules and their counterparts here</caption>
 * <thead><tr><th scope="col">gevent</th><th scope="col">gevent4j</th></tr></thead>
 * <tbody>
 * <tr><th scope="row">{@code gevent} ({@code spawn}, {@code sleep}, {@code joinall}, {@code killall}, {@code wait}, {@code iwait}, {@code idle})</th><td>{@link io.gevent4j.Gevent}</td></tr>
 * <tr><th scope="row">{@code gevent.greenlet}, {@code gevent.GreenletExit}</th><td>{@link io.gevent4j.Greenlet}, {@link io.gevent4j.GreenletExit}</td></tr>
 * <tr><th scope="row">{@code gevent.hub} (the loop, {@code get_hub})</th><td>{@link io.gevent4j.Hub}, {@link io.gevent4j.HubGroup}</td></tr>
 * <tr><th scope="row">{@code gevent.timeout}</th><td>{@link io.gevent4j.Timeout}</td></tr>
 * <tr><th scope="row">{@code gevent.event}</th><td>{@link io.gevent4j.Event}, {@link io.gevent4j.AsyncResult}</td></tr>
 * <tr><th scope="row">{@code gevent.queue}</th><td>{@link io.gevent4j.Queue}, {@link io.gevent4j.LifoQueue}, {@link io.gevent4j.PriorityQueue}, {@link io.gevent4j.JoinableQueue}, {@link io.gevent4j.Channel}</td></tr>
 * <tr><th scope="row">{@code gevent.lock}</th><td>{@link io.gevent4j.Semaphore}, {@link io.gevent4j.BoundedSemaphore}, {@link io.gevent4j.RLock}</td></tr>
 * <tr><th scope="row">{@code gevent.pool}</th><td>{@link io.gevent4j.Group}, {@link io.gevent4j.Pool}</td></tr>
 * <tr><th scope="row">{@code gevent.local}</th><td>{@link io.gevent4j.SpawnTreeLocal} (and plain {@link java.lang.ThreadLocal}: a greenlet is a thread)</td></tr>
 * <tr><th scope="row">{@code gevent.threadpool}</th><td>{@link io.gevent4j.ThreadPool}</td></tr>
 * <tr><th scope="row">{@code gevent.subprocess}</th><td>{@link io.gevent4j.Subprocess}</td></tr>
 * <tr><th scope="row">{@code gevent.util.print_run_info}, the blocking monitor</th><td>{@link io.gevent4j.RunInfo}, {@link io.gevent4j.Watchdog}</td></tr>
 * </tbody>
 * </table>
 */
package io.gevent4j;
