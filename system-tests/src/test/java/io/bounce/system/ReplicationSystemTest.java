package io.bounce.system;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.bounce.control.ControlPlaneNode;
import io.bounce.control.store.LinkRow;
import io.bounce.control.store.LinkQueries;
import io.bounce.edge.EdgeNode;
import io.bounce.replication.log.ProtocolException;
import io.bounce.replication.log.ReplicationFormat;
import net.jpountz.lz4.LZ4FrameOutputStream;
import org.agrona.concurrent.CachedEpochClock;
import org.agrona.concurrent.SystemEpochClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static io.bounce.system.Stack.api;
import static io.bounce.system.Stack.await;
import static io.bounce.system.Stack.base;
import static io.bounce.system.Stack.redirect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A real control plane and real edges on loopback: every change reaches every edge, through faults. */
class ReplicationSystemTest
{
    private static final long WAIT_MS = 20_000;

    @TempDir
    Path dir;

    @Test
    void everyKindOfChangeReachesTwoEdges() throws Exception
    {
        final CachedEpochClock edgeClock = new CachedEpochClock();
        edgeClock.update(System.currentTimeMillis());
        try (ControlPlaneNode cp = Stack.controlPlane(dir.resolve("cp"));
            EdgeNode a = Stack.edge(dir.resolve("a"), base(cp), cp.replicationToken(), edgeClock);
            EdgeNode b = Stack.edge(dir.resolve("b"), base(cp), cp.replicationToken(), edgeClock))
        {
            final String code = api(cp, "POST", "/api/v1/links", "{\"url\":\"https://example.com/first\"}").get("code").asText();
            awaitBoth(a, b, code, "302 https://example.com/first");

            api(cp, "PATCH", "/api/v1/links/" + code, "{\"url\":\"https://example.com/edited\"}");
            awaitBoth(a, b, code, "302 https://example.com/edited");

            final Instant expiry = Instant.now().plusSeconds(3600);
            api(cp, "PATCH", "/api/v1/links/" + code, "{\"expiresAt\":\"" + expiry + "\"}");
            await("expiry on both edges", WAIT_MS, () -> expiresAt(a, code) == expiry.toEpochMilli() &&
                expiresAt(b, code) == expiry.toEpochMilli());
            edgeClock.update(expiry.toEpochMilli() + 1);
            assertEquals("410 ", redirect(a, code));
            assertEquals("410 ", redirect(b, code));
            edgeClock.update(System.currentTimeMillis());

            final String other = api(cp, "POST", "/api/v1/links", "{\"url\":\"https://example.com/other\",\"redirect\":301}").get("code").asText();
            awaitBoth(a, b, other, "302 https://example.com/other"); // a 301 is served as 302 while its destination may change
            edgeClock.update(System.currentTimeMillis() + 3_600_000);
            awaitBoth(a, b, other, "301 https://example.com/other");
            edgeClock.update(System.currentTimeMillis());
            api(cp, "POST", "/api/v1/links/" + other + "/takedown", "{\"reason\":\"phishing\"}");
            awaitBoth(a, b, other, "451 ");

            final String doomed = api(cp, "POST", "/api/v1/links", "{\"url\":\"https://example.com/doomed\"}").get("code").asText();
            awaitBoth(a, b, doomed, "302 https://example.com/doomed");
            api(cp, "DELETE", "/api/v1/links/" + doomed, null);
            awaitBoth(a, b, doomed, "410 ");

            assertEquals(cp.changeLogHead(), a.replica().appliedSequence());
            assertEquals(cp.changeLogHead(), b.replica().appliedSequence());
        }
    }

