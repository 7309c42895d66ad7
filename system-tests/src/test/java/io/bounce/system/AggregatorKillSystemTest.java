package io.bounce.system;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.databind.JsonNode;
import io.bounce.control.ControlPlaneMain;
import io.bounce.edge.EdgeNode;
import org.agrona.concurrent.SystemEpochClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The control plane (and its aggregator) in a child JVM, SIGKILLed while click files stream in. */
class AggregatorKillSystemTest
{
    private static final long WAIT_MS = 60_000;

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .followRedirects(HttpClient.Redirect.NEVER).build();

    @Test
    void clicksAreCountedExactlyOnceAcrossAnAggregatorKilledMidIngest() throws Exception
    {
        final int[] ports = Stack.freePorts(2);
        final int port = ports[0];
        final int adminPort = ports[1];
        final Path cpDir = dir.resolve("cp");
        final String api = "http://127.0.0.1:" + port;
        Process cp = startControlPlane(cpDir, port, adminPort);
        try
        {
            Stack.awaitReady("control plane", adminPort, cp, WAIT_MS);
            final String key = Files.readString(cpDir.resolve("admin.key")).trim();
            final String token = Files.readString(cpDir.resolve("replication.token")).trim();
            final JsonNode link = Stack.JSON.readTree(Stack.call("POST", api + "/api/v1/links", key,
                "{\"url\":\"https://example.com/kill\"}").body());
            final String code = link.get("code").asText();
            try (EdgeNode edge = Stack.edge(dir.resolve("e"), api, token, SystemEpochClock.INSTANCE,
                "--edge-id", "k1", "--click-rotate-ms", "20", "--replication-backoff-max-ms", "200"))
            {
                Stack.await("link at the edge", WAIT_MS, () -> edge.replica().get("localhost", code) != null);
                final AtomicBoolean loading = new AtomicBoolean(true);
                final long[] redirects = {0};
                final Thread load = new Thread(() ->
                {
                    while (loading.get())
                    {
                        try
                        {
                            if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.address().getPort() + "/" + code))
                                .header("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0").build(),
                                HttpResponse.BodyHandlers.discarding()).statusCode() == 302)
                            {
                                redirects[0]++;
                            }
                        }
                        catch (final Exception ex)
                        {
                            return;
                        }
                    }
                });
                load.start();
                // Let a stream of small files flow, then kill the aggregator while it ingests them.
                Stack.await("files flowing", WAIT_MS, () -> shipped(edge) >= 20);
                cp.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                final long shippedBeforeKill = shipped(edge);
                final long failuresBeforeKill = Stack.sample(metricsOrEmpty(edge), "bounce_clicks_ship_failures_total");
                Stack.await("files piling up at the edge while the aggregator is down", WAIT_MS, () ->
                    Stack.sample(metricsOrEmpty(edge), "bounce_clicks_ship_failures_total") > failuresBeforeKill);
                cp = startControlPlane(cpDir, port, adminPort);
                Stack.awaitReady("control plane", adminPort, cp, WAIT_MS);
                Stack.await("files flowing again", WAIT_MS, () -> shipped(edge) > shippedBeforeKill + 10);
                loading.set(false);
                load.join(10_000);
                final long recorded = Stack.sample(Stack.metrics(edge), "bounce_clicks_recorded_total");
                Stack.await("the backlog shipped", WAIT_MS, () ->
                    Stack.sample(metricsOrEmpty(edge), "bounce_clicks_written_total") == recorded &&
                    Stack.sample(metricsOrEmpty(edge), "bounce_clicks_files_pending") == 0 &&
                    Stack.sample(metricsOrEmpty(edge), "bounce_clicks_bytes_pending") == 0);
                // Shipped means durable at the aggregator; it counts in the background.
                Stack.await("every accepted file counted", WAIT_MS, () ->
                    Stack.sample(controlPlaneMetrics(adminPort), "bounce_aggregator_pending_files") == 0);
                final JsonNode report = Stack.JSON.readTree(Stack.call("GET", api + "/api/v1/links/" + code + "/analytics", key, null).body());
                assertEquals(recorded, report.get("clicks").asLong(), "every recorded click counted once, across the kill");
                assertTrue(recorded >= redirects[0]);
            }
        }
        finally
        {
            cp.destroyForcibly();
        }
    }

    private static long shipped(final EdgeNode edge)
    {
        return Stack.sample(metricsOrEmpty(edge), "bounce_clicks_files_shipped_total");
    }

    private static String controlPlaneMetrics(final int adminPort)
    {
        try
        {
            return Stack.call("GET", "http://127.0.0.1:" + adminPort + "/metrics", null, null).body();
        }
        catch (final Exception ex)
        {
            return "";
        }
    }

    private static String metricsOrEmpty(final EdgeNode edge)
    {
        try
        {
            return Stack.metrics(edge);
        }
        catch (final Exception ex)
        {
            return "";
        }
    }

    private static Process startControlPlane(final Path dataDir, final int port, final int adminPort) throws Exception
    {
        return Stack.childJvm(ControlPlaneMain.class, dataDir.resolveSibling("cp.log"),
            "--data-dir", dataDir.toString(), "--port", Integer.toString(port), "--admin-port", Integer.toString(adminPort));
    }
}
