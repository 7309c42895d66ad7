package io.bounce.bench;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The dashboard's link page on a busy link: signs in, then asks for {@code /links/DOMAIN/CODE} {@code ROUNDS} times
 * (after {@code WARMUP}) and prints the percentiles of the server's own time for it ({@code Server-Timing: render},
 * which covers reading the link, the analytics query over every click and writing the page) and of the client's.
 * Then the bytes a browser moves for a first visit (the page, its stylesheets, scripts and QR code, gzip accepted)
 * and a repeat visit (the page again: the assets are immutable and the QR code private for a day, so a browser keeps
 * them), and of one refresh of its clicks ({@code report.json}), counted as status line + headers + body as received.
 *
 * The baseline, in the same run and interleaved with the page: the same report as JSON from the API
 * ({@code GET /api/v1/links/CODE/analytics}, the last 30 days by day, as the page asks), with an admin key.
 *
 * <p>Usage: {@code DashboardBench API_URL EMAIL PASSWORD_FILE KEY_FILE DOMAIN CODE [ROUNDS=200] [WARMUP=20]}
 */
public final class DashboardBench
{
    private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");
    private static final Pattern ASSETS = Pattern.compile("(?:href|src)=\"(/assets/[^\"]+|/links/[^\"]+/qr\\.svg)\"");

