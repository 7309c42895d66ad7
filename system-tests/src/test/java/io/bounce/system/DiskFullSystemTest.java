package io.bounce.system;

import static io.bounce.system.Stack.await;
import static io.bounce.system.Stack.base;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import io.bounce.control.ControlPlaneNode;
import io.bounce.edge.EdgeNode;
import org.agrona.concurrent.SystemEpochClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Full disks at each end, for real: each test puts one directory on a small tmpfs, fills it, and shows
 * that nothing is lost or miscounted while it is full and that everything recovers by itself, with no
 * restart, once space returns. The recovery times are printed (they are figures, not assertions).
 */
class DiskFullSystemTest
{
    private static final long WAIT_MS = 60_000;
    private static final String BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .followRedirects(HttpClient.Redirect.NEVER).build();

    @Test
    void aStoreOnAFullDiskAnswers503StoreFullIsUnreadyAndRecoversByItself() throws Exception
    {
        final Path data = dir.resolve("cp");
        try (AutoCloseable disk = Stack.smallDisk(data, "64m");
            ControlPlaneNode cp = Stack.controlPlane(data))
        {
            assertEquals(201, create(cp, "{\"url\":\"https://example.com/before\"}").statusCode());
            final Path filler = Stack.fill(data);
            HttpResponse<String> answer = null;
            for (int i = 0; i < 200; i++)
            {
                answer = Stack.call("POST", base(cp) + "/api/v1/links/bulk", Stack.adminKey(cp), bulk(1000, i));
                if (answer.statusCode() != 200)
                {
                    break;
                }
            }
            assertEquals(503, answer.statusCode(), answer.body());
            assertEquals("store-full", Stack.JSON.readTree(answer.body()).get("rule").asText());
            assertTrue(answer.headers().firstValue("Retry-After").isPresent());
            assertEquals(503, ready(cp), "not ready while the store cannot write");
            assertEquals(1, Stack.sample(adminMetrics(cp), "bounce_store_full"));
            final HttpResponse<String> single = create(cp, "{\"url\":\"https://example.com/while-full\",\"alias\":\"while-full\"}");
            assertEquals(503, single.statusCode(), "a single write too, not a 500: " + single.body());
            assertEquals(200, Stack.call("GET", base(cp) + "/api/v1/links?limit=1", Stack.adminKey(cp), null).statusCode(),
                "reads carry on");

            final long freedAt = System.nanoTime();
            Files.delete(filler);
            await("ready again", WAIT_MS, () -> ready(cp) == 200);
            final long readyMs = (System.nanoTime() - freedAt) / 1_000_000;
            final HttpResponse<String> after = create(cp, "{\"url\":\"https://example.com/while-full\",\"alias\":\"while-full\"}");
            final long writeMs = (System.nanoTime() - freedAt) / 1_000_000;
            assertEquals(201, after.statusCode(), "the write that failed goes through when sent again: " + after.body());
            assertEquals(0, Stack.sample(adminMetrics(cp), "bounce_store_full"));
            System.out.println("FIGURE store: ready " + readyMs + " ms and first write " + writeMs + " ms after space returned");
        }
    }

    @Test
    void anAggregatorOnAFullDiskAnswers503AndEveryClickIsCountedOnceSpaceReturns() throws Exception
    {
        final Path ingest = dir.resolve("cp").resolve("click-ingest");
        try (AutoCloseable disk = Stack.smallDisk(ingest, "8m");
            ControlPlaneNode cp = Stack.controlPlane(dir.resolve("cp"));
            EdgeNode edge = Stack.edge(dir.resolve("e"), base(cp), cp.replicationToken(), SystemEpochClock.INSTANCE,
                "--edge-id", "f1", "--click-rotate-ms", "50", "--replication-backoff-max-ms", "200"))
        {
            final String code = createAndAwait(cp, edge, "https://example.com/aggregator-full");
            final Path filler = Stack.fill(ingest);
            final int served = browse(edge, code, 200);
            await("the aggregator refuses files it cannot keep", WAIT_MS,
                () -> Stack.sample(edgeMetrics(edge), "bounce_clicks_ship_failures_total") > 0);
            assertEquals(0, clicks(cp, code), "nothing counted while the aggregator's disk is full");

            final long freedAt = System.nanoTime();
            Files.delete(filler);
            await("every click counted once space returns", WAIT_MS, () -> clicks(cp, code) == served);
            System.out.println("FIGURE aggregator: every click counted " + (System.nanoTime() - freedAt) / 1_000_000 +
                " ms after space returned");
            final String metrics = edgeMetrics(edge);
            assertEquals(0, Stack.sample(metrics, "bounce_clicks_files_quarantined_total"), "no good file called corrupt");
            assertEquals(served, Stack.sample(metrics, "bounce_clicks_recorded_total"));
        }
    }

