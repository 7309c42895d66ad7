package io.bounce.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import org.HdrHistogram.Histogram;

/**
 * Redirect → visible in the analytics API. Follows a short link once, then polls the link's analytics
 * (every 50 ms) until its click count has gone up; records the time between. Samples are spaced by a
 * random pause up to one rotation period, so they land anywhere in the edge's file cycle.
 *
 * <p>Usage: {@code FreshnessBench API_URL KEY EDGE_URL CODE SAMPLES [MAX_PAUSE_MS=5000]}
 */
public final class FreshnessBench
{
    private FreshnessBench()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final String api = args[0];
        final String key = args[1];
        final String edge = args[2];
        final String code = args[3];
        final int samples = Integer.parseInt(args[4]);
        final long maxPauseMs = args.length > 5 ? Long.parseLong(args[5]) : 5000;
        final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();
        final Histogram latency = new Histogram(600_000_000_000L, 3);
        final java.util.SplittableRandom random = new java.util.SplittableRandom(3);
        long before = clicks(http, api, key, code);
        for (int i = 0; i < samples; i++)
        {
            Thread.sleep(random.nextLong(maxPauseMs + 1));
            final long t0 = System.nanoTime();
            final int status = http.send(HttpRequest.newBuilder(URI.create(edge + "/" + code))
                .header("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0").build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
            if (status != 302)
            {
                throw new IllegalStateException("edge answered " + status);
            }
            long now;
            while ((now = clicks(http, api, key, code)) <= before)
            {
                Thread.sleep(50);
                if (System.nanoTime() - t0 > 120_000_000_000L)
                {
                    throw new IllegalStateException("click not visible after 120 s");
                }
            }
            latency.recordValue(System.nanoTime() - t0);
            before = now;
        }
        System.out.printf("BENCH freshness samples=%d p50_s=%.2f p90_s=%.2f p99_s=%.2f max_s=%.2f%n", samples,
            latency.getValueAtPercentile(50) / 1e9, latency.getValueAtPercentile(90) / 1e9,
            latency.getValueAtPercentile(99) / 1e9, latency.getMaxValue() / 1e9);
    }

    private static long clicks(final HttpClient http, final String api, final String key, final String code) throws Exception
    {
        final String body = http.send(HttpRequest.newBuilder(URI.create(api + "/api/v1/links/" + code + "/analytics"))
            .header("Authorization", "Bearer " + key).build(), HttpResponse.BodyHandlers.ofString()).body();
        final int at = body.indexOf("\"clicks\":") + 9;
        return Long.parseLong(body.substring(at, body.indexOf(',', at)));
    }
}
