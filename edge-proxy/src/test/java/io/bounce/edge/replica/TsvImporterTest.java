package io.bounce.edge.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import io.bounce.replication.link.LinkRecord;
import org.agrona.concurrent.CachedEpochClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TsvImporterTest
{
    @TempDir
    Path dir;

    @Test
    void shouldLoadGoodLinesAndReportEachBadLineByNumberWithItsReason() throws Exception
    {
        final Path tsv = dir.resolve("links.tsv");
        Files.writeString(tsv, String.join("\n",
            "# a comment",
            "ok1\thttps://example.com/a",
            "ok2\thttps://example.com/b\t301\tgo.brand.test",
            "",
            "bad code\thttps://example.com/",
            "ok3\tjavascript:alert(1)",
            "ok4\thttps://example.com/\t303",
            "ok5\thttps://example.com/\t302\tBAD_DOMAIN",
            "only-one-field",
            "ok6\thttps://example.com/" + "x".repeat(TsvImporter.MAX_LINE_BYTES),
            "ok7\thttps://example.com/crlf\r",
            "ok8\thttps://example.com/last-line-without-newline"));
        final ByteArrayOutputStream report = new ByteArrayOutputStream();
        final CachedEpochClock clock = new CachedEpochClock();
        clock.update(1_000);
        try (LinkReplica replica = LinkReplica.open(dir.resolve("data"), 1000, 100))
        {
            final TsvImporter.Result result = new TsvImporter(
                replica, "bnc.test", clock, new PrintStream(report, true, StandardCharsets.UTF_8)).importFile(tsv);
            final String text = report.toString(StandardCharsets.UTF_8);
            assertEquals(4, result.loaded, text);
            assertEquals(6, result.rejected, text);
            assertTrue(text.contains("line 5 rejected: bad code"), text);
            assertTrue(text.contains("line 6 rejected: bad url: url must be absolute http or https"), text);
            assertTrue(text.contains("line 7 rejected: bad status: '303'"), text);
            assertTrue(text.contains("line 8 rejected: bad domain"), text);
            assertTrue(text.contains("line 9 rejected: expected code<TAB>url"), text);
            assertTrue(text.contains("line 10 rejected: line is longer than"), text);

            final LinkRecord ok1 = replica.get("bnc.test", "ok1");
            assertEquals(new LinkRecord("bnc.test", "ok1", "https://example.com/a", 302, 1_000, 1_000, 0, 0, 0), ok1);
            assertEquals(301, replica.get("go.brand.test", "ok2").status());
            assertEquals("https://example.com/crlf", replica.get("bnc.test", "ok7").url());
            assertEquals("https://example.com/last-line-without-newline", replica.get("bnc.test", "ok8").url());
            assertNull(replica.get("bnc.test", "ok2"));
            final byte[] brand = "go.brand.test".getBytes(StandardCharsets.US_ASCII);
            assertTrue(replica.isKnownDomain(brand, 0, brand.length));
        }
    }

    @Test
    void shouldReadEveryColumnOfAnExportedFile() throws Exception
    {
        final Path tsv = dir.resolve("export.tsv");
        Files.writeString(tsv, String.join("\n",
            "code\turl\tredirect\tdomain\tforwardQuery\texpiresAt\tdisabledReason",
            "live\thttps://example.com/a\t308\tbnc.test\ttrue\t\t",
            "soon\thttps://example.com/b\t302\tbnc.test\tfalse\t2030-01-01T00:00:00Z\t",
            "down\thttps://example.com/c\t302\tbnc.test\tfalse\t\tphishing report\\t#42",
            "bad\thttps://example.com/d\t302\tbnc.test\tyes\t\t") + "\n");
        final ByteArrayOutputStream report = new ByteArrayOutputStream();
        final CachedEpochClock clock = new CachedEpochClock();
        try (LinkReplica replica = LinkReplica.open(dir.resolve("data"), 1000, 100))
        {
            final TsvImporter.Result result = new TsvImporter(
                replica, "bnc.test", clock, new PrintStream(report, true, StandardCharsets.UTF_8)).importFile(tsv);
            final String text = report.toString(StandardCharsets.UTF_8);
            assertEquals(3, result.loaded, "the header is neither loaded nor rejected: " + text);
            assertEquals(1, result.rejected, text);
            assertTrue(text.contains("line 5 rejected: bad forwardQuery"), text);
            assertEquals(LinkRecord.FLAG_FORWARD_QUERY, replica.get("bnc.test", "live").flags());
            assertEquals(308, replica.get("bnc.test", "live").status());
            assertEquals(1_893_456_000_000L, replica.get("bnc.test", "soon").expiresAtMs());
            assertEquals(LinkRecord.FLAG_DISABLED, replica.get("bnc.test", "down").flags(), "taken down stays down");
        }
    }

    @Test
    void shouldRefuseASecondOpenOfTheSameDataDir() throws Exception
    {
        try (LinkReplica first = LinkReplica.open(dir, 1000, 100))
        {
            final ReplicaLockedException ex = assertThrows(ReplicaLockedException.class, () -> LinkReplica.open(dir, 1000, 100));
            assertTrue(ex.getMessage().contains("in use by another edge process"), ex.getMessage());
        }
        try (LinkReplica reopened = LinkReplica.open(dir, 1000, 100))
        {
            assertEquals(0, reopened.linkCount());
        }
    }

    @Test
    void shouldPersistTheAppliedSequenceAndKnownDomains() throws Exception
    {
        try (LinkReplica replica = LinkReplica.open(dir, 1000, 100))
        {
            replica.put(new LinkRecord("a.test", "x", "https://e.test", 302, 0, 0, 0, 0, 7));
            replica.checkpoint(7, 0);
        }
        try (LinkReplica replica = LinkReplica.open(dir, 1000, 100))
        {
            assertEquals(7, replica.appliedSequence());
            assertEquals(1, replica.linkCount());
            final byte[] a = "a.test".getBytes(StandardCharsets.US_ASCII);
            assertTrue(replica.isKnownDomain(a, 0, a.length));
        }
    }
}