    @Test
    void anEdgeWhoseClickDiskFillsBacksOffResumesByItselfAndAccountsForEveryClick() throws Exception
    {
        final Path clicksDir = dir.resolve("e").resolve("clicks");
        try (AutoCloseable disk = Stack.smallDisk(clicksDir, "4m");
            ControlPlaneNode cp = Stack.controlPlane(dir.resolve("cp"));
            EdgeNode edge = Stack.edge(dir.resolve("e"), base(cp), cp.replicationToken(), SystemEpochClock.INSTANCE,
                "--edge-id", "f2", "--click-rotate-ms", "50"))
        {
            final String code = createAndAwait(cp, edge, "https://example.com/edge-full");
            final Path filler = Stack.fill(clicksDir);
            final int served = browse(edge, code, 3000);
            await("the click writer fails and backs off", WAIT_MS, () ->
                Stack.sample(edgeMetrics(edge), "bounce_clicks_write_errors_total") > 0 &&
                Stack.sample(edgeMetrics(edge), "bounce_clicks_writer_up") == 0);
            assertEquals(302, Stack.HTTP.send(HttpRequest.newBuilder(URI.create(url(edge, code))).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode(), "redirects never wait on clicks");
            final int total = served + 1;

            final long freedAt = System.nanoTime();
            Files.delete(filler);
            await("the writer recovers by itself", WAIT_MS, () -> Stack.sample(edgeMetrics(edge), "bounce_clicks_writer_up") == 1);
            final long recoveredMs = (System.nanoTime() - freedAt) / 1_000_000;
            try
            {
                await("every click written or dropped with a reason", WAIT_MS, () ->
                {
                    final String metrics = edgeMetrics(edge);
                    return Stack.sample(metrics, "bounce_clicks_written_total") + dropped(metrics) == total;
                });
            }
            catch (final AssertionError ex)
            {
                throw new AssertionError(ex.getMessage() + "; served " + total + ", edge metrics:\n" + edgeMetrics(edge).lines()
                    .filter(l -> l.startsWith("bounce_clicks")).collect(java.util.stream.Collectors.joining("\n")), ex);
            }
            final String metrics = edgeMetrics(edge);
            final long written = Stack.sample(metrics, "bounce_clicks_written_total");
            assertEquals(total, Stack.sample(metrics, "bounce_clicks_recorded_total"));
            await("every written click counted", WAIT_MS, () -> clicks(cp, code) + bots(cp, code) == written);
            assertEquals(0, dropped(metrics), "no click lost: rows not yet on disk wait in memory, the rest in the ring");
            assertEquals(total, written);
            System.out.println("FIGURE edge: writer back " + recoveredMs + " ms after space returned; served " + total +
                ", written and counted " + written + ", dropped " + dropped(metrics) + " (" + droppedLines(metrics) + ")");
        }
    }

    private HttpResponse<String> create(final ControlPlaneNode cp, final String body) throws Exception
    {
        return Stack.call("POST", base(cp) + "/api/v1/links", Stack.adminKey(cp), body);
    }

    private static String bulk(final int n, final int round)
    {
        final StringBuilder body = new StringBuilder("{\"links\":[");
        for (int i = 0; i < n; i++)
        {
            body.append(i == 0 ? "" : ",").append("{\"url\":\"https://example.com/").append(round).append('/').append(i)
                .append("/a-long-enough-path-to-fill-pages-faster-").append("x".repeat(200)).append("\"}");
        }
        return body.append("]}").toString();
    }

    private static int ready(final ControlPlaneNode cp)
    {
        try
        {
            return Stack.call("GET", "http://127.0.0.1:" + cp.adminAddress().getPort() + "/readyz", null, null).statusCode();
        }
        catch (final Exception ex)
        {
            return -1;
        }
    }

    private static String adminMetrics(final ControlPlaneNode cp) throws Exception
    {
        return Stack.call("GET", "http://127.0.0.1:" + cp.adminAddress().getPort() + "/metrics", null, null).body();
    }

    private static String edgeMetrics(final EdgeNode edge)
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

    private static long dropped(final String metrics)
    {
        long total = 0;
        for (final String line : metrics.split("\n"))
        {
            if (line.startsWith("bounce_clicks_dropped_total{"))
            {
                total += (long)Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return total;
    }

    private static String droppedLines(final String metrics)
    {
        final StringBuilder out = new StringBuilder();
        for (final String line : metrics.split("\n"))
        {
            if (line.startsWith("bounce_clicks_dropped_total{"))
            {
                out.append(out.length() == 0 ? "" : ", ").append(line.substring("bounce_clicks_dropped_total".length()));
            }
        }
        return out.toString();
    }

    private String createAndAwait(final ControlPlaneNode cp, final EdgeNode edge, final String url) throws Exception
    {
        final String code = Stack.api(cp, "POST", "/api/v1/links", "{\"url\":\"" + url + "\"}").get("code").asText();
        await("link at the edge", WAIT_MS, () -> edge.replica().appliedSequence() == cp.changeLogHead());
        return code;
    }

    private int browse(final EdgeNode edge, final String code, final int times) throws Exception
    {
        for (int i = 0; i < times; i++)
        {
            assertEquals(302, http.send(HttpRequest.newBuilder(URI.create(url(edge, code))).timeout(Duration.ofSeconds(10))
                .header("User-Agent", BROWSER).build(), HttpResponse.BodyHandlers.discarding()).statusCode());
        }
        return times;
    }

    private static String url(final EdgeNode edge, final String code)
    {
        return "http://127.0.0.1:" + edge.address().getPort() + "/" + code;
    }

    private static long clicks(final ControlPlaneNode cp, final String code)
    {
        return report(cp, code).path("clicks").asLong(-1);
    }

    private static long bots(final ControlPlaneNode cp, final String code)
    {
        return report(cp, code).path("botClicks").asLong(-1);
    }

    private static JsonNode report(final ControlPlaneNode cp, final String code)
    {
        try
        {
            return Stack.api(cp, "GET", "/api/v1/links/" + code + "/analytics?granularity=hour", null);
        }
        catch (final Exception ex)
        {
            return Stack.JSON.createObjectNode();
        }
    }
}
