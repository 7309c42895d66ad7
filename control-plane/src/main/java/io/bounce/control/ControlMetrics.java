package io.bounce.control;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/** The control plane's metrics in the Prometheus text format. */
public final class ControlMetrics
{
    private static final long[] BUCKETS_US = {100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 1_000_000};
    private static final double[] QUANTILES = {50.0, 90.0, 99.0, 99.9};
    private static final String[] QUANTILE_LABELS = {"0.5", "0.9", "0.99", "0.999"};

    private final AtomicLongArray responses = new AtomicLongArray(600);
    private final Map<String, LongAdder> refusals = new ConcurrentHashMap<>();
    private final LongAdder creations = new LongAdder();
    private final Recorder latency = new Recorder(60_000_000L, 3);
    private final Histogram cumulative = new Histogram(60_000_000L, 3);
    private Histogram recycled;

    public void response(final int status, final long latencyUs)
    {
        if (status >= 100 && status < 600)
        {
            responses.incrementAndGet(status);
        }
        latency.recordValue(Math.min(Math.max(latencyUs, 1), 60_000_000L));
    }

    public void refusal(final String rule)
    {
        refusals.computeIfAbsent(rule, r -> new LongAdder()).increment();
    }

    public void created(final int count)
    {
        creations.add(count);
    }

    /** Render every metric; the store's figures are passed in. */
    public synchronized String scrape(final long changeLogHead, final long commits, final long committedOps)
    {
        recycled = latency.getIntervalHistogram(recycled);
        cumulative.add(recycled);
        final StringBuilder out = new StringBuilder(4096);
        out.append("# HELP bounce_api_responses_total API answers by HTTP status.\n# TYPE bounce_api_responses_total counter\n");
        for (int status = 100; status < 600; status++)
        {
            final long n = responses.get(status);
            if (n > 0)
            {
                out.append("bounce_api_responses_total{status=\"").append(status).append("\"} ").append(n).append('\n');
            }
        }
        out.append("# HELP bounce_api_refusals_total Requests refused, by the rule they broke.\n# TYPE bounce_api_refusals_total counter\n");
        for (final Map.Entry<String, LongAdder> e : new TreeMap<>(refusals).entrySet())
        {
            out.append("bounce_api_refusals_total{rule=\"").append(e.getKey()).append("\"} ").append(e.getValue().sum()).append('\n');
        }
        out.append("# HELP bounce_api_links_created_total Links created.\n# TYPE bounce_api_links_created_total counter\n")
            .append("bounce_api_links_created_total ").append(creations.sum()).append('\n');
        final long count = cumulative.getTotalCount();
        out.append("# HELP bounce_api_request_latency_seconds API requests from decoded to answered.\n")
            .append("# TYPE bounce_api_request_latency_seconds histogram\n");
        for (final long bound : BUCKETS_US)
        {
            out.append("bounce_api_request_latency_seconds_bucket{le=\"").append(bound / 1e6).append("\"} ")
                .append(count == 0 ? 0 : cumulative.getCountBetweenValues(0, bound)).append('\n');
        }
        out.append("bounce_api_request_latency_seconds_bucket{le=\"+Inf\"} ").append(count).append('\n')
            .append("bounce_api_request_latency_seconds_sum ").append(cumulative.getMean() * count / 1e6).append('\n')
            .append("bounce_api_request_latency_seconds_count ").append(count).append('\n');
        out.append("# HELP bounce_api_request_latency_quantile_seconds API latency quantiles since start.\n")
            .append("# TYPE bounce_api_request_latency_quantile_seconds gauge\n");
        for (int i = 0; i < QUANTILES.length; i++)
        {
            out.append("bounce_api_request_latency_quantile_seconds{quantile=\"").append(QUANTILE_LABELS[i]).append("\"} ")
                .append(count == 0 ? 0 : cumulative.getValueAtPercentile(QUANTILES[i]) / 1e6).append('\n');
        }
        out.append("# HELP bounce_changelog_head_sequence Last committed change-log sequence.\n# TYPE bounce_changelog_head_sequence gauge\n")
            .append("bounce_changelog_head_sequence ").append(changeLogHead).append('\n')
            .append("# HELP bounce_store_commits_total Transactions committed (one fsync each).\n# TYPE bounce_store_commits_total counter\n")
            .append("bounce_store_commits_total ").append(commits).append('\n')
            .append("# HELP bounce_store_committed_writes_total Write requests committed (writes / commits = group-commit batch).\n")
            .append("# TYPE bounce_store_committed_writes_total counter\n")
            .append("bounce_store_committed_writes_total ").append(committedOps).append('\n');
        return out.toString();
    }
}
