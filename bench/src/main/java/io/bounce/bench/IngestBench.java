package io.bounce.bench;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.SplittableRandom;

import io.bounce.replication.clicks.ClickFileFormat;
import net.jpountz.lz4.LZ4FrameOutputStream;
import org.HdrHistogram.Histogram;

/**
 * The aggregator's ingest rate and its analytics latency on a busy link. Builds click files the way
 * an edge does (LZ4 TSV, a realistic mix of user agents, referrers and countries, 100,000 visitors),
 * all for one link, first, in memory; then {@code SENDERS} "edges" PUT them at once, each one file
 * after another as an edge's shipper does, and it reports events/s from the first PUT until the
 * link's analytics count every event (building the files is not timed; the last 200 comes earlier,
 * since the aggregator answers once a file is durable and counts it in batches). Then asks for that link's analytics {@code QUERIES} times and
 * reports the latency percentiles.
 *
 * <p>Usage: {@code IngestBench API_URL TOKEN ADMIN_KEY CODE EVENTS [EVENTS_PER_FILE=100000] [QUERIES=100] [SENDERS=2]}
 */
public final class IngestBench
{
    private static final String[] AGENTS = {
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
        "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"};
    private static final String[] REFERRERS = {"", "https://news.example.org/a", "https://t.co/xyz", "https://www.facebook.com/",
        "https://mail.example.com/inbox"};
    private static final String[] COUNTRIES = {"", "US", "DE", "FR", "JP", "BR", "IN"};

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private IngestBench()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        if (args.length < 5)
        {
            System.err.println("usage: IngestBench API_URL TOKEN ADMIN_KEY CODE EVENTS [EVENTS_PER_FILE=100000] [QUERIES=100]");
            System.exit(2);
        }
        final String api = args[0];
        final String token = args[1];
        final String key = args[2];
        final String code = args[3];
        final long events = Long.parseLong(args[4]);
        final int perFile = args.length > 5 ? Integer.parseInt(args[5]) : 100_000;
        final int queries = args.length > 6 ? Integer.parseInt(args[6]) : 100;
        final int senders = args.length > 7 ? Integer.parseInt(args[7]) : 2;
        final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

        final SplittableRandom random = new SplittableRandom(1);
        final long now = System.currentTimeMillis();
        final java.util.List<byte[]> files = new java.util.ArrayList<>();
        long bytes = 0;
        for (long built = 0; built < events; built += perFile)
        {
            final String edge = "bench-" + now + "-" + (files.size() % senders + 1); // new ids each run: a rerun is not a resend
            final byte[] file = file(random, edge, code, now - 6L * 86_400_000L, now, (int)Math.min(perFile, events - built));
            files.add(file);
            bytes += file.length;
        }
        final java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(senders);
        final java.util.List<java.util.concurrent.Future<?>> sending = new java.util.ArrayList<>();
        final long before = countedClicks(http, api, key, code); // the link may have clicks already
        final long started = System.nanoTime();
        for (int s = 0; s < senders; s++)
        {
            final String edge = "bench-" + now + "-" + (s + 1);
            final int first = s;
            sending.add(pool.submit(() ->
            {
                int sequence = 0;
                for (int i = first; i < files.size(); i += senders)
                {
                    final HttpRequest put = HttpRequest.newBuilder(URI.create(api + ClickFileFormat.INGEST_PATH + edge + "/" + (++sequence)))
                        .header("Authorization", "Bearer " + token).timeout(Duration.ofMinutes(5))
                        .PUT(HttpRequest.BodyPublishers.ofByteArray(files.get(i))).build();
                    HttpResponse<String> response = http.send(put, HttpResponse.BodyHandlers.ofString());
                    while (response.statusCode() == 503) // backlog full: as a shipper does, wait as asked and send again
                    {
                        Thread.sleep(1000L * Long.parseLong(response.headers().firstValue("Retry-After").orElse("1")));
                        response = http.send(put, HttpResponse.BodyHandlers.ofString());
                    }
                    if (response.statusCode() != 200)
                    {
                        throw new IllegalStateException("ingest answered " + response.statusCode() + ": " + response.body());
                    }
                }
                return null;
            }));
        }
        for (final java.util.concurrent.Future<?> f : sending)
        {
            f.get();
        }
        final long acceptedNs = System.nanoTime() - started;
        pool.shutdown();
        final long sent = events;
        // The last 200 means every file is durable at the aggregator, not yet that it is counted: the
        // rate is taken when the link's analytics (humans plus bots) show every event.
        final long deadline = System.nanoTime() + 600_000_000_000L;
        while (countedClicks(http, api, key, code) < before + sent)
        {
            if (System.nanoTime() > deadline)
            {
                throw new IllegalStateException("the aggregator did not count " + sent + " events within 10 minutes");
            }
            Thread.sleep(200);
        }
        final long busyNs = System.nanoTime() - started;
        System.out.printf("BENCH ingest events=%d files=%d senders=%d compressed_bytes=%d accepted_seconds=%.2f seconds=%.2f " +
                "events_per_s=%.0f%n",
            sent, files.size(), senders, bytes, acceptedNs / 1e9, busyNs / 1e9, sent / (busyNs / 1e9));

