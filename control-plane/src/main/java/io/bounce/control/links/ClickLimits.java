package io.bounce.control.links;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import io.bounce.aggregator.ClickAnalytics;
import io.bounce.control.store.LinkQueries;
import io.bounce.control.store.ReadPool;
import io.bounce.runtime.admin.Metrics;
import io.bounce.runtime.agent.Agents;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.agrona.concurrent.AgentRunner;
import picocli.CommandLine.Option;

/**
 * Click limits ({@code maxClicks}): every {@code --click-limit-check-ms}, the control plane that leads asks analytics
 * for the human clicks of every live link under a limit (a thousand links a question) and marks each one at its limit,
 * a change like any other, so every edge answers it as expired from then on (410, or a 302 to its expiredUrl).
 *
 * <p>The overshoot is what arrives between a click and the change reaching the edges: the edges' click-file rotation
 * ({@code --click-rotate-ms}), shipping and the aggregator's load, this check's interval, and propagation. At {@code R}
 * clicks a second that is about {@code R x (rotation + load + check interval + propagation)} clicks past the limit;
 * bench/README.md measures it.
 */
public final class ClickLimits implements AutoCloseable
{
    /** The option, mixed into the control plane's configuration. */
    public static final class Options
    {
        @Option(names = "--click-limit-check-ms", defaultValue = "1000",
            description = "How often links' clicks are compared with their maxClicks, in ms; a link past it is disabled within " +
                "this, plus the time its clicks take to reach the aggregator. Default: ${DEFAULT-VALUE}")
        long checkMs;

        public void conclude()
        {
            if (checkMs < 10 || checkMs > 3_600_000)
            {
                throw new IllegalArgumentException("--click-limit-check-ms must be from 10 to 3600000");
            }
        }

        public long checkMs()
        {
            return checkMs;
        }
    }

    private final LinkService links;
    private final ReadPool readers;
    private final ClickAnalytics analytics;
    private final AtomicLong watched = new AtomicLong();
    private final AtomicLong reached = new AtomicLong();
    private AgentRunner runner;

    public ClickLimits(final LinkService links, final ReadPool readers, final ClickAnalytics analytics)
    {
        this.links = links;
        this.readers = readers;
        this.analytics = analytics;
    }

    /** Check now and then every {@code intervalMs}, as the {@code click-limits} agent, while {@code leads}. */
    public ClickLimits start(final long intervalMs, final Agents agents, final BooleanSupplier leads)
    {
        runner = agents.every("click-limits", intervalMs, () -> leads.getAsBoolean() ? check() : 0);
        return this;
    }

    /**
     * Compare every live link under a limit with its clicks, and mark those at their limit.
     *
     * @return how many links reached their limit.
     */
    public int check() throws Exception
    {
        int limited = 0;
        long seen = 0;
        long after = 0;
        while (true)
        {
            final long from = after;
            final List<Map.Entry<String, long[]>> page =
                readers.read(c -> LinkQueries.linksUnderClickLimit(c, from, ClickAnalytics.MAX_LINKS_PER_CALL));
            if (page.isEmpty())
            {
                break;
            }
            seen += page.size();
            final List<String> keys = new ArrayList<>(page.size());
            page.forEach(link -> keys.add(link.getKey()));
            final Map<String, Long> clicks = analytics.clicks(keys);
            for (final Map.Entry<String, long[]> link : page)
            {
                final long n = clicks.getOrDefault(link.getKey(), 0L);
                if (n >= link.getValue()[1])
                {
                    final int slash = link.getKey().indexOf('/'); // domains and codes hold no '/'
                    if (links.limitReached(link.getKey().substring(0, slash), link.getKey().substring(slash + 1), n).get() != null)
                    {
                        limited++;
                    }
                }
            }
            after = page.get(page.size() - 1).getValue()[0];
            if (page.size() < ClickAnalytics.MAX_LINKS_PER_CALL)
            {
                break;
            }
        }
        watched.set(seen);
        reached.addAndGet(limited);
        return limited;
    }

    public void register(final PrometheusRegistry registry)
    {
        Metrics.gauge(registry, "bounce_click_limited_links_watched", "Live links under a click limit not yet reached, as of the last check.",
            watched::get);
        Metrics.counter(registry, "bounce_click_limits_reached_total", "Links disabled because they took their maxClicks.", reached::get);
    }

    @Override
    public void close()
    {
        Agents.stop(runner, 30_000);
    }
}
