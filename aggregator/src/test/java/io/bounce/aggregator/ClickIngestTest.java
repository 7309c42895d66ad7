package io.bounce.aggregator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import io.bounce.replication.clicks.ClickFileFormat;
import io.bounce.runtime.admin.Metrics;
import io.bounce.runtime.agent.Agents;
import io.bounce.runtime.http.Problem;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import net.jpountz.lz4.LZ4FrameOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The aggregator's way in, on real files and a real DuckDB store. */
class ClickIngestTest
{
    private static final String ROW = "\tlocalhost\tabc\t302\tGET\t0123456789abcdef\tDE\tMozilla/5.0 (X11; Linux x86_64) Firefox/133.0\t" +
        "https://news.example.org/a\t\n";
    private static final long WAIT_MS = 30_000;

    @TempDir
    Path dir;

    @Test
    void acceptedFilesWaitingInTheInboxAreCountedOnceAfterARestart() throws Exception
    {
        try (ClickStore store = new ClickStore(dir))
        {
            final ClickIngest notLoading = new ClickIngest(store, dir.resolve("ingest"), 1 << 20, 1 << 30, 1 << 28, new Agents());
            assertEquals(2, notLoading.accept("e1", 1, file("e1", 2)));
            assertEquals(3, notLoading.accept("e1", 2, file("e1", 3)));
            assertEquals(-1, notLoading.accept("e1", 1, file("e1", 2)), "a resend while it waits is a duplicate");
            assertEquals(2, notLoading.pendingFiles());
            assertEquals(0, store.totalEvents(), "accepted, durable, not counted yet");
            notLoading.close(); // as a crash would: the loader never ran
            assertEquals(2, Files.list(dir.resolve("ingest").resolve("inbox")).count());

            final ClickIngest restarted = new ClickIngest(store, dir.resolve("ingest"), 1 << 20, 1 << 30, 1 << 28, new Agents());
            restarted.start();
            assertEquals(-1, restarted.accept("e1", 2, file("e1", 3)), "still known after the restart");
            awaitNothingPending(restarted);
            assertEquals(5, store.totalEvents());
            assertEquals(-1, restarted.accept("e1", 2, file("e1", 3)), "a resend after counting is a duplicate");
            assertEquals(0, Files.list(dir.resolve("ingest").resolve("inbox")).count(), "counted files leave the inbox");
            assertEquals(0, Files.list(dir.resolve("ingest").resolve("staging")).count());
            final String metrics = metrics(restarted);
            assertTrue(metrics.contains("bounce_aggregator_events_total 5.0\n"), "the restart counted both files:\n" + metrics);
            restarted.close();
        }
    }

    @Test
    void aFullBacklogRefusesNewFilesForLaterAndLosesNone() throws Exception
    {
        try (ClickStore store = new ClickStore(dir))
        {
            final ClickIngest ingest = new ClickIngest(store, dir.resolve("ingest"), 1 << 20, 1024, 1 << 28, new Agents());
            assertEquals(20, ingest.accept("e1", 1, file("e1", 20)));
            final Problem busy = assertThrows(Problem.class, () -> ingest.accept("e1", 2, file("e1", 1)));
            assertEquals(503, busy.status());
            ingest.start();
            awaitNothingPending(ingest);
            assertEquals(1, ingest.accept("e1", 2, file("e1", 1)), "taken once the backlog drained");
            awaitNothingPending(ingest);
            assertEquals(21, store.totalEvents());
            final String metrics = metrics(ingest);
            assertTrue(metrics.contains("bounce_aggregator_refused_files_total{reason=\"busy\"} 1.0\n"), metrics);
            ingest.close();
        }
    }

    @Test
    void versionOneFilesCountAsClicksToTheLinksUrlBesideVersionTwoDestinations() throws Exception
    {
        try (ClickStore store = new ClickStore(dir))
        {
            final ClickIngest ingest = new ClickIngest(store, dir.resolve("ingest"), 1 << 20, 1 << 30, 1 << 28, new Agents());
            ingest.start();
            final String v1Row = "1700000000000\te1" + ROW.replace("\t\n", "\n");
            final ByteArrayOutputStream v1 = new ByteArrayOutputStream();
            try (LZ4FrameOutputStream lz4 = new LZ4FrameOutputStream(v1))
            {
                lz4.write((ClickFileFormat.HEADER_V1 + v1Row + v1Row).getBytes(StandardCharsets.UTF_8));
            }
            assertEquals(2, ingest.accept("e1", 1, v1.toByteArray()), "an edge of the last build ships version 1");
            assertEquals(0, ingest.accept("e1", 2, lz4(v1Row)), "ten fields under a version 2 header are not a row");
            final String variant = "1700000000000\te1" + ROW.replace("\t\n", "\tvariant-2\n");
            assertEquals(3, ingest.accept("e1", 3, lz4("1700000000000\te1" + ROW + variant + variant)));
            awaitNothingPending(ingest);
            assertEquals(5, store.totalEvents());
            final ClickAnalytics.Report report = store.report("localhost", "abc", 1_699_990_000_000L, 1_700_010_000_000L, Granularity.DAY);
            assertEquals(List.of(new ClickAnalytics.Ranked("url", 3), new ClickAnalytics.Ranked("variant-2", 2)), report.destinations());
            ingest.close();
        }
    }

