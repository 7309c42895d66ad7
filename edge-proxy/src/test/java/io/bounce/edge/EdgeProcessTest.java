package io.bounce.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import io.bounce.edge.replica.LinkReplica;
import io.bounce.runtime.testing.RawHttp.Connection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whole edge processes: restarts, SIGKILL mid-import, and two processes on one data dir. */
class EdgeProcessTest
{
    @TempDir
    Path dir;

    private static String[] serveArgs(final Path dataDir, final String... more)
    {
        final String[] base = {"--data-dir", dataDir.toString(), "--host", "127.0.0.1", "--port", "0", "--admin-port", "0",
            "--io-threads", "1", "--expected-links", "2000000", "--default-domain", "bnc.test"};
        final String[] all = new String[base.length + more.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    private static int status(final int port, final String path) throws IOException
    {
        try (Connection c = new Connection(port))
        {
            return c.send("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").read().status;
        }
    }

    @Test
    void restartKeepsTheLinks() throws Exception
    {
        final Path tsv = dir.resolve("links.tsv");
        Files.writeString(tsv, "keep1\thttps://example.com/1\nkeep2\thttps://example.com/2\t301\n");
        final Path data = dir.resolve("data");
        try (EdgeHarness first = new EdgeHarness(data, "--import", tsv.toString()))
        {
            assertEquals(302, first.get("/keep1").status);
        }
        try (EdgeHarness second = new EdgeHarness(data))
        {
            assertEquals(302, second.get("/keep1").status);
            assertEquals("https://example.com/2", second.get("/keep2").header("Location"));
            assertFalse(second.node.replica().recoveredFromCrash());
            assertEquals(2, second.node.replica().linkCount());
        }
    }

    @Test
    void aSecondProcessOnTheSameDataDirIsRefused() throws Exception
    {
        final Path data = dir.resolve("data");
        try (EdgeHarness running = new EdgeHarness(data);
            ChildEdge second = new ChildEdge(serveArgs(data)))
        {
            assertTrue(second.process.waitFor(60, TimeUnit.SECONDS), "the second edge must exit");
            assertEquals(1, second.process.exitValue());
            assertTrue(second.output().contains("is in use by another edge process (pid " + ProcessHandle.current().pid() + ")"),
                second.output());
            assertEquals(404, running.get("/x").status, "the first edge is unaffected");
        }
    }

    @Test
    void anIdleEdgeKilledWithSigkillReopensWithoutRecoveryAndServes() throws Exception
    {
        final Path tsv = dir.resolve("few.tsv");
        Files.writeString(tsv, "a\thttps://example.com/a\nb\thttps://example.com/b\n");
        final Path data = dir.resolve("data");
        try (ChildEdge edge = new ChildEdge(serveArgs(data, "--import", tsv.toString())))
        {
            final int port = edge.awaitServing(60_000);
            assertEquals(302, status(port, "/a"));
            edge.kill(); // no request in flight: no thread is inside the map
        }
        try (ChildEdge restarted = new ChildEdge(serveArgs(data)))
        {
            final int port = restarted.awaitServing(60_000);
            assertTrue(restarted.output().contains("not closed cleanly: no thread was inside it, opened it as it was"),
                restarted.output());
            assertEquals(302, status(port, "/a"));
            assertEquals(302, status(port, "/b"));
        }
        // The tracker tells a thread inside the map apart: a slot left set means recovery.
        Files.write(data.resolve("replica.open"), Files.readAllBytes(Path.of("/proc/sys/kernel/random/boot_id")));
        final byte[] state = new byte[256 * 64];
        state[64] = 1; // event loop slot 1 was inside
        Files.write(data.resolve("map-access.state"), state);
        try (EdgeHarness again = new EdgeHarness(data))
        {
            assertTrue(again.node.replica().recoveredFromCrash());
            assertEquals(302, again.get("/a").status);
        }
    }

    @Test
    void anEdgeKilledWithSigkillWhileImportingReopensAndServes() throws Exception
    {
        final Path tsv = dir.resolve("big.tsv");
        final int lines = 1_500_000;
        try (BufferedWriter out = Files.newBufferedWriter(tsv, StandardCharsets.US_ASCII))
        {
            for (int i = 0; i < lines; i++)
            {
                out.write("c" + i + "\thttps://example.com/items/" + i + "?utm_source=bounce&utm_medium=test\n");
            }
        }
        final Path data = dir.resolve("data");
        final Path marker = data.resolve(LinkReplica.DIRTY_MARKER);
        final ChildEdge importer = new ChildEdge(serveArgs(data, "--import", tsv.toString(), "--exit-after-import"));
        final long deadline = System.currentTimeMillis() + 60_000;
        // Into the import, well short of its end: its first progress line (100,000 of 1,500,000 links).
        while (!importer.output().contains("links loaded so far") && importer.process.isAlive() && System.currentTimeMillis() < deadline)
        {
            Thread.sleep(5);
        }
        importer.kill();
        assertFalse(importer.output().contains("imported "), "the kill must land mid-import:\n" + importer.output());
        assertTrue(Files.exists(marker), "a killed edge leaves its crash marker behind");

        try (ChildEdge restarted = new ChildEdge(serveArgs(data)))
        {
            final int port = restarted.awaitServing(60_000);
            // Killed mid-import: recovered if the importer was inside the map at that instant, else opened as it was.
            assertTrue(restarted.output().contains("was not closed cleanly: "), restarted.output());
            assertEquals(302, status(port, "/c0"), "links loaded before the kill are served");
            assertEquals(404, status(port, "/c" + (lines - 1)), "links after the kill were never loaded");
            restarted.close(); // SIGTERM: the shutdown hook drains and closes the replica
            assertEquals(128 + 15, restarted.process.exitValue(), "stopped by SIGTERM, not killed:\n" + restarted.output());
        }
        assertFalse(Files.exists(marker), "a clean stop clears the crash marker");
        try (EdgeHarness again = new EdgeHarness(data))
        {
            assertFalse(again.node.replica().recoveredFromCrash());
            assertEquals(302, again.get("/c0").status);
        }
    }
}