    private DashboardBench()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        if (args.length < 6)
        {
            System.err.println("usage: DashboardBench API_URL EMAIL PASSWORD_FILE KEY_FILE DOMAIN CODE [ROUNDS=200] [WARMUP=20]");
            System.exit(2);
        }
        final String api = args[0];
        final String password = java.nio.file.Files.readString(java.nio.file.Path.of(args[2])).strip();
        final String key = java.nio.file.Files.readString(java.nio.file.Path.of(args[3])).strip();
        final String page = "/links/" + args[4] + "/" + args[5];
        final int rounds = args.length > 6 ? Integer.parseInt(args[6]) : 200;
        final int warmup = args.length > 7 ? Integer.parseInt(args[7]) : 20;
        final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5)).build();

        final HttpResponse<String> form = http.send(HttpRequest.newBuilder(URI.create(api + "/sign-in")).build(),
            HttpResponse.BodyHandlers.ofString());
        final Matcher token = CSRF.matcher(form.body());
        if (!token.find())
        {
            throw new IllegalStateException("no sign-in form at " + api + "/sign-in");
        }
        final String signInCookie = form.headers().firstValue("Set-Cookie").orElseThrow().split(";", 2)[0];
        final HttpResponse<String> signedIn = http.send(HttpRequest.newBuilder(URI.create(api + "/sign-in")).header("Cookie", signInCookie)
            .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(
                "csrf=" + enc(token.group(1)) + "&email=" + enc(args[1]) + "&password=" + enc(password))).build(),
            HttpResponse.BodyHandlers.ofString());
        final String session = signedIn.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("bounce_session="))
            .findFirst().orElseThrow(() -> new IllegalStateException("sign-in failed: " + signedIn.statusCode())).split(";", 2)[0];

        final double[] server = new double[rounds];
        final double[] client = new double[rounds];
        final double[] baseline = new double[rounds];
        String html = null;
        for (int i = -warmup; i < rounds; i++)
        {
            final long start = System.nanoTime();
            final HttpResponse<String> answer = http.send(get(api + page, session), HttpResponse.BodyHandlers.ofString());
            final double clientMs = (System.nanoTime() - start) / 1e6;
            if (answer.statusCode() != 200)
            {
                throw new IllegalStateException(page + " answered " + answer.statusCode());
            }
            final long now = System.currentTimeMillis();
            final long apiStart = System.nanoTime();
            final HttpResponse<String> report = http.send(HttpRequest.newBuilder(URI.create(api + "/api/v1/links/" + args[5] + "/analytics?domain="
                + args[4] + "&granularity=day&from=" + java.time.Instant.ofEpochMilli(now - 30 * 86_400_000L) + "&to="
                + java.time.Instant.ofEpochMilli(now))).header("Authorization", "Bearer " + key).build(), HttpResponse.BodyHandlers.ofString());
            final double apiMs = (System.nanoTime() - apiStart) / 1e6;
            if (report.statusCode() != 200)
            {
                throw new IllegalStateException("the analytics API answered " + report.statusCode() + ": " + report.body());
            }
            if (i >= 0)
            {
                server[i] = Double.parseDouble(answer.headers().firstValue("Server-Timing").orElseThrow().replaceAll(".*dur=", ""));
                client[i] = clientMs;
                baseline[i] = apiMs;
            }
            html = answer.body();
        }
        final Matcher clicks = Pattern.compile("data-stat=\"clicks\">(\\d+)<").matcher(html);
        System.out.println("link page " + page + " with " + (clicks.find() ? clicks.group(1) : "?") + " clicks, " + rounds + " requests after "
            + warmup + " warm-up:");
        System.out.printf("server render ms: p50 %.1f  p90 %.1f  p99 %.1f  max %.1f%n", pct(server, 50), pct(server, 90), pct(server, 99),
            pct(server, 100));
        System.out.printf("client ms:        p50 %.1f  p90 %.1f  p99 %.1f  max %.1f%n", pct(client, 50), pct(client, 90), pct(client, 99),
            pct(client, 100));
        System.out.printf("baseline, the analytics API (client ms): p50 %.1f  p90 %.1f  p99 %.1f  max %.1f;  page/API p50 %.2fx  p99 %.2fx%n",
            pct(baseline, 50), pct(baseline, 90), pct(baseline, 99), pct(baseline, 100), pct(client, 50) / pct(baseline, 50),
            pct(client, 99) / pct(baseline, 99));

        // First visit: the page and everything it names; repeat: the page alone (the rest is in the browser's cache).
        final HttpResponse<byte[]> first = http.send(get(api + page, session), HttpResponse.BodyHandlers.ofByteArray());
        long firstBytes = wire(first);
        final List<String> parts = new ArrayList<>();
        final Matcher asset = ASSETS.matcher(new String(first.body(), StandardCharsets.UTF_8));
        while (asset.find())
        {
            final String path = asset.group(1).replace("&amp;", "&");
            if (parts.contains(path))
            {
                continue;
            }
            parts.add(path);
            final HttpResponse<byte[]> part = http.send(get(api + path, session), HttpResponse.BodyHandlers.ofByteArray());
            final String cache = part.headers().firstValue("Cache-Control").orElse("-");
            System.out.printf("  %-48s %7d bytes  %s  Cache-Control: %s%n", path, wire(part),
                part.headers().firstValue("Content-Encoding").orElse("identity"), cache);
            firstBytes += wire(part);
        }
        final long repeat = wire(http.send(get(api + page, session), HttpResponse.BodyHandlers.ofByteArray()));
        final long refresh = wire(http.send(get(api + page + "/report.json?granularity=day", session), HttpResponse.BodyHandlers.ofByteArray()));
        System.out.printf("first visit: %d bytes in %d requests; repeat visit: %d bytes in 1 request; each refresh: %d bytes%n", firstBytes,
            parts.size() + 1, repeat, refresh);
    }

    private static HttpRequest get(final String url, final String session)
    {
        return HttpRequest.newBuilder(URI.create(url)).header("Cookie", session).header("Accept-Encoding", "gzip")
            .timeout(Duration.ofSeconds(60)).build();
    }

    /** Bytes on the wire, near enough: the status line, each header line, the blank line, the body as sent. */
    private static long wire(final HttpResponse<?> response)
    {
        long bytes = "HTTP/1.1 200 OK\r\n".length() + 2;
        final HttpHeaders headers = response.headers();
        for (final Map.Entry<String, List<String>> header : headers.map().entrySet())
        {
            for (final String value : header.getValue())
            {
                bytes += header.getKey().length() + 2 + value.length() + 2;
            }
        }
        final Object body = response.body();
        return bytes + (body instanceof byte[] ? ((byte[])body).length : 0);
    }

    private static double pct(final double[] values, final double percentile)
    {
        final double[] sorted = values.clone();
        Arrays.sort(sorted);
        final int index = (int)Math.ceil(percentile / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    private static String enc(final String value)
    {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
