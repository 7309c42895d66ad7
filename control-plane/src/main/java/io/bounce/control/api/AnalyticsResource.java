package io.bounce.control.api;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bounce.aggregator.ClickAnalytics;
import io.bounce.aggregator.Granularity;
import io.bounce.control.keys.ApiKey;
import io.bounce.control.keys.Scope;
import io.bounce.control.links.LinkService;
import io.bounce.control.store.LinkRow;
import io.bounce.runtime.http.Problem;
import org.agrona.concurrent.EpochClock;

/**
 * {@code GET /api/v1/links/{code}/analytics}: one link's clicks (owner or admin). {@code from}/{@code to}
 * RFC 3339 (default: the last 7 days), {@code granularity} hour|day|week (default day). Bots, link
 * previews and HEAD requests are counted apart and left out of every other figure.
 */
final class AnalyticsResource
{
    private static final long DAY_MS = 86_400_000L;

    private final LinkService links;
    private final ClickAnalytics analytics;
    private final EpochClock clock;

    AnalyticsResource(final ApiContext context)
    {
        this.links = context.links();
        this.analytics = context.analytics();
        this.clock = context.clock();
    }

    List<Route> routes()
    {
        return List.of(new Route("GET", "/api/v1/links/{code}/analytics", Scope.ANALYTICS_READ,
            java.util.Set.of("domain", "from", "to", "granularity"), this::report));
    }

    private CompletableFuture<ApiResponse> report(final ApiKey key, final ApiRequest request, final Map<String, String> params)
        throws Exception
    {
        final LinkRow row = links.get(key, request.query("domain"), params.get("code"));
        final long to = request.instantQuery("to", clock.time() + 1);
        final long from = request.instantQuery("from", to - 7 * DAY_MS);
        if (from >= to)
        {
            throw Problem.badRequest("range", "from must be before to");
        }
        final Granularity granularity = Granularity.parse(request.query("granularity"));
        if (granularity == Granularity.HOUR && to - from > 31 * DAY_MS)
        {
            throw Problem.badRequest("range", "hourly timelines cover at most 31 days");
        }
        final ClickAnalytics.Report report = analytics.report(row.domain, row.code, from, to, granularity);
        final ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("code", row.code).put("domain", row.domain)
            .put("from", Instant.ofEpochMilli(from).toString()).put("to", Instant.ofEpochMilli(to).toString())
            .put("granularity", granularity.label())
            .put("clicks", report.clicks()).put("uniqueVisitors", report.uniqueVisitors()).put("botClicks", report.botClicks());
        final ArrayNode timeline = out.putArray("timeline");
        for (final long[] bucket : report.timeline())
        {
            timeline.addObject().put("start", Instant.ofEpochMilli(bucket[0]).toString()).put("clicks", bucket[1]).put("botClicks", bucket[2]);
        }
        ranked(out, "referrers", report.referrers());
        ranked(out, "countries", report.countries());
        ranked(out, "browsers", report.browsers());
        ranked(out, "oses", report.oses());
        ranked(out, "devices", report.devices());
        // Which of the link's rules each click followed, with where that rule sends visitors now (an A/B test's result).
        final ArrayNode destinations = out.putArray("destinations");
        for (final ClickAnalytics.Ranked value : report.destinations() == null ? List.<ClickAnalytics.Ranked>of() : report.destinations())
        {
            final ObjectNode entry = destinations.addObject().put("name", value.name());
            final String url = io.bounce.control.links.LinkRuleSpec.destinationUrl(row.url, row.rules, value.name());
            if (url != null)
            {
                entry.put("url", url);
            }
            entry.put("clicks", value.clicks());
        }
        return CompletableFuture.completedFuture(ApiResponse.json(200, out));
    }

    private static void ranked(final ObjectNode out, final String field, final List<ClickAnalytics.Ranked> values)
    {
        final ArrayNode array = out.putArray(field);
        for (final ClickAnalytics.Ranked value : values)
        {
            array.addObject().put("name", value.name()).put("clicks", value.clicks());
        }
    }
}
