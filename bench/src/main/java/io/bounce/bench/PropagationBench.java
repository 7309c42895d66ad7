package io.bounce.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import org.HdrHistogram.Histogram;

/**
 * Create → servable at the edge. Creates links one at a time through the API and, right after each
 * create returns, asks the edge for the new code until it answers 302; records the time from sending
 * the create to the edge's first 302 (what a user who creates a link and clicks it at once sees),
 * and apart the create's own latency (the durable commit) and what is left (propagation).
 *
 * <p>Usage: {@code PropagationBench API_URL KEY EDGE_URL COUNT [WARMUP=500]}
 */
public final class PropagationBench
{
    private PropagationBench()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        if (args.length < 4)
        {
            System.err.println("usage: PropagationBench API_URL KEY EDGE_URL COUNT [WARMUP=500]");
            System.exit(2);
        }
        final String api = args[0];
        final String key = args[1];
        final String edge = args[2];
        final int count = Integer.parseInt(args[3]);
        final int warmup = args.length > 4 ? Integer.parseInt(args[4]) : 500;
        final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();
        final Histogram total = new Histogram(60_000_000_000L, 3);
        final Histogram create = new Histogram(60_000_000_000L, 3);
        final Histogram propagation = new Histogram(60_000_000_000L, 3);
        long polls = 0;
        for (int i = 0; i < warmup + count; i++)
        {
            final HttpRequest post = HttpRequest.newBuilder(URI.create(api + "/api/v1/links"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"url\":\"https://example.com/propagation/" + i + "\"}")).build();
            final long t0 = System.nanoTime();
            final HttpResponse<String> created = http.send(post, HttpResponse.BodyHandlers.ofString());
            final long t1 = System.nanoTime();
            if (created.statusCode() != 201)
            {
                throw new IllegalStateException("create answered " + created.statusCode() + ": " + created.body());
            }
            final String body = created.body();
            final int at = body.indexOf("\"code\":\"") + 8;
            final String code = body.substring(at, body.indexOf('"', at));
            final HttpRequest get = HttpRequest.newBuilder(URI.create(edge + "/" + code)).GET().build();
            long t2;
            while (true)
            {
                final int status = http.send(get, HttpResponse.BodyHandlers.discarding()).statusCode();
                t2 = System.nanoTime();
                if (i >= warmup)
                {
                    polls++;
                }
                if (status == 302)
                {
                    break;
                }
                if (status != 404)
                {
                    throw new IllegalStateException("edge answered " + status + " for " + code);
                }
                if (t2 - t0 > 30_000_000_000L)
                {
                    throw new IllegalStateException(code + " not servable after 30 s");
                }
            }
            if (i >= warmup)
            {
                total.recordValue(t2 - t0);
                create.recordValue(t1 - t0);
                propagation.recordValue(t2 - t1);
            }
        }
        System.out.printf("creates=%d polls_per_create=%.2f%n", count, (double)polls / count);
        print("create_to_servable", total);
        print("create_answered", create);
        print("answered_to_servable", propagation);
    }

    private static void print(final String name, final Histogram h)
    {
        System.out.printf("BENCH %s p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f p99.9_ms=%.3f max_ms=%.3f%n", name,
            h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(90) / 1e6, h.getValueAtPercentile(99) / 1e6,
            h.getValueAtPercentile(99.9) / 1e6, h.getMaxValue() / 1e6);
    }
}
