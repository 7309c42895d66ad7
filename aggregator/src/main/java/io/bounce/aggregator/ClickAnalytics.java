package io.bounce.aggregator;

import java.util.List;

/**
 * What the control plane asks of the aggregator: one link's clicks over a time range. Answered by the
 * {@link ClickStore} itself when the aggregator is embedded, and by an {@link AggregatorClient} over
 * HTTP when the aggregator is a process of its own; the control plane's analytics API cannot tell which.
 */
public interface ClickAnalytics
{
    /**
     * Clicks (answered redirects) of one link in {@code [fromMs, toMs)}: human totals, bots apart, a
     * timeline in {@code granularity} buckets, and the top 10 of each dimension among human clicks.
     */
    Report report(String domain, String code, long fromMs, long toMs, Granularity granularity) throws Exception;

    /** Most links one {@link #clicks} call may name. */
    int MAX_LINKS_PER_CALL = 1000;

    /**
     * All-time human clicks of each link named, for click limits ({@code maxClicks}): those its expiredUrl took are left out.
     *
     * @param links {@code domain/code} keys, at most {@link #MAX_LINKS_PER_CALL}.
     * @return clicks by key; a link without clicks is left out.
     */
    java.util.Map<String, Long> clicks(List<String> links) throws Exception;

    /**
     * One link's analytics.
     *
     * @param timeline each bucket as {start ms, human clicks, bot clicks}, oldest first.
     */
    record Report(long clicks, long uniqueVisitors, long botClicks, List<long[]> timeline,
        List<Ranked> referrers, List<Ranked> countries, List<Ranked> browsers, List<Ranked> oses, List<Ranked> devices,
        List<Ranked> destinations)
    {
    }

    /** A value and how many human clicks it had. */
    record Ranked(String name, long clicks)
    {
    }
}
