package io.bounce.aggregator;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import io.bounce.runtime.http.Problem;

/**
 * Reports from a stand-alone aggregator, over HTTP: what a control plane started with
 * {@code --aggregator URL} answers its analytics API with. An aggregator that cannot be reached, or
 * fails, becomes a 503 problem with {@code Retry-After}: analytics are unavailable for a while, links
 * are not affected. A refusal from the aggregator (400) is passed on as it came.
 */
public final class AggregatorClient implements ClickAnalytics
{
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final URI base;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(2))
        .build();

    /**
     * @param base  the aggregator's URL, e.g. {@code http://10.0.0.5:7071}.
     * @param token the aggregator's analytics token.
     */
    public AggregatorClient(final URI base, final String token)
    {
        this.base = base;
        this.token = token;
    }

    @Override
    public Report report(final String domain, final String code, final long fromMs, final long toMs, final Granularity granularity)
        throws InterruptedException
    {
        final URI uri = base.resolve(AnalyticsHandler.PATH + "?domain=" + encode(domain) + "&code=" + encode(code) +
            "&from=" + fromMs + "&to=" + toMs + "&granularity=" + granularity.label());
        final HttpResponse<byte[]> response = get(uri);
        try
        {
            if (response.statusCode() == 200)
            {
                return AnalyticsHandler.JSON.readValue(response.body(), Report.class);
            }
            final JsonNode problem = AnalyticsHandler.JSON.readTree(response.body());
            if (response.statusCode() == 400)
            {
                throw Problem.badRequest(problem.path("rule").asText("aggregator"), problem.path("detail").asText());
            }
            throw unavailable("the aggregator answered " + response.statusCode() + ": " + problem.path("detail").asText());
        }
        catch (final IOException ex)
        {
            throw unavailable("the aggregator's answer could not be read: " + ex);
        }
    }

    @Override
    public java.util.Map<String, Long> clicks(final List<String> links) throws InterruptedException
    {
        // in requests of at most ~3.5 KB of query (the aggregator's request line is bounded), however many links
        final java.util.Map<String, Long> out = new java.util.HashMap<>();
        final StringBuilder query = new StringBuilder();
        for (int i = 0; i < links.size(); i++)
        {
            query.append(query.length() == 0 ? "?" : "&").append("link=").append(encode(links.get(i)));
            if (query.length() > 3_500 || i == links.size() - 1)
            {
                final HttpResponse<byte[]> response = get(base.resolve(AnalyticsHandler.CLICKS_PATH + query));
                try
                {
                    if (response.statusCode() != 200)
                    {
                        throw unavailable("the aggregator answered " + response.statusCode() + " for click counts");
                    }
                    AnalyticsHandler.JSON.readTree(response.body()).fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asLong()));
                }
                catch (final IOException ex)
                {
                    throw unavailable("the aggregator's click counts could not be read: " + ex);
                }
                query.setLength(0);
            }
        }
        return out;
    }

    private HttpResponse<byte[]> get(final URI uri) throws InterruptedException
    {
        try
        {
            return http.send(HttpRequest.newBuilder(uri).timeout(TIMEOUT).header("Authorization", "Bearer " + token).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        }
        catch (final IOException ex)
        {
            throw unavailable("the aggregator at " + base + " cannot be reached: " + ex);
        }
    }

    private static Problem unavailable(final String detail)
    {
        return Problem.unavailable("aggregator-unavailable", detail + "; analytics are back when it is", 5);
    }

    private static String encode(final String value)
    {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
