package io.bounce.system;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import io.bounce.control.ControlPlaneNode;
import io.bounce.edge.EdgeNode;
import io.bounce.replication.clicks.ClickFileFormat;
import net.jpountz.lz4.LZ4FrameOutputStream;
import org.agrona.concurrent.SystemEpochClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static io.bounce.system.Stack.api;
import static io.bounce.system.Stack.await;
import static io.bounce.system.Stack.base;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Clicks end to end: real edges recording, real files, a real aggregator counting. */
class ClickSystemTest
{
    private static final long WAIT_MS = 30_000;
    private static final String BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) " +
        "Chrome/131.0.0.0 Safari/537.36";
    private static final String GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
    private static final String SLACK = "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)";

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .followRedirects(HttpClient.Redirect.NEVER).build();

    @Test
    void everyRedirectIsCountedExactlyOnceWithBotsApart() throws Exception
    {
        try (ControlPlaneNode cp = Stack.controlPlane(dir.resolve("cp"));
            EdgeNode edge = Stack.edge(dir.resolve("e"), base(cp), cp.replicationToken(), SystemEpochClock.INSTANCE,
                "--edge-id", "e1", "--click-rotate-ms", "200"))
        {
            final String code = createAndAwait(cp, edge, "https://example.com/counted");
            final int humans = 500;
            for (int i = 0; i < humans; i++)
            {
                assertEquals(302, get(edge, code, BROWSER, "https://news.example.org/story?id=" + (i % 3)));
            }
            for (int i = 0; i < 5; i++)
            {
                assertEquals(302, get(edge, code, GOOGLEBOT, null));
                assertEquals(302, get(edge, code, SLACK, null));
            }
            for (int i = 0; i < 3; i++)
            {
                assertEquals(302, http.send(HttpRequest.newBuilder(URI.create(edgeUrl(edge) + "/" + code))
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()).header("User-Agent", BROWSER).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode());
            }
            assertEquals(404, get(edge, "nope", BROWSER, null));

            try
            {
                await("every click counted", WAIT_MS, () -> analytics(cp, code).get("clicks").asLong() == humans &&
                    analytics(cp, code).get("botClicks").asLong() == 13);
            }
            catch (final AssertionError ex)
            {
                throw new AssertionError(ex.getMessage() + ": " + analytics(cp, code) + "\nedge:\n" + metricsOf(edge), ex);
            }
            final JsonNode report = analytics(cp, code);
            assertEquals(1, report.get("uniqueVisitors").asLong(), "one client, one visitor");
            assertEquals("news.example.org", report.get("referrers").get(0).get("name").asText());
            assertEquals(humans, report.get("referrers").get(0).get("clicks").asLong());
            assertEquals("Chrome", report.get("browsers").get(0).get("name").asText());
            assertEquals("desktop", report.get("devices").get(0).get("name").asText());
            await("the 404 stored too, apart from clicks", WAIT_MS, () -> total(cp) == humans + 13 + 1);
            // Later files are shipped and counted too (proved by another link's clicks), and none counts this link's again.
            final String later = createAndAwait(cp, edge, "https://example.com/later");
            for (int i = 0; i < 10; i++)
            {
                assertEquals(302, get(edge, later, BROWSER, null));
            }
            await("later files counted", WAIT_MS, () -> analytics(cp, later).get("clicks").asLong() == 10);
            assertEquals(humans, analytics(cp, code).get("clicks").asLong());

            final java.io.StringWriter printed = new java.io.StringWriter();
            final int exit = io.bounce.ops.cli.BounceCtl.run(new String[] {"--api", base(cp), "--key", Stack.adminKey(cp),
                "analytics", code, "--granularity", "hour"}, new java.io.PrintWriter(printed), new java.io.PrintWriter(System.err));
            assertEquals(0, exit, printed.toString());
            assertTrue(printed.toString().contains("clicks 500   unique visitors 1   bots and previews (not counted) 13"), printed.toString());
            assertTrue(printed.toString().contains("#".repeat(40)), "a bar chart of the timeline:\n" + printed);
            assertTrue(printed.toString().contains("news.example.org  500"), printed.toString());
        }
    }

    @Test
    void aFileSentTwiceCountsOnceAndBadFilesAreRefused() throws Exception
    {
        try (ControlPlaneNode cp = Stack.controlPlane(dir.resolve("cp"), "--max-click-file-uncompressed-bytes", "1048576"))
        {
            final byte[] file = clickFile("e9", 3);
            assertEquals("{\"events\":3}", put(cp, "e9", 1, file, cp.replicationToken()).body());
            final HttpResponse<String> again = put(cp, "e9", 1, file, cp.replicationToken());
            assertEquals(200, again.statusCode());
            assertEquals("{\"duplicate\":true}", again.body());
            awaitCounted(cp);
            assertEquals(3, cp.clicks().totalEvents());
            final HttpResponse<String> afterCounting = put(cp, "e9", 1, file, cp.replicationToken());
            assertEquals("{\"duplicate\":true}", afterCounting.body(), "a resend after counting is a duplicate too");

            assertEquals(401, put(cp, "e9", 2, file, "wrong-token-wrong-token").statusCode());
            assertEquals(400, put(cp, "e9", 3, "not lz4 at all".getBytes(StandardCharsets.US_ASCII), cp.replicationToken()).statusCode());
            assertEquals(400, put(cp, "e9", 4, java.util.Arrays.copyOf(file, file.length - 9), cp.replicationToken()).statusCode(),
                "a truncated file");
            // A decompression bomb: 64 MiB of one well-formed row repeated is a few hundred KiB compressed;
            // every row passes the checks, so only the cap stops it, at 1 MiB. (Zeros are refused sooner, as corrupt.)
            final ByteArrayOutputStream bomb = new ByteArrayOutputStream();
            try (LZ4FrameOutputStream lz4 = new LZ4FrameOutputStream(bomb))
            {
                lz4.write(ClickFileFormat.HEADER.getBytes(StandardCharsets.US_ASCII));
                final byte[] row = (System.currentTimeMillis() + "\te9\tlocalhost\tabc\t302\tGET\t0123456789abcdef\t\t" + BROWSER + "\t\t\n")
                    .getBytes(StandardCharsets.UTF_8);
                final byte[] rows = new byte[(1 << 20) / row.length * row.length];
                for (int at = 0; at < rows.length; at += row.length)
                {
                    System.arraycopy(row, 0, rows, at, row.length);
                }
                for (int i = 0; i < 64; i++)
                {
                    lz4.write(rows);
                }
            }
            final long heapBefore = usedHeap();
            final HttpResponse<String> refused = put(cp, "e9", 5, bomb.toByteArray(), cp.replicationToken());
            assertEquals(413, refused.statusCode(), refused.body());
            assertTrue(usedHeap() - heapBefore < 48L << 20, "memory stays flat while a bomb is refused");
            awaitCounted(cp);
            assertEquals(3, cp.clicks().totalEvents(), "nothing of a refused file is counted");
        }
    }

    @Test
    void filesHoldNoRawAddressReadByTheLz4CliAndWaitForTheAggregator() throws Exception
    {
        final int aggregatorPort = Stack.freePorts(1)[0];
        try (ControlPlaneNode cp = Stack.controlPlane(dir.resolve("cp")))
        {
            final Path edgeDir = dir.resolve("e");
            final String code;
            try (EdgeNode edge = Stack.edge(edgeDir, base(cp), cp.replicationToken(), SystemEpochClock.INSTANCE,
                "--edge-id", "e2", "--click-rotate-ms", "100", "--aggregator", "http://127.0.0.1:" + aggregatorPort,
                "--trusted-proxies", "127.0.0.1/32", "--click-ship-deadline-ms", "0"))
            {
                code = createAndAwait(cp, edge, "https://example.com/backlog");
                for (int i = 0; i < 50; i++)
                {
                    assertEquals(302, get(edge, code, BROWSER, null));
                    assertEquals(302, http.send(HttpRequest.newBuilder(URI.create(edgeUrl(edge) + "/" + code))
                        .header("X-Forwarded-For", "198.51.100.23, 203.0.113.7").header("User-Agent", BROWSER).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode());
                }
                await("files waiting in the outbox", WAIT_MS, () -> outbox(edgeDir).size() >= 1 &&
                    Stack.sample(metricsOf(edge), "bounce_clicks_written_total") == 100);
                await("the shipper tried the dead aggregator", WAIT_MS,
                    () -> Stack.sample(metricsOf(edge), "bounce_clicks_ship_failures_total") > 0);
            }
            // The edge is stopped: its files stay, readable by the lz4 tool, with no raw address in them.
            final List<Path> files = outbox(edgeDir);
            final StringBuilder all = new StringBuilder();
            for (final Path file : files)
            {
                final byte[] raw = Files.readAllBytes(file);
                final String text = lz4Decompress(file);
                assertTrue(text.startsWith(ClickFileFormat.HEADER), text);
                all.append(text.substring(ClickFileFormat.HEADER.length()));
                for (final String ip : new String[] {"127.0.0.1", "203.0.113.7", "198.51.100.23"})
                {
                    assertFalse(text.contains(ip), ip + " in " + file);
                    assertFalse(new String(raw, StandardCharsets.ISO_8859_1).contains(ip));
                }
            }
            final String[] rows = all.toString().split("\n");
            assertEquals(100, rows.length);
            final long visitors = Stream.of(rows).map(r -> ClickFileFormat.split(r)[6]).distinct().count();
            assertEquals(2, visitors, "the proxied client is a visitor of its own");

            // Now the aggregator comes up (a second control plane in the aggregator's place): the backlog drains, exactly.
            try (ControlPlaneNode aggregator = Stack.controlPlane(dir.resolve("agg"), "--port", Integer.toString(aggregatorPort),
                "--click-token", cp.replicationToken());
                EdgeNode edge = Stack.edge(edgeDir, base(cp), cp.replicationToken(), SystemEpochClock.INSTANCE,
                    "--edge-id", "e2", "--aggregator", "http://127.0.0.1:" + aggregatorPort))
            {
                await("backlog shipped", WAIT_MS, () -> outbox(edgeDir).isEmpty());
                awaitCounted(aggregator);
                assertEquals(100, aggregator.clicks().totalEvents());
            }
        }
    }

    @Test
    void behindAnL4BalancerThePROXYHeaderNamesTheVisitor() throws Exception
    {
        try (ControlPlaneNode cp = Stack.controlPlane(dir.resolve("cp"));
            EdgeNode edge = Stack.edge(dir.resolve("e"), base(cp), cp.replicationToken(), SystemEpochClock.INSTANCE,
                "--edge-id", "e5", "--click-rotate-ms", "100", "--proxy-protocol"))
        {
            final String code = createAndAwait(cp, edge, "https://example.com/proxied");
            final String request = "GET /" + code + " HTTP/1.1\r\nHost: localhost\r\nUser-Agent: " + BROWSER +
                "\r\nConnection: close\r\n\r\n";
            assertTrue(raw(edge, "PROXY TCP4 203.0.113.9 10.0.0.1 56324 443\r\n" + request).startsWith("HTTP/1.1 302"));
            assertTrue(raw(edge, "PROXY TCP6 2001:db8::7 2001:db8::1 56324 443\r\n" + request).startsWith("HTTP/1.1 302"));
            assertTrue(raw(edge, "PROXY TCP4 203.0.113.9 10.0.0.1 41000 443\r\n" + request).startsWith("HTTP/1.1 302"));
            assertFalse(raw(edge, request).startsWith("HTTP/1.1 302"), "without the PROXY header the connection is refused");
            await("three clicks, two visitors", WAIT_MS, () -> analytics(cp, code).get("clicks").asLong() == 3);
            assertEquals(2, analytics(cp, code).get("uniqueVisitors").asLong(), "visitors come from the PROXY source, not the balancer");
        }
    }

    @Test
    void headersNoFileCanCarryStillCountEveryClick() throws Exception
    {
        try (ControlPlaneNode cp = Stack.controlPlane(dir.resolve("cp"));
            EdgeNode edge = Stack.edge(dir.resolve("e"), base(cp), cp.replicationToken(), SystemEpochClock.INSTANCE,
                "--edge-id", "p1", "--click-rotate-ms", "100"))
        {
            final String code = createAndAwait(cp, edge, "https://example.com/poison");
            final String browser = "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0 ";
            final byte[][] userAgents = {
                latin1(browser + "x\u00ff"), // a lone 0xFF: not UTF-8
                utf8(browser + "\u20ac".repeat(200)), // 600+ bytes of three-byte characters: the 512-byte cut splits one
                latin1(browser + "\u00c3(")}; // a lead byte without its continuation
            final byte[] longReferrer = utf8("https://news.example.org/" + "\u00e9".repeat(550)); // 1,100+ bytes, cut at 1,024
            int served = 0;
            for (final byte[] userAgent : userAgents)
            {
                assertTrue(rawBytes(edge, code, userAgent, longReferrer).startsWith("HTTP/1.1 302"));
                served++;
            }
            for (int i = 0; i < 20; i++)
            {
                assertEquals(302, get(edge, code, BROWSER, null));
                served++;
            }
            final int expected = served;
            await("every poisoned click counted with the others", WAIT_MS, () -> analytics(cp, code).get("clicks").asLong() == expected);
            awaitCounted(cp);
            assertEquals(expected, analytics(cp, code).get("clicks").asLong());
            assertEquals(0, Stack.sample(metricsOf(edge), "bounce_clicks_files_quarantined_total"), "no file refused");
        }
    }

    /** GET /{code} with header values sent as raw bytes; the answer's status line and headers. */
    private static String rawBytes(final EdgeNode edge, final String code, final byte[] userAgent, final byte[] referrer) throws Exception
    {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", edge.address().getPort()))
        {
            socket.setSoTimeout(10_000);
            final java.io.ByteArrayOutputStream request = new java.io.ByteArrayOutputStream();
            request.write(("GET /" + code + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nUser-Agent: ").getBytes(StandardCharsets.US_ASCII));
            request.write(userAgent);
            request.write("\r\nReferer: ".getBytes(StandardCharsets.US_ASCII));
            request.write(referrer);
            request.write("\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().write(request.toByteArray());
            socket.getOutputStream().flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    private static byte[] latin1(final String text)
    {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] utf8(final String text)
    {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String raw(final EdgeNode edge, final String bytes) throws Exception
    {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", edge.address().getPort()))
        {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(bytes.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
        catch (final java.io.IOException ex)
        {
            return "";
        }
    }

    @Test
    void aFileTheAggregatorRefusesIsQuarantinedNotDeleted() throws Exception
    {
        try (ControlPlaneNode cp = Stack.controlPlane(dir.resolve("cp")))
        {
            final Path outbox = Files.createDirectories(dir.resolve("e").resolve("clicks").resolve("outbox"));
            Files.write(outbox.resolve(ClickFileFormat.fileName("e3", 1)), "garbage".getBytes(StandardCharsets.US_ASCII));
            try (EdgeNode edge = Stack.edge(dir.resolve("e"), base(cp), cp.replicationToken(), SystemEpochClock.INSTANCE,
                "--edge-id", "e3"))
            {
                await("quarantined", WAIT_MS, () -> Stack.sample(metricsOf(edge), "bounce_clicks_files_quarantined_total") == 1);
                assertTrue(Files.exists(dir.resolve("e").resolve("clicks").resolve("quarantine").resolve(ClickFileFormat.fileName("e3", 1))));
                assertEquals(0, cp.clicks().totalEvents());
            }
        }
    }

    @Test
    void anEdgeStoppedUnderLoadLosesNoClick() throws Exception
    {
        try (ControlPlaneNode cp = Stack.controlPlane(dir.resolve("cp")))
        {
            final EdgeNode edge = Stack.edge(dir.resolve("e"), base(cp), cp.replicationToken(), SystemEpochClock.INSTANCE,
                "--edge-id", "e4", "--io-threads", "2");
            final String code = createAndAwait(cp, edge, "https://example.com/load");
            final ExecutorService load = Executors.newFixedThreadPool(4);
            final AtomicLong redirects = new AtomicLong();
            final List<Future<?>> clients = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++)
            {
                clients.add(load.submit(() ->
                {
                    while (true)
                    {
                        try
                        {
                            if (get(edge, code, BROWSER, null) == 302)
                            {
                                redirects.incrementAndGet();
                            }
                        }
                        catch (final Exception stopped)
                        {
                            return null;
                        }
                    }
                }));
            }
            await("load running", WAIT_MS, () -> redirects.get() > 500);
            final long recorded = Stack.sample(metricsOf(edge), "bounce_clicks_recorded_total");
            assertTrue(recorded > 0);
            edge.close(); // SIGTERM's path: drain, stop, write out the ring, ship within the deadline
            load.shutdownNow();
            load.awaitTermination(10, TimeUnit.SECONDS);
            final long answered = redirects.get();
            await("every answered redirect counted", WAIT_MS, () -> total(cp) >= answered);
            assertTrue(Files.list(dir.resolve("e").resolve("clicks").resolve("outbox")).findAny().isEmpty(), "all shipped");
            awaitCounted(cp);
            assertEquals(total(cp), analytics(cp, code).get("clicks").asLong());
            assertTrue(total(cp) >= answered && total(cp) <= answered + 4,
                "counted " + total(cp) + " for " + answered + " redirects the clients saw (at most one in flight each)");
        }
    }

    @Test
    void aClickWriterThatCannotWriteBacksOffAndResumesByItselfLosingNoClick() throws Exception
    {
        try (ControlPlaneNode cp = Stack.controlPlane(dir.resolve("cp"));
            EdgeNode edge = Stack.edge(dir.resolve("e"), base(cp), cp.replicationToken(), SystemEpochClock.INSTANCE,
                "--edge-id", "w1", "--click-rotate-ms", "50"))
        {
            final String code = createAndAwait(cp, edge, "https://example.com/disk-fault");
            // A real fault on the real file system: the outbox becomes a file, so no finished click file can be renamed into it.
            final Path outbox = dir.resolve("e").resolve("clicks").resolve("outbox");
            Files.delete(outbox);
            Files.writeString(outbox, "not a directory");
            for (int i = 0; i < 20; i++)
            {
                assertEquals(302, get(edge, code, BROWSER, null));
            }
            await("the writer fails, counts it and backs off", WAIT_MS, () ->
                Stack.sample(metricsOf(edge), "bounce_clicks_write_errors_total") >= 1 &&
                Stack.sample(metricsOf(edge), "bounce_clicks_writer_up") == 0);
            for (int i = 0; i < 10; i++)
            {
                assertEquals(302, get(edge, code, BROWSER, null), "redirects never wait on clicks");
            }

            Files.delete(outbox);
            Files.createDirectory(outbox);
            await("the writer recovers by itself", WAIT_MS, () -> Stack.sample(metricsOf(edge), "bounce_clicks_writer_up") == 1);
            for (int i = 0; i < 5; i++)
            {
                assertEquals(302, get(edge, code, BROWSER, null));
            }
            await("every click counted once", WAIT_MS, () -> analytics(cp, code).get("clicks").asLong() == 35);
            awaitCounted(cp);
            assertEquals(35, analytics(cp, code).get("clicks").asLong(), "salvaged, not counted twice");
            assertEquals(35, Stack.sample(metricsOf(edge), "bounce_clicks_recorded_total"));
        }
    }

    private static long total(final ControlPlaneNode cp)
    {
        try
        {
            return cp.clicks().totalEvents();
        }
        catch (final java.sql.SQLException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    private String createAndAwait(final ControlPlaneNode cp, final EdgeNode edge, final String url) throws Exception
    {
        final String code = api(cp, "POST", "/api/v1/links", "{\"url\":\"" + url + "\"}").get("code").asText();
        await("link at the edge", WAIT_MS, () -> edge.replica().appliedSequence() == cp.changeLogHead());
        return code;
    }

    private int get(final EdgeNode edge, final String code, final String userAgent, final String referrer) throws Exception
    {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(edgeUrl(edge) + "/" + code))
            .timeout(Duration.ofSeconds(10)).header("User-Agent", userAgent);
        if (referrer != null)
        {
            request.header("Referer", referrer);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static String edgeUrl(final EdgeNode edge)
    {
        return "http://127.0.0.1:" + edge.address().getPort();
    }

    private static String metricsOf(final EdgeNode edge)
    {
        try
        {
            return Stack.metrics(edge);
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    private static JsonNode analytics(final ControlPlaneNode cp, final String code)
    {
        try
        {
            return api(cp, "GET", "/api/v1/links/" + code + "/analytics?granularity=hour", null);
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /** Shipped files are durable at once and counted in the background: wait until none waits. */
    private static void awaitCounted(final ControlPlaneNode cp) throws Exception
    {
        await("accepted files counted", WAIT_MS, () -> cp.pendingClickFiles() == 0);
    }

    private HttpResponse<String> put(final ControlPlaneNode cp, final String edge, final long sequence, final byte[] body,
        final String token) throws Exception
    {
        return http.send(HttpRequest.newBuilder(URI.create(base(cp) + ClickFileFormat.INGEST_PATH + edge + "/" + sequence))
            .header("Authorization", "Bearer " + token).PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
            HttpResponse.BodyHandlers.ofString());
    }

    private static byte[] clickFile(final String edge, final int rows) throws Exception
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (LZ4FrameOutputStream lz4 = new LZ4FrameOutputStream(out))
        {
            lz4.write(ClickFileFormat.HEADER.getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < rows; i++)
            {
                lz4.write((System.currentTimeMillis() + "\t" + edge + "\tlocalhost\tabc\t302\tGET\t0123456789abcdef\t\t" +
                    BROWSER + "\t\t\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        return out.toByteArray();
    }

    private static List<Path> outbox(final Path edgeDir)
    {
        try (Stream<Path> files = Files.list(edgeDir.resolve("clicks").resolve("outbox")))
        {
            return files.sorted().toList();
        }
        catch (final java.io.IOException ex)
        {
            return List.of();
        }
    }

    /** Decompress with the lz4 command-line tool (installed from Debian's lz4 package if missing): the files are meant for it. */
    private static String lz4Decompress(final Path file) throws Exception
    {
        Stack.ensureTool("lz4", "lz4");
        final Process lz4 = new ProcessBuilder("lz4", "-d", "-c", file.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        final byte[] out = lz4.getInputStream().readAllBytes();
        assertTrue(lz4.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, lz4.exitValue(), "lz4 -d " + file);
        return new String(out, StandardCharsets.UTF_8);
    }

    private static long usedHeap()
    {
        final Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }
}