    @Test
    void edgesServeEveryLinkThroughAControlPlaneOutageAndCatchUpAfter() throws Exception
    {
        final Path cpDir = dir.resolve("cp");
        ControlPlaneNode cp = Stack.controlPlane(cpDir);
        final int port = cp.address().getPort();
        final String token = cp.replicationToken();
        try (EdgeNode a = Stack.edge(dir.resolve("a"), base(cp), token, SystemEpochClock.INSTANCE);
            EdgeNode b = Stack.edge(dir.resolve("b"), base(cp), token, SystemEpochClock.INSTANCE))
        {
            final List<String> codes = createBulk(cp, 300, "https://example.com/outage/");
            final long head = cp.changeLogHead();
            await("both edges at the head", WAIT_MS, () -> a.replica().appliedSequence() == head && b.replica().appliedSequence() == head);

            cp.close();
            // Load on both edges while the centre is down: every answer must be the right redirect.
            final ExecutorService load = Executors.newFixedThreadPool(4);
            final AtomicLong answered = new AtomicLong();
            final List<Future<Integer>> errors = new ArrayList<>();
            for (int t = 0; t < 4; t++)
            {
                final EdgeNode edge = t % 2 == 0 ? a : b;
                errors.add(load.submit(() ->
                {
                    int wrong = 0;
                    for (int round = 0; round < 3; round++)
                    {
                        for (int i = 0; i < codes.size(); i++)
                        {
                            if (!redirect(edge, codes.get(i)).equals("302 https://example.com/outage/" + i))
                            {
                                wrong++;
                            }
                            answered.incrementAndGet();
                        }
                    }
                    return wrong;
                }));
            }
            int wrong = 0;
            for (final Future<Integer> f : errors)
            {
                wrong += f.get();
            }
            load.shutdown();
            assertEquals(0, wrong, "wrong or failed answers while the control plane was down");
            assertEquals(4 * 3 * codes.size(), answered.get());
            await("edge a notices the control plane is gone", WAIT_MS, () -> !a.replication().connected());

            cp = Stack.controlPlane(cpDir, "--port", Integer.toString(port));
            final String late = api(cp, "POST", "/api/v1/links", "{\"url\":\"https://example.com/late\"}").get("code").asText();
            awaitBoth(a, b, late, "302 https://example.com/late");
            assertTrue(a.replication().reconnects() > 0);
        }
        finally
        {
            cp.close();
        }
    }

    @Test
    void aStreamCutMidRecordAppliesNothingTornAndTheFollowerRecovers() throws Exception
    {
        try (ControlPlaneNode cp = Stack.controlPlane(dir.resolve("cp")))
        {
            api(cp, "POST", "/api/v1/links", "{\"url\":\"https://example.com/seed\"}");
            try (EdgeNode edge = Stack.edge(dir.resolve("e"), base(cp), cp.replicationToken(), SystemEpochClock.INSTANCE))
            {
                await("seeded", WAIT_MS, () -> edge.replica().appliedSequence() == cp.changeLogHead());
            }
            createBulk(cp, 500, "https://example.com/a-longer-destination-so-records-span-bytes/");
            // Two log streams cut 5,000 bytes in: mid-frame (frames are ~130 bytes), inside chunked HTTP.
            try (FaultyProxy proxy = new FaultyProxy(cp.address(), 5_000, 2, null);
                EdgeNode edge = Stack.edge(dir.resolve("e"), proxy.url(), cp.replicationToken(), SystemEpochClock.INSTANCE))
            {
                await("caught up through the cuts", WAIT_MS, () -> edge.replica().appliedSequence() == cp.changeLogHead());
                assertEquals(2, proxy.cutsDone.get());
                assertTrue(edge.replication().reconnects() >= 2);
                assertReplicaMatchesStore(cp, edge);
            }
        }
    }

    @Test
    void aCorruptedRecordFailsItsChecksumIsCountedAndNeverApplied() throws Exception
    {
        try (ControlPlaneNode cp = Stack.controlPlane(dir.resolve("cp")))
        {
            api(cp, "POST", "/api/v1/links", "{\"url\":\"https://example.com/seed\"}");
            try (EdgeNode edge = Stack.edge(dir.resolve("e"), base(cp), cp.replicationToken(), SystemEpochClock.INSTANCE))
            {
                await("seeded", WAIT_MS, () -> edge.replica().appliedSequence() == cp.changeLogHead());
            }
            createBulk(cp, 200, "https://example.com/corrupt-me/");
            try (FaultyProxy proxy = new FaultyProxy(cp.address(), 0, 0, "corrupt-me".getBytes(StandardCharsets.US_ASCII));
                EdgeNode edge = Stack.edge(dir.resolve("e"), proxy.url(), cp.replicationToken(), SystemEpochClock.INSTANCE))
            {
                await("caught up past the corruption", WAIT_MS, () -> edge.replica().appliedSequence() == cp.changeLogHead());
                assertTrue(proxy.corrupted());
                assertEquals(1, edge.replication().protocolErrors(ProtocolException.Reason.CHECKSUM));
                assertEquals(1, Stack.sample(Stack.metrics(edge), "bounce_replication_checksum_failures_total"));
                assertReplicaMatchesStore(cp, edge);
            }
        }
    }

