package io.bounce.system;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.bounce.control.ControlPlaneNode;
import io.bounce.control.store.LinkRow;
import io.bounce.control.store.LinkQueries;
import io.bounce.edge.replica.LinkReplica;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static io.bounce.system.Stack.api;
import static io.bounce.system.Stack.base;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Edges in child JVMs, killed with SIGKILL while they apply the log. */
class EdgeKillSystemTest
{
    private static final long WAIT_MS = 60_000;

    @TempDir
    Path dir;

    @Test
    void resumesFromThePersistedSequenceAfterSigkillMidBatchWithoutAMissedOrDoubledChange() throws Exception
    {
        try (ControlPlaneNode cp = Stack.controlPlane(dir.resolve("cp")))
        {
            api(cp, "POST", "/api/v1/links", "{\"url\":\"https://example.com/seed\"}");
            final long seeded = cp.changeLogHead(); // the seed, after the first start's TLS change (the default domain's policy)
            final String[] args = Stack.edgeArgs(dir.resolve("edge"), base(cp), cp.replicationToken()).toArray(new String[0]);
            try (ChildEdge edge = new ChildEdge(args).awaitFollowing(WAIT_MS))
            {
                awaitApplied(edge, seeded);
                edge.kill();
            }

            // A large batch waits for the edge: 40 bulk transactions of 1,000 links.
            ReplicationSystemTest.createBulk(cp, 40_000, "https://example.com/batch/");
            final long head = cp.changeLogHead();

            long appliedWhenKilled;
            try (ChildEdge edge = new ChildEdge(args).awaitFollowing(WAIT_MS))
            {
                assertEquals(seeded, edge.followingFrom);
                // Kill it as soon as it is seen part-way through the batch.
                long applied;
                do
                {
                    applied = applied(edge);
                }
                while (applied < head / 4 && edge.process.isAlive());
                edge.kill();
                appliedWhenKilled = applied;
                System.out.println("edge killed at applied sequence " + applied + " of " + head);
            }
            assertTrue(appliedWhenKilled < head, "killed before the end of the batch (at " + appliedWhenKilled + " of " + head + ")");

            try (ChildEdge edge = new ChildEdge(args).awaitFollowing(WAIT_MS))
            {
                final long resumedFrom = edge.followingFrom;
                assertTrue(resumedFrom >= 1 && resumedFrom <= head, "resumed from its persisted sequence " + resumedFrom);
                awaitApplied(edge, head);
                final String metrics = scrape(edge);
                // Every change after the persisted sequence came exactly once: none missed, none twice.
                assertEquals(head - resumedFrom, Stack.sample(metrics, "bounce_replication_records_applied_total"));
                assertEquals(0, Stack.sample(metrics, "bounce_replication_checksum_failures_total"));
                assertTrue(edge.output().contains("was not closed cleanly: "), edge.output());
                edge.close(); // SIGTERM: a clean close, so this test can open the replica
            }

            final List<LinkRow> rows = new ArrayList<>();
            try (java.sql.Connection c = cp.database().openReader())
            {
                LinkQueries.scanLinks(c, rows::add);
            }
            try (LinkReplica replica = LinkReplica.open(dir.resolve("edge"), 100_000, 64))
            {
                assertEquals(head, replica.appliedSequence());
                assertEquals(rows.size(), replica.linkCount());
                for (final LinkRow row : rows)
                {
                    assertEquals(row.toRecord(), replica.get(row.domain, row.code));
                }
            }
        }
    }

    private static long applied(final ChildEdge edge) throws Exception
    {
        return Stack.sample(scrape(edge), "bounce_replication_applied_sequence");
    }

    private static String scrape(final ChildEdge edge) throws Exception
    {
        return Stack.call("GET", "http://127.0.0.1:" + edge.adminPort + "/metrics", null, null).body();
    }

    private static void awaitApplied(final ChildEdge edge, final long sequence) throws Exception
    {
        final long deadline = System.nanoTime() + WAIT_MS * 1_000_000L;
        while (applied(edge) < sequence)
        {
            if (System.nanoTime() > deadline || !edge.process.isAlive())
            {
                throw new AssertionError("edge did not reach sequence " + sequence + "; output:\n" + edge.output());
            }
            Thread.sleep(10);
        }
    }
}
