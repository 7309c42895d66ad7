package io.bounce.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.bounce.control.ControlPlaneNode;
import io.bounce.edge.EdgeNode;
import io.bounce.runtime.testing.TestMmdb;
import org.agrona.concurrent.SystemEpochClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Links that answer each visitor differently, end to end: rules made through the API, carried by the change log in the
 * record's rules section, and decided by two real edges, one locating visitors with a GeoIP database and one with the
 * load balancer's country header.
 */
class LinkRulesSystemTest
{
    private static final long WAIT_MS = 30_000;
    private static final String IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1";
    private static final String ANDROID = "Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36";
    private static final String DESKTOP = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
    private static final String MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7) AppleWebKit/605.1.15 Version/18.1 Safari/605.1.15";
    private static final String SLACK = "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)";

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @Test
    void everyConditionInOrderThenTheFallbackOnBothEdgesAndEditsReachBoth() throws Exception
    {
        final Path database = new TestMmdb().network("127.0.0.0/8", Map.of("country_code", "NZ"))
            .network("198.51.100.0/24", Map.of("country", Map.of("iso_code", "DE"))).write(dir.resolve("country.mmdb"));
        try (ControlPlaneNode cp = Stack.controlPlane(dir.resolve("cp"));
            EdgeNode geo = Stack.edge(dir.resolve("a"), Stack.base(cp), cp.replicationToken(), SystemEpochClock.INSTANCE,
                "--geoip-db", database.toString(), "--trusted-proxies", "127.0.0.1/32");
            EdgeNode header = Stack.edge(dir.resolve("b"), Stack.base(cp), cp.replicationToken(), SystemEpochClock.INSTANCE,
                "--country-header", "CF-IPCountry"))
        {
            final JsonNode created = Stack.api(cp, "POST", "/api/v1/links", """
                {"url": "https://example.com/home?lang=x#top", "alias": "rules", "forwardQuery": true,
                 "targets": [
                   {"if": {"os": "ios"}, "url": "https://apps.apple.com/app/id1"},
                   {"if": {"device": ["mobile", "tablet"]}, "url": "https://m.example.com/"},
                   {"if": {"country": ["nz"], "os": ["macos"]}, "url": "https://example.co.nz/"},
                   {"if": {"country": "DE", "os": "macos"}, "url": "https://mac.example.de/"},
                   {"if": {"language": ["de", "pt-BR"]}, "url": "https://example.de/"},
                   {"if": {"query": {"name": "ref", "value": "mail"}}, "url": "https://example.com/newsletter"}],
                 "utm": {"source": "news", "campaign": "winter sale"}}""");
            assertEquals("ios", created.at("/targets/0/if/os/0").asText(), "the API shows the rules back, canonical");
            assertEquals("NZ", created.at("/targets/2/if/country/0").asText());
            awaitBoth(geo, header, "rules", "https://example.com/home?lang=x&utm_source=news&utm_campaign=winter+sale#top");

            for (final EdgeNode edge : List.of(geo, header))
            {
                assertEquals("302 https://apps.apple.com/app/id1?utm_source=news&utm_campaign=winter+sale", get(edge, "rules", IPHONE, null, null),
                    "the first target that holds: an iPhone is also mobile, and ios comes first");
                assertEquals("302 https://m.example.com/?utm_source=news&utm_campaign=winter+sale", get(edge, "rules", ANDROID, null, null));
                assertEquals("302 https://example.de/?utm_source=news&utm_campaign=winter+sale",
                    get(edge, "rules", DESKTOP, "fr;q=0.4, de-CH;q=0.9, en;q=0.8", null), "the preferred language, by quality");
                assertEquals("302 https://example.com/newsletter?utm_source=news&utm_campaign=winter+sale&ref=mail",
                    get(edge, "rules?ref=mail", DESKTOP, null, null), "the query target; the query is forwarded too");
                assertEquals("302 https://example.com/home?lang=x&utm_source=news&utm_campaign=winter+sale&a=1#top",
                    get(edge, "rules?a=1&utm_source=spoofed", DESKTOP, null, null), "nothing holds: the link's url; the visitor's utm_* dropped");
            }
            // Country: from the database on edge a (127.0.0.1 is NZ there), from the header on edge b.
            assertEquals("302 https://example.co.nz/?utm_source=news&utm_campaign=winter+sale", get(geo, "rules", MAC, null, null));
            final HttpResponse<Void> forwarded = http.send(HttpRequest.newBuilder(URI.create(url(geo, "rules"))).header("User-Agent", MAC)
                .header("X-Forwarded-For", "198.51.100.23").build(), HttpResponse.BodyHandlers.discarding());
            assertEquals("https://mac.example.de/?utm_source=news&utm_campaign=winter+sale", forwarded.headers().firstValue("Location").orElse(""),
                "through the trusted proxy, the client it names is in DE");
            assertEquals("302 https://example.com/home?lang=x&utm_source=news&utm_campaign=winter+sale#top", get(header, "rules", MAC, null, null),
                "edge b has no database and this request no header");
            assertEquals("302 https://example.co.nz/?utm_source=news&utm_campaign=winter+sale", get(header, "rules", MAC, null, "NZ"));
            assertEquals("302 https://example.com/home?lang=x&utm_source=news&utm_campaign=winter+sale#top", get(header, "rules", MAC, null, "AU"));

            // An edit inside the window: the targets replaced, the UTM removed; both edges follow.
            Stack.api(cp, "PATCH", "/api/v1/links/rules", """
                {"targets": [{"if": {"device": "desktop"}, "url": "https://desk.example.com/"}], "utm": null}""");
            awaitBoth(geo, header, "rules", "https://desk.example.com/");
            assertEquals("302 https://m.example.com/".replace("m.example.com/", "example.com/home?lang=x#top"),
                get(geo, "rules", IPHONE, null, null), "the old targets are gone");

            // Removing every rule makes it a plain link again.
            Stack.api(cp, "PATCH", "/api/v1/links/rules", "{\"targets\": null}");
            awaitBoth(geo, header, "rules", "https://example.com/home?lang=x#top");
            assertFalse(Stack.api(cp, "GET", "/api/v1/links/rules", null).has("targets"));
        }
    }

    @Test
    void variantsPreviewsAndTheExpiredFallback() throws Exception
    {
        try (ControlPlaneNode cp = Stack.controlPlane(dir.resolve("cp"));
            EdgeNode a = Stack.edge(dir.resolve("a"), Stack.base(cp), cp.replicationToken(), SystemEpochClock.INSTANCE,
                "--click-rotate-ms", "100");
            EdgeNode b = Stack.edge(dir.resolve("b"), Stack.base(cp), cp.replicationToken(), SystemEpochClock.INSTANCE,
                "--click-rotate-ms", "100"))
        {
            Stack.api(cp, "POST", "/api/v1/links", """
                {"url": "https://example.com/test", "alias": "split",
                 "variants": [{"url": "https://a.example.com/", "weight": 50}, {"url": "https://b.example.com/", "weight": 50}],
                 "expiredUrl": "https://example.com/over",
                 "og": {"title": "</title><script>alert('x')</script>", "description": "Tom & \\"Jerry\\" <b>",
                        "image": "https://cdn.example.com/card.png?a=1&b=2"}}""");
            Stack.await("both edges have the link", WAIT_MS, () -> a.replica().get("localhost", "split") != null &&
                b.replica().get("localhost", "split") != null);
            final String first = get(a, "split", DESKTOP, null, null);
            assertTrue(first.equals("302 https://a.example.com/") || first.equals("302 https://b.example.com/"), first);
            for (int i = 0; i < 5; i++)
            {
                assertEquals(first, get(a, "split", DESKTOP, null, null), "the same visitor, the same variant");
                assertEquals(first, get(b, "split", DESKTOP, null, null), "on every edge");
            }
            // Analytics count each click under the variant it went to, with that variant's URL: the A/B test's result.
            final String variant = first.contains("a.example.com") ? "variant-1 https://a.example.com/" : "variant-2 https://b.example.com/";
            Stack.await("11 clicks under " + variant, WAIT_MS, () -> destinations(cp, "split").equals(List.of(variant + " 11")));

            // A link-preview crawler gets the preview page, every field escaped; a browser still gets the redirect.
            final HttpResponse<String> preview = http.send(HttpRequest.newBuilder(URI.create(url(a, "split"))).header("User-Agent", SLACK).build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(200, preview.statusCode());
            assertEquals("text/html; charset=utf-8", preview.headers().firstValue("Content-Type").orElse(""));
            final String page = preview.body();
            assertTrue(page.contains("<meta property=\"og:title\" content=\"&lt;/title&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;\">"), page);
            assertTrue(page.contains("<meta property=\"og:description\" content=\"Tom &amp; &quot;Jerry&quot; &lt;b&gt;\">"), page);
            assertTrue(page.contains("<meta property=\"og:image\" content=\"https://cdn.example.com/card.png?a=1&amp;b=2\">"), page);
            assertFalse(page.contains("<script>"), page);
            assertEquals(page.getBytes(java.nio.charset.StandardCharsets.UTF_8).length,
                Integer.parseInt(preview.headers().firstValue("Content-Length").orElse("-1")));
            assertEquals(1, Stack.sample(Stack.metrics(a), "bounce_edge_previews_total"));

            // Deleted: both edges send visitors to the expired URL instead of answering 410.
            Stack.api(cp, "DELETE", "/api/v1/links/split", null);
            Stack.await("both edges follow the delete", WAIT_MS, () ->
                "302 https://example.com/over".equals(quiet(a, "split")) && "302 https://example.com/over".equals(quiet(b, "split")));

            // Expired: the same, once its time has passed.
            Stack.api(cp, "POST", "/api/v1/links", "{\"url\": \"https://example.com/short-lived\", \"alias\": \"soon\"," +
                " \"expiresAt\": \"" + java.time.Instant.now().plusSeconds(2) + "\", \"expiredUrl\": \"https://example.com/late\"}");
            Stack.await("the edge serves it", WAIT_MS, () -> "302 https://example.com/short-lived".equals(quiet(a, "soon")));
            Stack.await("then the fallback", WAIT_MS, () -> "302 https://example.com/late".equals(quiet(a, "soon")));
        }
    }

    @Test
    void aClickLimitReachedAcrossTwoEdgesSendsVisitorsToTheExpiredUrl() throws Exception
    {
        try (ControlPlaneNode cp = Stack.controlPlane(dir.resolve("cp"), "--click-limit-check-ms", "100");
            EdgeNode a = Stack.edge(dir.resolve("a"), Stack.base(cp), cp.replicationToken(), SystemEpochClock.INSTANCE,
                "--click-rotate-ms", "100");
            EdgeNode b = Stack.edge(dir.resolve("b"), Stack.base(cp), cp.replicationToken(), SystemEpochClock.INSTANCE,
                "--click-rotate-ms", "100"))
        {
            final JsonNode created = Stack.api(cp, "POST", "/api/v1/links",
                "{\"url\": \"https://example.com/offer\", \"alias\": \"offer\", \"maxClicks\": 10, \"expiredUrl\": \"https://example.com/sold-out\"}");
            assertEquals(10, created.get("maxClicks").asInt());
            assertFalse(created.get("limitReached").asBoolean());
            Stack.await("both edges have the link", WAIT_MS, () -> a.replica().get("localhost", "offer") != null &&
                b.replica().get("localhost", "offer") != null);
            for (int i = 0; i < 6; i++)
            {
                assertEquals("302 https://example.com/offer", get(a, "offer", DESKTOP, null, null));
                assertEquals("302 https://example.com/offer", get(b, "offer", DESKTOP, null, null));
            }
            // Twelve clicks, six on each edge, against a limit of ten: the aggregator counts them, the leader sees the limit
            // reached, and the change sends every edge's visitors to the expired URL.
            // (Watched through the replicas, not by requests, which would be clicks too.)
            Stack.await("both edges have the link limited", WAIT_MS, () -> limited(a) && limited(b));
            assertEquals("302 https://example.com/sold-out", get(a, "offer", DESKTOP, null, null));
            assertEquals("302 https://example.com/sold-out", get(b, "offer", DESKTOP, null, null));
            final JsonNode limited = Stack.api(cp, "GET", "/api/v1/links/offer", null);
            assertTrue(limited.get("limitReached").asBoolean(), limited.toString());
            assertTrue(limited.has("limitReachedAt"));
            Stack.await("the clicks and the two sent to the expired URL counted", WAIT_MS, () ->
                destinations(cp, "offer").equals(List.of("url https://example.com/offer 12", "expired https://example.com/sold-out 2")));
            assertEquals(1, Stack.sample(Stack.metrics(cp), "bounce_click_limits_reached_total"));

            // A higher limit serves it again, on both edges: the two clicks sent to the expired URL do not count towards it.
            Stack.api(cp, "PATCH", "/api/v1/links/offer", "{\"maxClicks\": 13}");
            Stack.await("both edges serve it again", WAIT_MS, () -> !limited(a) && !limited(b));
            Thread.sleep(1_000); // ten checks: 12 clicks stay under 13
            assertFalse(Stack.api(cp, "GET", "/api/v1/links/offer", null).get("limitReached").asBoolean());
            assertEquals("302 https://example.com/offer", get(a, "offer", DESKTOP, null, null));
            Stack.await("the 13th click reaches the new limit on both edges", WAIT_MS, () -> limited(a) && limited(b));
        }
    }

    @Test
    void rulesAreCheckedLikeDestinations() throws Exception
    {
        java.nio.file.Files.writeString(dir.resolve("blocklist.txt"), "evil.example\n");
        try (ControlPlaneNode cp = Stack.controlPlane(dir.resolve("cp"), "--blocklist", dir.resolve("blocklist.txt").toString()))
        {
            final String key = Stack.adminKey(cp);
            final String links = Stack.base(cp) + "/api/v1/links";
            final HttpResponse<String> blocked = Stack.call("POST", links, key,
                "{\"url\": \"https://example.com/\", \"targets\": [{\"if\": {\"os\": \"ios\"}, \"url\": \"https://evil.example/x\"}]}");
            assertEquals(400, blocked.statusCode(), blocked.body());
            assertTrue(blocked.body().contains("\"field\":\"targets[0].url\""), blocked.body());
            assertTrue(blocked.body().contains("url-blocklisted"), blocked.body());
            assertEquals("application/problem+json", blocked.headers().firstValue("Content-Type").orElse(""));

            for (final String bad : List.of(
                "{\"targets\": [{\"if\": {\"device\": \"phone\"}, \"url\": \"https://example.com/a\"}]}",
                "{\"targets\": [{\"if\": {}, \"url\": \"https://example.com/a\"}]}",
                "{\"targets\": [{\"if\": {\"country\": \"USA\"}, \"url\": \"https://example.com/a\"}]}",
                "{\"variants\": [{\"url\": \"https://example.com/a\", \"weight\": 0}, {\"url\": \"https://example.com/b\"}]}",
                "{\"variants\": [{\"url\": \"https://example.com/a\"}]}",
                "{\"expiredUrl\": \"javascript:alert(1)\"}",
                "{\"og\": {\"image\": \"data:text/html,x\"}}",
                "{\"utm\": {\"source\": \"\"}}",
                "{\"utm\": {\"id\": \"x\"}}"))
            {
                final HttpResponse<String> refused = Stack.call("POST", links, key, bad.replaceFirst("\\{", "{\"url\": \"https://example.com/\", "));
                assertEquals(400, refused.statusCode(), bad + " -> " + refused.body());
            }
            assertEquals(0, Stack.api(cp, "GET", "/api/v1/links", null).get("items").size(), "nothing was created");
        }
    }

    private static boolean limited(final EdgeNode edge)
    {
        final io.bounce.replication.link.LinkRecord record = edge.replica().get("localhost", "offer");
        return record != null && record.hasFlag(io.bounce.replication.link.LinkRecord.FLAG_LIMITED);
    }

    /** The link's clicks by destination, as "name url clicks". */
    private static List<String> destinations(final ControlPlaneNode cp, final String code)
    {
        try
        {
            final List<String> out = new java.util.ArrayList<>();
            Stack.api(cp, "GET", "/api/v1/links/" + code + "/analytics?granularity=hour", null).get("destinations")
                .forEach(d -> out.add(d.get("name").asText() + " " + d.path("url").asText() + " " + d.get("clicks").asLong()));
            return out;
        }
        catch (final Exception ex)
        {
            return List.of(ex.toString());
        }
    }

    private void awaitBoth(final EdgeNode a, final EdgeNode b, final String code, final String location) throws InterruptedException
    {
        Stack.await("both edges send desktops to " + location, WAIT_MS, () ->
            ("302 " + location).equals(quiet(a, code)) && ("302 " + location).equals(quiet(b, code)));
    }

    private String quiet(final EdgeNode edge, final String code)
    {
        try
        {
            return get(edge, code, DESKTOP, null, null);
        }
        catch (final Exception ex)
        {
            return ex.toString();
        }
    }

    private static String url(final EdgeNode edge, final String path)
    {
        return "http://127.0.0.1:" + edge.address().getPort() + "/" + path;
    }

    private String get(final EdgeNode edge, final String path, final String userAgent, final String acceptLanguage, final String country)
        throws Exception
    {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url(edge, path))).header("User-Agent", userAgent);
        if (acceptLanguage != null)
        {
            request.header("Accept-Language", acceptLanguage);
        }
        if (country != null)
        {
            request.header("CF-IPCountry", country);
        }
        final HttpResponse<Void> response = http.send(request.build(), HttpResponse.BodyHandlers.discarding());
        return response.statusCode() + " " + response.headers().firstValue("Location").orElse("");
    }
}
