package io.bounce.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import io.bounce.aggregator.AggregatorConfig;
import io.bounce.aggregator.AggregatorMain;
import io.bounce.control.ControlPlaneNode;
import io.bounce.edge.EdgeNode;
import org.agrona.concurrent.SystemEpochClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The aggregator as a process of its own ({@code bounce aggregator}): an edge ships its click files to
 * it, and the control plane answers the analytics API by asking it. The control plane's own API port
 * then takes no click files, and losing the aggregator costs analytics (503), never a redirect.
 */
class StandaloneAggregatorSystemTest
{
    private static final long WAIT_MS = 60_000;
    private static final String BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";

    @TempDir
    Path dir;

    @Test
    void anEdgeShipsToAStandaloneAggregatorAndTheControlPlaneAnswersAnalyticsThroughIt() throws Exception
    {
        final int[] ports = Stack.freePorts(2);
        final Path aggregatorDir = dir.resolve("aggregator");
        final Process aggregator = Stack.childJvm(AggregatorMain.class, dir.resolve("aggregator.log"),
            "--data-dir", aggregatorDir.toString(), "--port", Integer.toString(ports[0]), "--admin-port", Integer.toString(ports[1]));
        try
        {
            Stack.awaitReady("aggregator", ports[1], aggregator, WAIT_MS);
            final String aggregatorUrl = "http://127.0.0.1:" + ports[0];
            final String clickToken = Files.readString(aggregatorDir.resolve(AggregatorConfig.CLICK_TOKEN_FILE)).trim();
            try (ControlPlaneNode cp = Stack.controlPlane(dir.resolve("cp"), "--click-limit-check-ms", "100", "--aggregator", aggregatorUrl,
                "--aggregator-token-file", aggregatorDir.resolve(AggregatorConfig.ANALYTICS_TOKEN_FILE).toString());
                EdgeNode edge = Stack.edge(dir.resolve("edge"), Stack.base(cp), cp.replicationToken(), SystemEpochClock.INSTANCE,
                    "--aggregator", aggregatorUrl, "--click-token", clickToken, "--click-rotate-ms", "50"))
            {
                assertNull(cp.clicks(), "no aggregator inside the control plane");
                Stack.api(cp, "POST", "/api/v1/links", "{\"url\":\"https://example.com/standalone\",\"alias\":\"standalone\"}");
                Stack.await("the edge has the link", WAIT_MS, () -> edge.replica().get("localhost", "standalone") != null);
                for (int i = 0; i < 3; i++)
                {
                    assertEquals(302, browse(edge));
                }

                Stack.await("three clicks in the analytics the control plane answers", WAIT_MS, () -> clicks(cp) == 3);
                final JsonNode report = Stack.api(cp, "GET", "/api/v1/links/standalone/analytics?granularity=hour", null);
                assertEquals(1, report.get("uniqueVisitors").asLong(), "one visitor, three clicks");
                assertEquals("Firefox", report.get("browsers").get(0).get("name").asText());
                assertEquals("hour", report.get("granularity").asText());

                // Click limits read the stand-alone aggregator's counts over HTTP too: a limit of 3 is reached at once.
                final String analyticsToken = Files.readString(aggregatorDir.resolve(AggregatorConfig.ANALYTICS_TOKEN_FILE)).trim();
                final HttpResponse<String> counts = Stack.call("GET", aggregatorUrl + "/analytics/v1/clicks?link=localhost/standalone" +
                    "&link=localhost/none", analyticsToken, null);
                assertEquals("{\"localhost/standalone\":3}", counts.body());
                Stack.api(cp, "PATCH", "/api/v1/links/standalone", "{\"maxClicks\": 3}");
                Stack.await("the edge has the link limited", WAIT_MS, () ->
                    edge.replica().get("localhost", "standalone").hasFlag(io.bounce.replication.link.LinkRecord.FLAG_LIMITED));
                assertEquals(410, browse(edge));
                Stack.api(cp, "PATCH", "/api/v1/links/standalone", "{\"maxClicks\": null}");
                Stack.await("the limit removed at the edge", WAIT_MS, () ->
                    !edge.replica().get("localhost", "standalone").hasFlag(io.bounce.replication.link.LinkRecord.FLAG_LIMITED));

                final HttpResponse<String> ingestHere = Stack.call("PUT", Stack.base(cp) + "/ingest/v1/clicks/e1/1",
                    cp.replicationToken(), "x");
                assertEquals(404, ingestHere.statusCode(), "the control plane takes no click files: " + ingestHere.body());

                final HttpResponse<String> refused = Stack.call("GET", aggregatorUrl + "/analytics/v1/report?domain=localhost" +
                    "&code=standalone&from=0&to=1", clickToken, null);
                assertEquals(401, refused.statusCode(), "the click token does not read analytics");

                aggregator.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                final HttpResponse<String> down = Stack.call("GET", Stack.base(cp) + "/api/v1/links/standalone/analytics",
                    Stack.adminKey(cp), null);
                assertEquals(503, down.statusCode(), down.body());
                assertTrue(down.headers().firstValue("Retry-After").isPresent());
                assertEquals("aggregator-unavailable", Stack.JSON.readTree(down.body()).get("rule").asText());
                assertEquals(302, browse(edge), "redirects never depend on the aggregator");
            }
        }
        finally
        {
            aggregator.destroyForcibly();
        }
    }

    @Test
    void aggregatorRoleAnswersHelpAndRefusesABadOption() throws Exception
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(0, run(out, err, "--help"));
        final String help = out.toString(StandardCharsets.UTF_8);
        assertTrue(help.contains("--analytics-token") && help.contains("--max-click-file-bytes"), help);
        assertEquals(2, run(out, err, "--port", "70000"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--port must be between 0 and 65535"), err.toString(StandardCharsets.UTF_8));
    }

    private static int run(final ByteArrayOutputStream out, final ByteArrayOutputStream err, final String... args) throws Exception
    {
        return AggregatorMain.run(args, Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private static int browse(final EdgeNode edge) throws Exception
    {
        return Stack.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.address().getPort() + "/standalone"))
            .header("User-Agent", BROWSER).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static long clicks(final ControlPlaneNode cp)
    {
        try
        {
            return Stack.api(cp, "GET", "/api/v1/links/standalone/analytics", null).get("clicks").asLong();
        }
        catch (final Exception ex)
        {
            return -1;
        }
    }
}