    @Test
    void aFollowerBehindTheRetainedLogIsAnswered410AndBootstrapsAgain() throws Exception
    {
        try (ControlPlaneNode cp = Stack.controlPlane(dir.resolve("cp"), "--log-retention-records", "10"))
        {
            api(cp, "POST", "/api/v1/links", "{\"url\":\"https://example.com/seed\"}");
            try (EdgeNode edge = Stack.edge(dir.resolve("e"), base(cp), cp.replicationToken(), SystemEpochClock.INSTANCE))
            {
                await("seeded", WAIT_MS, () -> edge.replica().appliedSequence() == cp.changeLogHead());
            }
            final List<String> codes = createBulk(cp, 100, "https://example.com/gone/");
            final String deleted = codes.get(7);
            api(cp, "DELETE", "/api/v1/links/" + deleted, null);
            assertTrue(cp.compactLog() > 0);
            try (EdgeNode edge = Stack.edge(dir.resolve("e"), base(cp), cp.replicationToken(), SystemEpochClock.INSTANCE))
            {
                await("re-bootstrapped", WAIT_MS, () -> edge.replication().bootstraps() == 1);
                assertEquals(cp.changeLogHead(), edge.replica().appliedSequence());
                assertEquals(1, Stack.sample(Stack.metrics(edge), "bounce_replication_gone_total"));
                assertEquals("302 https://example.com/gone/3", redirect(edge, codes.get(3)));
                assertEquals("410 ", redirect(edge, deleted), "a snapshot carries tombstones");
                assertReplicaMatchesStore(cp, edge);
            }
        }
    }

    /**
     * The store's history id: a follower resumes from its own sequence on the same store, restarted; it bootstraps
     * afresh from a leader whose store is another history, even one whose log is long enough to tail from that sequence
     * (another cluster), and from a store restored from a backup and started with --new-history. (It found that a second
     * snapshot load in one process wrote into the live map: Chronicle keeps open files by path.)
     */
    @Test
    void aFollowerResumesOnItsOwnHistoryAndBootstrapsAfreshOnAnother() throws Exception
    {
        final String token = "a-replication-token-shared-by-both";
        ControlPlaneNode cp = Stack.controlPlane(dir.resolve("a"), "--replication-token", token);
        final int port = cp.address().getPort();
        final String[] same = {"--replication-token", token, "--port", Integer.toString(port)};
        try (EdgeNode edge = Stack.edge(dir.resolve("e"), base(cp), token, SystemEpochClock.INSTANCE))
        {
            final List<String> first = createBulk(cp, 3, "https://example.com/a/");
            final ControlPlaneNode a = cp;
            await("edge has a's links", WAIT_MS, () -> edge.replica().appliedSequence() == a.changeLogHead());
            assertEquals(1, edge.replication().bootstraps());

            // The same store restarted: the same history, so the edge resumes where it was.
            cp.close();
            cp = Stack.controlPlane(dir.resolve("a"), same);
            final String later = createBulk(cp, 1, "https://example.com/a-later/").get(0);
            final ControlPlaneNode restarted = cp;
            await("edge has a's later link", WAIT_MS, () -> edge.replica().appliedSequence() == restarted.changeLogHead());
            assertEquals("302 https://example.com/a-later/0", redirect(edge, later));
            assertEquals(1, edge.replication().bootstraps(), "resumed, not bootstrapped");
            assertEquals(0, edge.replication().historyChanges());

            // Another store on the same address with a longer log: the edge's next sequence exists there, and means nothing.
            cp.close();
            cp = Stack.controlPlane(dir.resolve("b"), same);
            final List<String> other = createBulk(cp, 20, "https://example.com/b/");
            final ControlPlaneNode b = cp;
            assertTrue(b.changeLogHead() > edge.replica().appliedSequence());
            await("edge bootstrapped from b", WAIT_MS, () -> edge.replication().bootstraps() == 2);
            await("edge has b's links", WAIT_MS, () -> edge.replica().appliedSequence() == b.changeLogHead());
            assertEquals(1, edge.replication().historyChanges());
            assertEquals("302 https://example.com/b/5", redirect(edge, other.get(5)));
            assertEquals("404 ", redirect(edge, first.get(0)), "nothing of a's history is left: the snapshot replaced the map whole");
            assertReplicaMatchesStore(cp, edge);

            // b again, as if restored from a backup: --new-history tells every edge to start afresh, although the edge's
            // next sequence is the restored log's next too.
            cp.close();
            cp = Stack.controlPlane(dir.resolve("b"), "--replication-token", token, "--port", Integer.toString(port), "--new-history");
            await("edge bootstrapped from the restored b", WAIT_MS, () -> edge.replication().bootstraps() == 3);
            assertEquals(2, edge.replication().historyChanges());
            assertEquals("302 https://example.com/b/5", redirect(edge, other.get(5)));
            assertReplicaMatchesStore(cp, edge);
        }
        finally
        {
            cp.close();
        }
    }

