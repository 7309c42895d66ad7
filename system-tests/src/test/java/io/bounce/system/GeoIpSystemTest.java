package io.bounce.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.bounce.control.ControlPlaneNode;
import io.bounce.edge.EdgeNode;
import io.bounce.edge.geo.GeoIp;
import io.bounce.ops.geoip.GeoIpUpdate;
import io.bounce.runtime.testing.TestMmdb;
import org.agrona.concurrent.SystemEpochClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Countries in click analytics from an MMDB database at the edge ({@code --geoip-db}): the client's address (the socket's,
 * or what a trusted proxy names) is looked up, and the load balancer's country header is only the fallback. Also
 * {@code bounce geoip update} against the real npm registry, and a lookup in the database it fetched.
 */
class GeoIpSystemTest
{
    private static final long WAIT_MS = 30_000;

    @TempDir
    Path dir;

    @Test
    void clicksAreCountedInTheCountryOfTheClientsAddressWithTheHeaderAsFallback() throws Exception
    {
        final Path database = new TestMmdb()
            .network("127.0.0.0/8", Map.of("country_code", "NZ"))
            .network("198.51.100.0/24", Map.of("country", Map.of("iso_code", "DE")))
            .write(dir.resolve("country.mmdb"));
        try (ControlPlaneNode cp = Stack.controlPlane(dir.resolve("cp"));
            EdgeNode edge = Stack.edge(dir.resolve("edge"), Stack.base(cp), cp.replicationToken(), SystemEpochClock.INSTANCE,
                "--geoip-db", database.toString(), "--trusted-proxies", "127.0.0.1/32", "--country-header", "CF-IPCountry",
                "--click-rotate-ms", "100"))
        {
            Stack.api(cp, "POST", "/api/v1/links", "{\"url\":\"https://example.com/geo\",\"alias\":\"geo\"}");
            Stack.await("the edge has the link", WAIT_MS, () -> edge.replica().get("localhost", "geo") != null);
            final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
            final String url = "http://127.0.0.1:" + edge.address().getPort() + "/geo";
            final String browser = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
            for (int i = 0; i < 3; i++)
            {
                // From the socket, 127.0.0.1: NZ in the database, whatever the header says.
                send(http, HttpRequest.newBuilder(URI.create(url)).header("User-Agent", browser).header("CF-IPCountry", "JP"));
            }
            for (int i = 0; i < 2; i++)
            {
                // Through the trusted proxy, for 198.51.100.23: DE.
                send(http, HttpRequest.newBuilder(URI.create(url)).header("User-Agent", browser).header("X-Forwarded-For", "198.51.100.23"));
            }
            // For an address the database does not hold: the header's country.
            send(http, HttpRequest.newBuilder(URI.create(url)).header("User-Agent", browser).header("X-Forwarded-For", "192.0.2.9")
                .header("CF-IPCountry", "jp"));
            Stack.await("six clicks counted", WAIT_MS, () -> clicks(cp) == 6);
            final Map<String, Long> countries = new HashMap<>();
            Stack.api(cp, "GET", "/api/v1/links/geo/analytics?granularity=hour", null).get("countries")
                .forEach(c -> countries.put(c.get("name").asText(), c.get("clicks").asLong()));
            assertEquals(Map.of("NZ", 3L, "DE", 2L, "JP", 1L), countries);
            assertEquals(6, Stack.sample(Stack.metrics(edge), "bounce_geoip_lookups_total"));
            assertEquals(5, Stack.sample(Stack.metrics(edge), "bounce_geoip_found_total"));
        }
    }

    @Test
    void geoipUpdateFetchesTheCc0DatabaseFromTheNpmRegistryAndItLocatesAddresses() throws Exception
    {
        final Path out = dir.resolve("geoip").resolve("country.mmdb");
        final ByteArrayOutputStream said = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int exit = GeoIpUpdate.run(new String[] {"--out", out.toString()}, Map.of(), new PrintStream(said, true),
            new PrintStream(err, true));
        assertEquals(0, exit, err.toString(StandardCharsets.UTF_8));
        try (GeoIp geoIp = GeoIp.open(out))
        {
            // Two addresses whose registration will not move: Google's resolver (US) and the Deutsche Telekom range (DE).
            assertEquals("US", geoIp.country(InetAddress.getByName("8.8.8.8").getAddress(), 4, 0));
            assertEquals("DE", geoIp.country(InetAddress.getByName("80.156.0.1").getAddress(), 4, 0));
            assertEquals("US", geoIp.country(InetAddress.getByName("2001:4860:4860::8888").getAddress(), 16, 0), "IPv6 too");

            // The event loops' lookup walks the file's search tree itself: the same answers, for addresses across the space.
            final GeoIp.Cache cache = new GeoIp.Cache();
            final java.util.Random random = new java.util.Random(5);
            int located = 0;
            for (int i = 0; i < 2_000; i++)
            {
                final byte[] address = new byte[i % 4 == 0 ? 16 : 4];
                random.nextBytes(address);
                if (address.length == 16)
                {
                    address[0] = 0x2a; // 2a00::/8, allocated and routed
                }
                final String country = geoIp.country(address, address.length, 0);
                final int code = geoIp.countryCode(address, address.length, 0, cache);
                assertEquals(country == null ? 0 : country.charAt(0) << 8 | country.charAt(1), code, InetAddress.getByAddress(address).toString());
                located += code == 0 ? 0 : 1;
            }
            assertTrue(located > 1_000, "most addresses are somewhere: " + located);
        }
    }

    private static long clicks(final ControlPlaneNode cp)
    {
        try
        {
            final JsonNode report = Stack.api(cp, "GET", "/api/v1/links/geo/analytics?granularity=hour", null);
            return report.get("clicks").asLong() + report.get("botClicks").asLong();
        }
        catch (final Exception ex)
        {
            return -1;
        }
    }

    private static void send(final HttpClient http, final HttpRequest.Builder request) throws Exception
    {
        assertEquals(302, http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode());
    }
}
