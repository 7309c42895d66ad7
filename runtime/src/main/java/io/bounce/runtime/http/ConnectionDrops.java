package io.bounce.runtime.http;

import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;

import io.bounce.runtime.admin.Metrics;
import io.bounce.runtime.log.LogThrottle;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connections a server cut before they were done, by reason: every such close is counted and
 * logged, none is silent. The log says which peer and why at INFO (idle timeouts, an everyday close, at
 * DEBUG), at most one line a second per reason, each line saying how many cuts it stands for, so a flood
 * of bad clients cannot flood the log. One per server, shared by its connections (any thread).
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
        /** A request that did not parse or broke a bound (400, 413, 414, 431) was refused, and the connection with it. */
        MALFORMED,
        /** An I/O or protocol error on the connection (reset by the peer, a handler's exception). */
        ERROR;

        String label()
        {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionDrops.class);

    private final String server;
    private final LongAdder[] counts = new LongAdder[Reason.values().length];
    private final LogThrottle[] throttles = new LogThrottle[Reason.values().length];

    /** @param server the server's name in the log ("api", "aggregator"). */
    public ConnectionDrops(final String server)
    {
        this.server = server;
        for (int i = 0; i < counts.length; i++)
        {
            counts[i] = new LongAdder();
            throttles[i] = new LogThrottle();
        }
    }

    /** Count a cut and log it (rate-limited). @param peer the client's address, or null. @param detail what happened, or null. */
    public void count(final Reason reason, final Object peer, final String detail)
    {
        final int i = reason.ordinal();
        counts[i].increment();
        if (throttles[i].tryAcquire())
        {
            final long total = counts[i].sum();
            final long since = throttles[i].since();
            final String message = "{} connection from {} cut: {}{} ({} cut for this reason since the last such line, {} in all)";
            final Object[] args = {server, peer, reason.label(), detail == null ? "" : " (" + detail + ")", since, total};
            if (reason == Reason.IDLE_TIMEOUT)
            {
                LOG.debug(message, args);
            }
            else
            {
                LOG.info(message, args);
            }
        }
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
