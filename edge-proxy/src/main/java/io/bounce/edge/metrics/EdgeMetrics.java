package io.bounce.edge.metrics;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import io.bounce.edge.replica.LinkReplica;
import io.bounce.runtime.admin.Metrics;
import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import org.HdrHistogram.Histogram;

/**
 * The edge's metrics. Per-loop counters ({@link LoopStats}) keep the redirect path free of shared
 * writes; rarer events (connections, rejections) use atomics; {@link #register} exposes them all
 * through the Prometheus client, read at scrape time.
 */
public final class EdgeMetrics
{
    /** Histogram bucket bounds for redirect latency, in ns. */
    private static final long[] BUCKETS_NS = {
        1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000,
        1_000_000, 2_500_000, 5_000_000, 10_000_000, 25_000_000, 100_000_000, 1_000_000_000};

    private final List<LoopStats> loops = new CopyOnWriteArrayList<>();
    private final AtomicLongArray rejections = new AtomicLongArray(Rejection.values().length);
    private final AtomicLong connectionsOpen = new AtomicLong();
    private final AtomicLong connectionsAccepted = new AtomicLong();
    private final AtomicLong httpsUpgrades = new AtomicLong();
    private final AtomicLong previews = new AtomicLong();
    private final AtomicLong acmeAnswered = new AtomicLong();
    private final AtomicLong acmeUnknown = new AtomicLong();
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

    /** A plain-HTTP request on an HTTPS-only domain was sent to HTTPS. */
    public void httpsUpgrade()
    {
        httpsUpgrades.incrementAndGet();
    }

    /** A link-preview crawler got a link's social preview page. */
    public void preview()
    {
        previews.incrementAndGet();
    }

    /** An HTTP-01 request: answered with its key authorization, or 404 for a token no live challenge of that domain has. */
    public void acmeChallenge(final boolean answered)
    {
        (answered ? acmeAnswered : acmeUnknown).incrementAndGet();
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

    /**
     * Expose these metrics, and the replica's, in {@code registry}. The per-loop counters stay the
     * source: a scrape sums them, so the redirect path writes nothing it did not write before.
     */
    public void register(final PrometheusRegistry registry, final LinkReplica replica)
    {
        Metrics.counters(registry, "bounce_edge_responses_total", "Requests answered, by HTTP status.", "status",
            ResponseStatus.values(), status -> Integer.toString(status.code()), this::responses);
        Metrics.counters(registry, "bounce_edge_rejections_total", "Requests refused or connections cut, by reason.", "reason",
            Rejection.values(), Rejection::label, this::rejections);
        registry.register(new LatencyCollector());
        Metrics.gauge(registry, "bounce_edge_connections_open", "Client connections open on the public port.", connectionsOpen::get);
        Metrics.counter(registry, "bounce_edge_connections_accepted_total", "Client connections accepted.", connectionsAccepted::get);
        Metrics.counter(registry, "bounce_edge_https_upgrades_total",
            "Plain-HTTP requests on HTTPS-only domains answered with a 308 to https:// (also in bounce_edge_responses_total).",
            httpsUpgrades::get);
        Metrics.counter(registry, "bounce_edge_previews_total",
            "Link-preview crawlers answered with a link's social preview page (a 200) instead of its redirect.", previews::get);
        Metrics.counter(registry, "bounce_edge_acme_challenges_answered_total",
            "ACME HTTP-01 requests answered with a live challenge's key authorization.", acmeAnswered::get);
        Metrics.counter(registry, "bounce_edge_acme_challenges_unknown_total",
            "ACME HTTP-01 requests for a token no live challenge of that domain has (answered 404).", acmeUnknown::get);
        Metrics.gauge(registry, "bounce_edge_replica_entries", "Links held in the replica.", replica::linkCount);
        Metrics.gauge(registry, "bounce_edge_replica_file_bytes", "Disk space the replica file occupies.", replica::fileBytes);
        Metrics.gauge(registry, "bounce_edge_replica_applied_sequence", "Last change-log sequence applied to the replica.",
            replica::appliedSequence);
        Metrics.counter(registry, "bounce_edge_event_loop_allocated_bytes_total",
            "Heap bytes allocated by the event loop threads (for allocation per redirect).", this::eventLoopAllocatedBytes);
    }

    /**
     * {@code bounce_edge_redirect_latency_seconds}: the event loops' HdrHistogram recorders, merged at each
     * scrape (one scrape at a time) into a cumulative histogram and cut into Prometheus buckets.
     */
    private final class LatencyCollector implements Collector
    {
        @Override
        public String getPrometheusName()
        {
            return "bounce_edge_redirect_latency_seconds";
        }

        @Override
        public MetricSnapshot collect()
        {
            synchronized (redirectLatency)
            {
                for (final LoopStats loop : loops)
                {
                    loop.recycled = loop.redirectLatency.getIntervalHistogram(loop.recycled);
                    redirectLatency.add(loop.recycled);
                }
                final double[] bounds = new double[BUCKETS_NS.length + 1];
                final long[] counts = new long[BUCKETS_NS.length + 1];
                long below = 0;
                for (int i = 0; i < BUCKETS_NS.length; i++)
                {
                    bounds[i] = BUCKETS_NS[i] / 1e9;
                    final long upTo = redirectLatency.getTotalCount() == 0 ? 0 : redirectLatency.getCountBetweenValues(0, BUCKETS_NS[i]);
                    counts[i] = upTo - below;
                    below = upTo;
                }
                bounds[BUCKETS_NS.length] = Double.POSITIVE_INFINITY;
                counts[BUCKETS_NS.length] = redirectLatency.getTotalCount() - below;
                final double sumSeconds = redirectLatency.getMean() * redirectLatency.getTotalCount() / 1e9;
                return HistogramSnapshot.builder()
                    .name(getPrometheusName())
                    .help("Redirects from request decoded to response written.")
                    .dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
                        .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, counts))
                        .sum(sumSeconds)
                        .build())
                    .build();
            }
        }
    }
}
