package io.bounce.edge.metrics;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import io.bounce.edge.replica.LinkReplica;
import org.HdrHistogram.Histogram;

/**
 * The edge's metrics, rendered in the Prometheus text format. Per-loop counters ({@link LoopStats})
 * keep the redirect path free of shared writes; rarer events (connections, rejections) use atomics.
 */
public final class EdgeMetrics
{
    /** Histogram bucket bounds for redirect latency, in ns. */
    private static final long[] BUCKETS_NS = {
        1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000,
        1_000_000, 2_500_000, 5_000_000, 10_000_000, 25_000_000, 100_000_000, 1_000_000_000};
    private static final double[] QUANTILES = {50.0, 90.0, 99.0, 99.9};
    private static final String[] QUANTILE_LABELS = {"0.5", "0.9", "0.99", "0.999"};

    private final List<LoopStats> loops = new CopyOnWriteArrayList<>();
    private final AtomicLongArray rejections = new AtomicLongArray(Rejection.values().length);
    private final AtomicLong connectionsOpen = new AtomicLong();
    private final AtomicLong connectionsAccepted = new AtomicLong();
    private final Histogram redirectLatency = new Histogram(LoopStats.MAX_TRACKED_NS, 3);
    private final com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();

    /** Called once by each event loop thread, from that thread. */
    public LoopStats registerLoop()
    {
        final LoopStats stats = new LoopStats(Thread.currentThread());
        loops.add(stats);
        return stats;
    }

    public void reject(final Rejection reason)
    {
        rejections.incrementAndGet(reason.ordinal());
    }

    public void connectionOpened()
    {
        connectionsAccepted.incrementAndGet();
        connectionsOpen.incrementAndGet();
    }

    public void connectionClosed()
    {
        connectionsOpen.decrementAndGet();
    }

    public long responses(final ResponseStatus status)
    {
        long total = 0;
        for (final LoopStats loop : loops)
        {
            total += loop.responses.get(status.ordinal());
        }
        return total;
    }

    public long rejections(final Rejection reason)
    {
        return rejections.get(reason.ordinal());
    }

    /** @return bytes allocated on the heap so far by the event loop threads that answer redirects. */
    public long eventLoopAllocatedBytes()
    {
        long total = 0;
        for (final LoopStats loop : loops)
        {
            final long bytes = threads.getThreadAllocatedBytes(loop.owner.getId());
            total += Math.max(bytes, 0);
        }
        return total;
    }

    /** Render every metric; one scrape at a time. */
    public synchronized String scrape(final LinkReplica replica)
    {
        for (final LoopStats loop : loops)
        {
            loop.recycled = loop.redirectLatency.getIntervalHistogram(loop.recycled);
            redirectLatency.add(loop.recycled);
        }

        final StringBuilder out = new StringBuilder(4096);
        out.append("# HELP bounce_edge_responses_total Requests answered, by HTTP status.\n")
            .append("# TYPE bounce_edge_responses_total counter\n");
        for (final ResponseStatus status : ResponseStatus.values())
        {
            out.append("bounce_edge_responses_total{status=\"").append(status.code()).append("\"} ")
                .append(responses(status)).append('\n');
        }

        out.append("# HELP bounce_edge_rejections_total Requests refused or connections cut, by reason.\n")
            .append("# TYPE bounce_edge_rejections_total counter\n");
        for (final Rejection reason : Rejection.values())
        {
            out.append("bounce_edge_rejections_total{reason=\"").append(reason.label()).append("\"} ")
                .append(rejections(reason)).append('\n');
        }

        out.append("# HELP bounce_edge_redirect_latency_seconds Redirects from request decoded to response written.\n")
            .append("# TYPE bounce_edge_redirect_latency_seconds histogram\n");
        final long count = redirectLatency.getTotalCount();
        for (final long bound : BUCKETS_NS)
        {
            out.append("bounce_edge_redirect_latency_seconds_bucket{le=\"").append(seconds(bound)).append("\"} ")
                .append(count == 0 ? 0 : redirectLatency.getCountBetweenValues(0, bound)).append('\n');
        }
        out.append("bounce_edge_redirect_latency_seconds_bucket{le=\"+Inf\"} ").append(count).append('\n')
            .append("bounce_edge_redirect_latency_seconds_sum ").append(seconds((long)(redirectLatency.getMean() * count))).append('\n')
            .append("bounce_edge_redirect_latency_seconds_count ").append(count).append('\n');

        out.append("# HELP bounce_edge_redirect_latency_quantile_seconds Redirect latency quantiles since start.\n")
            .append("# TYPE bounce_edge_redirect_latency_quantile_seconds gauge\n");
        for (int i = 0; i < QUANTILES.length; i++)
        {
            out.append("bounce_edge_redirect_latency_quantile_seconds{quantile=\"").append(QUANTILE_LABELS[i]).append("\"} ")
                .append(seconds(count == 0 ? 0 : redirectLatency.getValueAtPercentile(QUANTILES[i]))).append('\n');
        }

        gauge(out, "bounce_edge_connections_open", "Client connections open on the public port.", connectionsOpen.get());
        counter(out, "bounce_edge_connections_accepted_total", "Client connections accepted.", connectionsAccepted.get());
        gauge(out, "bounce_edge_replica_entries", "Links held in the replica.", replica.linkCount());
        gauge(out, "bounce_edge_replica_file_bytes", "Disk space the replica file occupies.", replica.fileBytes());
        gauge(out, "bounce_edge_replica_applied_sequence", "Last change-log sequence applied to the replica.", replica.appliedSequence());
        counter(out, "bounce_edge_event_loop_allocated_bytes_total",
            "Heap bytes allocated by the event loop threads (for allocation per redirect).", eventLoopAllocatedBytes());
        return out.toString();
    }

    private static void gauge(final StringBuilder out, final String name, final String help, final long value)
    {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n')
            .append("# TYPE ").append(name).append(" gauge\n")
            .append(name).append(' ').append(value).append('\n');
    }

    private static void counter(final StringBuilder out, final String name, final String help, final long value)
    {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n')
            .append("# TYPE ").append(name).append(" counter\n")
            .append(name).append(' ').append(value).append('\n');
    }

    private static String seconds(final long nanos)
    {
        return Double.toString(nanos / 1e9);
    }
}