    @Test
    void aBadRowCostsItsFileNothingButItself() throws Exception
    {
        try (ClickStore store = new ClickStore(dir))
        {
            final ClickIngest ingest = new ClickIngest(store, dir.resolve("ingest"), 1 << 20, 1 << 30, 1 << 28, new Agents());
            ingest.start();
            final String good = "1700000000000\te1" + ROW;
            final List<String> uncountable = List.of(
                "1700000000000\te2" + ROW, // another edge's row
                "1700000000000\te1" + ROW.replace("\tGET\t", "\tPOST\t"),
                "1700000000000\te1" + ROW.replace("\t302\t", "\t3o2\t"),
                "1700000000000\te1" + ROW.replace("\tabc\t", "\t\t"), // no code
                "17000000000000000\te1" + ROW, // a time past any timestamp the store keeps
                "1700000000000\te1" + ROW.replace("\n", "\textra\n"),
                "1700000000000\te1" + ROW.replace("\tDE\t", "\t\tDE\t"));
            long sequence = 1;
            for (final String row : uncountable)
            {
                assertEquals(2, ingest.accept("e1", sequence++, lz4(good + row + good)), "the good rows count: " + row);
            }
            assertEquals(2, ingest.accept("e1", sequence++, lz4(good + good + "1700000000000\te1" + ROW.replace("\n", ""))),
                "a last row cut short is set aside");
            assertEquals(3, ingest.accept("e1", sequence++, lz4(good + "1700000000000\te1" + ROW.replace("DE", "D\rE") + good)),
                "a control byte in the text is dropped, the row counts");
            final byte[] invalidUtf8 = (good + "1700000000000\te1" + ROW).getBytes(StandardCharsets.UTF_8);
            invalidUtf8[invalidUtf8.length - 5] = (byte)0xC3; // a lead byte followed by ASCII, in the referrer
            assertEquals(2, ingest.accept("e1", sequence++, lz4Bytes(invalidUtf8)), "invalid UTF-8 in the text is replaced, the row counts");
            assertEquals(1, ingest.accept("e1", sequence++, lz4(good.replace("Firefox", "Firefox \u00e9\u4e2d\ud83d\ude00"))),
                "valid UTF-8 of every length passes");
            awaitNothingPending(ingest);
            assertEquals(2L * uncountable.size() + 2 + 3 + 2 + 1, store.totalEvents());
            final String metrics = metrics(ingest);
            assertTrue(metrics.contains("bounce_aggregator_rows_repaired_total 2.0\n"), metrics);
            assertTrue(metrics.contains("bounce_aggregator_rows_set_aside_total{reason=\"edge\"} 1.0\n"), metrics);
            assertTrue(metrics.contains("bounce_aggregator_rows_set_aside_total{reason=\"no_newline\"} 1.0\n"), metrics);
            try (Stream<Path> aside = Files.list(dir.resolve("ingest").resolve("set-aside")))
            {
                assertEquals(uncountable.size() + 1, aside.count(), "every uncountable row is kept for a person");
            }
            final ByteArrayOutputStream headless = new ByteArrayOutputStream();
            try (LZ4FrameOutputStream lz4 = new LZ4FrameOutputStream(headless))
            {
                lz4.write(good.getBytes(StandardCharsets.UTF_8));
            }
            assertEquals(400, assertThrows(Problem.class, () -> ingest.accept("e1", 99, headless.toByteArray())).status(),
                "a file without its header row is not a click file");
            final byte[] cut = lz4(good + good);
            assertEquals(400, assertThrows(Problem.class, () -> ingest.accept("e1", 99, Arrays.copyOf(cut, cut.length - 6))).status(),
                "only a frame that does not read is refused");
            ingest.close();
        }
    }

    @Test
    void aBatchTheStoreRefusesCountsNothingOfIt() throws Exception
    {
        try (ClickStore store = new ClickStore(dir))
        {
            final Path good = Files.writeString(dir.resolve("good.tsv"), ClickFileFormat.HEADER + "1700000000000\te1" + ROW);
            final Path bad = Files.writeString(dir.resolve("bad.tsv"), ClickFileFormat.HEADER + "1700000000000\te1\tonly three\n");
            assertThrows(ClickStore.CorruptFile.class, () -> store.ingestBatch(List.of(
                new ClickStore.Batched("e1", 1, good, 1), new ClickStore.Batched("e1", 2, bad, 1)), new UserAgents()));
            assertEquals(0, store.totalEvents());
            assertTrue(!store.counted("e1", 1), "no identity of a failed batch is kept");
            assertEquals(1, store.ingestBatch(List.of(new ClickStore.Batched("e1", 1, good, 1)), new UserAgents())[0]);
            assertEquals(1, store.totalEvents());
        }
    }

    private static void awaitNothingPending(final ClickIngest ingest) throws InterruptedException
    {
        final long deadline = System.currentTimeMillis() + WAIT_MS;
        while (ingest.pendingFiles() > 0)
        {
            if (System.currentTimeMillis() > deadline)
            {
                throw new AssertionError(ingest.pendingFiles() + " files still waiting to be counted");
            }
            Thread.sleep(10);
        }
    }

    private static byte[] file(final String edge, final int rows) throws Exception
    {
        final StringBuilder text = new StringBuilder();
        for (int i = 0; i < rows; i++)
        {
            text.append(1_700_000_000_000L + i).append('\t').append(edge).append(ROW);
        }
        return lz4(text.toString());
    }

    private static byte[] lz4(final String rows) throws Exception
    {
        return lz4Bytes(rows.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] lz4Bytes(final byte[] rows) throws Exception
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (LZ4FrameOutputStream lz4 = new LZ4FrameOutputStream(out))
        {
            lz4.write(ClickFileFormat.HEADER.getBytes(StandardCharsets.US_ASCII));
            lz4.write(rows);
        }
        return out.toByteArray();
    }

    private static String metrics(final ClickIngest ingest)
    {
        final PrometheusRegistry registry = new PrometheusRegistry();
        ingest.register(registry);
        return new String(Metrics.text(registry), StandardCharsets.UTF_8);
    }
}
