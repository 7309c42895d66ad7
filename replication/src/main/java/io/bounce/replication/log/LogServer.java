package io.bounce.replication.log;

import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import io.bounce.runtime.admin.Metrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.bounce.runtime.http.BearerToken;

/**
 * Serves the change log to followers: {@value ReplicationFormat#PATH_SNAPSHOT} and
 * {@value ReplicationFormat#PATH_LOG}. It plugs into an HTTP/1.1 Netty pipeline through
 * {@link #handler(String...)}, so the control plane serves it on its API port and a relay can serve it
 * from anywhere. Each follower's stream runs on a thread of its own (it blocks on the source and on
 * the socket's back-pressure, never on an event loop); {@code maxFollowers} bounds them.
 *
 * <p>Followers authenticate with {@code Authorization: Bearer TOKEN}, compared in constant time.
 */
public final class LogServer
{
    private final ChangeLogSource source;
    private final BearerToken token;
    private final long heartbeatMs;
    private final Semaphore followers;
    private final int maxFollowers;

    final LongAdder streamsOpened = new LongAdder();
    final LongAdder snapshotsServed = new LongAdder();
    final LongAdder recordsStreamed = new LongAdder();
    final LongAdder refusedUnauthorized = new LongAdder();
    final LongAdder refusedGone = new LongAdder();
    final LongAdder refusedBusy = new LongAdder();
    final LongAdder refusedBadRequest = new LongAdder();
    final LongAdder streamsFailed = new LongAdder();
    final AtomicLong connected = new AtomicLong();

    /**
     * @param token        the replication token followers must present; must not be empty.
     * @param heartbeatMs  how often an idle log stream carries a heartbeat.
     * @param maxFollowers streams served at once; more get 503.
     */
    public LogServer(final ChangeLogSource source, final String token, final long heartbeatMs, final int maxFollowers)
    {
        this.source = source;
        this.token = new BearerToken(token);
        this.heartbeatMs = heartbeatMs;
        this.maxFollowers = maxFollowers;
        this.followers = new Semaphore(maxFollowers);
    }

    /**
     * A handler to put after the HTTP server codec: it answers the replication paths and passes every
     * other request on. When it takes a connection over for a stream it removes the named handlers
     * (idle and request timers meant for short API calls).
     */
    public LogServerHandler handler(final String... removeOnStream)
    {
        return new LogServerHandler(this, removeOnStream);
    }

    ChangeLogSource source()
    {
        return source;
    }

    long heartbeatMs()
    {
        return heartbeatMs;
    }

    boolean authorized(final String authorization)
    {
        return token.matches(authorization);
    }

    boolean tryAcquireFollower()
    {
        return followers.tryAcquire();
    }

    void releaseFollower()
    {
        followers.release();
    }

    /** Expose this server's counters in {@code registry}. */
    public void register(final PrometheusRegistry registry)
    {
        Metrics.gauge(registry, "bounce_replication_followers", "Followers streaming now.", connected::get);
        Metrics.gauge(registry, "bounce_replication_followers_max", "Most followers served at once.", () -> maxFollowers);
        Metrics.counter(registry, "bounce_replication_streams_total", "Log streams opened.", streamsOpened::sum);
        Metrics.counter(registry, "bounce_replication_snapshots_total", "Snapshots served.", snapshotsServed::sum);
        Metrics.counter(registry, "bounce_replication_records_streamed_total", "Log records sent to followers.", recordsStreamed::sum);
        Metrics.counter(registry, "bounce_replication_streams_failed_total", "Streams that ended on an error.", streamsFailed::sum);
        final LongAdder[] refusals = {refusedUnauthorized, refusedGone, refusedBusy, refusedBadRequest};
        final String[] reasons = {"unauthorized", "gone", "busy", "bad-request"};
        Metrics.counters(registry, "bounce_replication_refusals_total", "Replication requests refused, by reason.", "reason",
            new Integer[] {0, 1, 2, 3}, i -> reasons[i], i -> refusals[i].sum());
    }
}
