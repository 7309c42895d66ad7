package io.bounce.control;

import io.bounce.runtime.http.ConnectionDrops;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The API's own metrics, kept by the Prometheus client: answers by status, refusals by the rule they
 * broke, links created, request latency, and the connections the API port cut. Any thread.
 */
public final class ControlMetrics
{
    private static final double[] BUCKETS_SECONDS = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0};

    private final Counter responses = Counter.builder().name("bounce_api_responses_total").help("API answers by HTTP status.")
        .labelNames("status").build();
    /** One data point per status, made on first use: counting an answer looks up no label. */
    private final CounterDataPoint[] byStatus = new CounterDataPoint[600];
    private final Counter refusals = Counter.builder().name("bounce_api_refusals_total")
        .help("Requests refused, by the rule they broke.").labelNames("rule").build();
    private final Counter creations = Counter.builder().name("bounce_api_links_created_total").help("Links created.").build();
    private final Histogram latency = Histogram.builder().name("bounce_api_request_latency_seconds")
        .help("API requests from decoded to answered.").classicOnly().classicUpperBounds(BUCKETS_SECONDS).build();
    private final Counter signIns = Counter.builder().name("bounce_dashboard_sign_ins_total")
        .help("Dashboard sign-ins by outcome: ok, wrong (email or password), locked (the account's lockout), throttled " +
            "(the address's limit), csrf (the form's token was missing or wrong).").labelNames("outcome").build();
    private final ConnectionDrops drops = new ConnectionDrops("api");

    public ControlMetrics()
    {
        for (final String outcome : new String[] {"ok", "wrong", "locked", "throttled", "csrf"})
        {
            signIns.labelValues(outcome); // every outcome from 0, so a rate over it starts at the first scrape
        }
    }

    public void register(final PrometheusRegistry registry)
    {
        registry.register(responses);
        registry.register(refusals);
        registry.register(creations);
        registry.register(latency);
        registry.register(signIns);
        drops.register(registry, "bounce_api_connections_dropped_total");
    }

    public void response(final int status, final long latencyUs)
    {
        if (status >= 100 && status < 600)
        {
            CounterDataPoint point = byStatus[status];
            if (point == null)
            {
                point = responses.labelValues(Integer.toString(status));
                byStatus[status] = point; // a race makes the same point twice: the client returns one per label
            }
            point.inc();
        }
        latency.observe(Math.max(latencyUs, 1) / 1e6);
    }

    public void refusal(final String rule)
    {
        refusals.labelValues(rule).inc();
    }

    public void signIn(final String outcome)
    {
        signIns.labelValues(outcome).inc();
    }

    public void created(final int count)
    {
        creations.inc(count);
    }

    /** The connections the API port cut, by reason. */
    public ConnectionDrops drops()
    {
        return drops;
    }
}
