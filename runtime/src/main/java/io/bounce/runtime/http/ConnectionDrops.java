package io.bounce.runtime.http;

import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;

import io.bounce.runtime.admin.Metrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The connections a server cut before they were done, by reason: every such close is counted, none is
 * silent. One per server, shared by its connections (any thread).
 */
public final class ConnectionDrops
{
    /** Why a connection was cut. */
    public enum Reason
    {
        /** A request did not arrive whole in time ({@link RequestTimer}): a slow or stalled client. */
        REQUEST_TIMEOUT,
        /** Nothing arrived for the idle timeout ({@link IdleCloser}). */
        IDLE_TIMEOUT,
        /** A client pipelined more requests than the server queues. */
        PIPELINE_OVERFLOW,
        /** An I/O or protocol error on the connection (reset by the peer, a handler's exception). */
        ERROR;

        String label()
        {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final LongAdder[] counts = new LongAdder[Reason.values().length];

    public ConnectionDrops()
    {
        for (int i = 0; i < counts.length; i++)
        {
            counts[i] = new LongAdder();
        }
    }

    public void count(final Reason reason)
    {
        counts[reason.ordinal()].increment();
    }

    /** @return connections cut for {@code reason} so far. */
    public long dropped(final Reason reason)
    {
        return counts[reason.ordinal()].sum();
    }

    /** Expose the counts as {@code name{reason="…"}}. */
    public void register(final PrometheusRegistry registry, final String name)
    {
        Metrics.counters(registry, name, "Connections cut before they were done, by reason.", "reason", Reason.values(), Reason::label,
            reason -> counts[reason.ordinal()].sum());
    }
}