        final Histogram latency = new Histogram(60_000_000_000L, 3);
        long clicks = -1;
        for (int i = 0; i < queries + 5; i++)
        {
            final long t0 = System.nanoTime();
            final HttpResponse<String> answer = http.send(HttpRequest.newBuilder(
                    URI.create(api + "/api/v1/links/" + code + "/analytics?granularity=day"))
                .header("Authorization", "Bearer " + key).build(), HttpResponse.BodyHandlers.ofString());
            final long t1 = System.nanoTime();
            if (answer.statusCode() != 200)
            {
                throw new IllegalStateException("analytics answered " + answer.statusCode() + ": " + answer.body());
            }
            if (i >= 5)
            {
                latency.recordValue(t1 - t0);
            }
            final String body = answer.body();
            final int at = body.indexOf("\"clicks\":") + 9;
            clicks = Long.parseLong(body.substring(at, body.indexOf(',', at)));
        }
        System.out.printf("BENCH analytics link_events=%d human_clicks=%d queries=%d p50_ms=%.1f p90_ms=%.1f p99_ms=%.1f max_ms=%.1f%n",
            sent, clicks, queries, latency.getValueAtPercentile(50) / 1e6, latency.getValueAtPercentile(90) / 1e6,
            latency.getValueAtPercentile(99) / 1e6, latency.getMaxValue() / 1e6);
    }

    /** @return the link's clicks, human and bot, as the analytics API answers now. */
    private static long countedClicks(final HttpClient http, final String api, final String key, final String code) throws Exception
    {
        final HttpResponse<String> answer = http.send(HttpRequest.newBuilder(
                URI.create(api + "/api/v1/links/" + code + "/analytics?granularity=day"))
            .header("Authorization", "Bearer " + key).build(), HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() != 200)
        {
            throw new IllegalStateException("analytics answered " + answer.statusCode() + ": " + answer.body());
        }
        final com.fasterxml.jackson.databind.JsonNode report = JSON.readTree(answer.body());
        return report.get("clicks").asLong() + report.get("botClicks").asLong();
    }

    private static byte[] file(final SplittableRandom random, final String edge, final String code, final long fromMs, final long toMs,
        final int rows)
        throws Exception
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(rows * 60);
        try (LZ4FrameOutputStream lz4 = new LZ4FrameOutputStream(out, LZ4FrameOutputStream.BLOCKSIZE.SIZE_64KB,
            LZ4FrameOutputStream.FLG.Bits.BLOCK_INDEPENDENCE, LZ4FrameOutputStream.FLG.Bits.CONTENT_CHECKSUM))
        {
            lz4.write(ClickFileFormat.HEADER.getBytes(StandardCharsets.US_ASCII));
            final StringBuilder row = new StringBuilder(512);
            for (int i = 0; i < rows; i++)
            {
                row.setLength(0);
                row.append(fromMs + random.nextLong(toMs - fromMs)).append('\t').append(edge).append("\tlocalhost\t").append(code)
                    .append("\t302\tGET\t").append(String.format("%016x", random.nextInt(100_000) * 0x9E3779B97F4A7C15L)).append('\t')
                    .append(COUNTRIES[random.nextInt(COUNTRIES.length)]).append('\t')
                    .append(AGENTS[random.nextInt(AGENTS.length)]).append('\t')
                    .append(REFERRERS[random.nextInt(REFERRERS.length)]).append("\t\n"); // no destination: the link's url
                lz4.write(row.toString().getBytes(StandardCharsets.UTF_8));
            }
        }
        return out.toByteArray();
    }
}