    @Test
    void aWrongTokenIsRefusedAndCounted() throws Exception
    {
        try (ControlPlaneNode cp = Stack.controlPlane(dir.resolve("cp"));
            EdgeNode edge = Stack.edge(dir.resolve("e"), base(cp), "not-the-token-at-all", SystemEpochClock.INSTANCE))
        {
            await("refusal counted", WAIT_MS, () -> edge.replication().reconnects() > 0);
            assertTrue(Stack.sample(Stack.metrics(edge), "bounce_replication_unauthorized_total") >= 1);
            assertEquals(503, Stack.call("GET", "http://127.0.0.1:" + edge.adminAddress().getPort() + "/readyz", null, null).statusCode());
            assertEquals(401, Stack.call("GET", base(cp) + ReplicationFormat.PATH_LOG + "?from=1", "wrong", null).statusCode());
        }
    }

    @Test
    void aNewerFormatVersionIsRefusedClearlyAndTheReplicaKeepsServing() throws Exception
    {
        // A leader from the future: a snapshot whose stream header says version 4.
        final HttpServer leader = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        leader.createContext(ReplicationFormat.PATH_SNAPSHOT, exchange ->
        {
            final ByteArrayOutputStream body = new ByteArrayOutputStream();
            try (LZ4FrameOutputStream lz4 = new LZ4FrameOutputStream(body))
            {
                final byte[] header = ReplicationFormat.streamHeader(ReplicationFormat.KIND_SNAPSHOT, 42);
                header[4] = 4;
                lz4.write(header);
                lz4.write(new byte[64]); // whatever version 4 carries: must never be read as version 3
            }
            exchange.sendResponseHeaders(200, body.size());
            exchange.getResponseBody().write(body.toByteArray());
            exchange.close();
        });
        leader.start();
        final Path imported = dir.resolve("links.tsv");
        Files.writeString(imported, "kept\thttps://example.com/kept\n");
        try (EdgeNode edge = Stack.edge(dir.resolve("e"), "http://127.0.0.1:" + leader.getAddress().getPort(),
            "a-token-of-sixteen", SystemEpochClock.INSTANCE, "--import", imported.toString()))
        {
            await("version refusal counted", WAIT_MS, () -> edge.replication().protocolErrors(ProtocolException.Reason.VERSION) >= 2);
            assertEquals(0, edge.replication().bootstraps());
            assertEquals("302 https://example.com/kept", redirect(edge, "kept"));
            assertTrue(Stack.metrics(edge).contains("bounce_replication_protocol_errors_total{reason=\"version\"}"));
        }
        finally
        {
            leader.stop(0);
        }
    }

    static List<String> createBulk(final ControlPlaneNode cp, final int count, final String urlPrefix) throws Exception
    {
        final List<String> codes = new ArrayList<>();
        for (int start = 0; start < count; start += 1000)
        {
            final StringBuilder body = new StringBuilder("{\"links\":[");
            for (int i = start; i < Math.min(count, start + 1000); i++)
            {
                body.append(i == start ? "" : ",").append("{\"url\":\"").append(urlPrefix).append(i).append("\"}");
            }
            body.append("]}");
            final JsonNode answer = api(cp, "POST", "/api/v1/links/bulk", body.toString());
            for (final JsonNode item : answer.get("results"))
            {
                codes.add(item.get("link").get("code").asText());
            }
        }
        return codes;
    }

    /** Every link the store holds is in the replica, byte for byte the record the store would send. */
    static void assertReplicaMatchesStore(final ControlPlaneNode cp, final EdgeNode edge) throws Exception
    {
        final List<LinkRow> rows = new ArrayList<>();
        try (java.sql.Connection c = cp.database().openReader())
        {
            LinkQueries.scanLinks(c, rows::add);
        }
        for (final LinkRow row : rows)
        {
            assertEquals(row.toRecord(), edge.replica().get(row.domain, row.code), "replica record for " + row.code);
        }
        assertEquals(rows.size(), edge.replica().linkCount());
    }

    private static long expiresAt(final EdgeNode edge, final String code)
    {
        final io.bounce.replication.link.LinkRecord record = edge.replica().get("localhost", code);
        return record == null ? -1 : record.expiresAtMs();
    }

    private static void awaitBoth(final EdgeNode a, final EdgeNode b, final String code, final String expected) throws InterruptedException
    {
        await(code + " answering '" + expected + "' on both edges", WAIT_MS, () ->
        {
            try
            {
                return redirect(a, code).equals(expected) && redirect(b, code).equals(expected);
            }
            catch (final Exception ex)
            {
                throw new IllegalStateException(ex);
            }
        });
    }
}
