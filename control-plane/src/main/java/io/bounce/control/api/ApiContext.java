package io.bounce.control.api;

import java.util.function.LongSupplier;

import io.bounce.aggregator.ClickAnalytics;
import io.bounce.control.ControlMetrics;
import io.bounce.control.ControlPlaneConfig;
import io.bounce.control.accounts.AccountService;
import io.bounce.control.domains.DomainService;
import io.bounce.control.keys.KeyService;
import io.bounce.control.links.LinkService;
import org.agrona.concurrent.EpochClock;

/**
 * What the API is built from, handed over whole: the configuration and the services each resource
 * calls. The API writes nothing itself; every change goes through a service.
 *
 * @param analytics the aggregator's reports (in this process, or a stand-alone one's over HTTP).
 * @param nanoClock monotonic time for rate limits and latency.
 */
public record ApiContext(
    ControlPlaneConfig config,
    LinkService links,
    KeyService keys,
    AccountService accounts,
    DomainService domains,
    ClickAnalytics analytics,
    ControlMetrics metrics,
    EpochClock clock,
    LongSupplier nanoClock)
{
}
