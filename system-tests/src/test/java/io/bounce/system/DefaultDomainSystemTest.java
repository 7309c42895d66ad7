package io.bounce.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import io.bounce.control.ControlPlaneNode;
import io.bounce.edge.EdgeNode;
import org.agrona.concurrent.SystemEpochClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An edge whose --default-domain no link belongs to says so, in its log and in a metric, instead of 404ing in silence. */
class DefaultDomainSystemTest
{
    private static final long WAIT_MS = 30_000;

    @TempDir
    Path dir;

    @Test
    void anEdgeWhoseDefaultDomainMatchesNoLinkWarnsAfterItsSnapshotAndSaysSoInAMetric() throws Exception
    {
        final PrintStream stderr = System.err;
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try (ControlPlaneNode cp = Stack.controlPlane(dir.resolve("cp")))
        {
            assertEquals(201, Stack.call("POST", Stack.base(cp) + "/api/v1/links", Stack.adminKey(cp),
                "{\"url\":\"https://example.com/x\",\"alias\":\"hello\"}").statusCode());
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            try (EdgeNode wrong = Stack.edge(dir.resolve("wrong"), Stack.base(cp), cp.replicationToken(), SystemEpochClock.INSTANCE,
                "--default-domain", "bnc.example");
                EdgeNode right = Stack.edge(dir.resolve("right"), Stack.base(cp), cp.replicationToken(), SystemEpochClock.INSTANCE))
            {
                Stack.await("the wrong edge says so", WAIT_MS, () -> Stack.sample(wrong, "bounce_edge_default_domain_unknown") == 1);
                Stack.await("the right edge has the link", WAIT_MS, () ->
                    Stack.sample(right, "bounce_edge_replica_entries") >= 1);
                assertEquals(0, Stack.sample(right, "bounce_edge_default_domain_unknown"));
            }
            finally
            {
                io.bounce.runtime.log.LogOutput.flush(); // lines are written by a background thread
                System.setErr(stderr);
            }
        }
        final String log = captured.toString(StandardCharsets.UTF_8);
        assertTrue(log.contains("--default-domain bnc.example is not a domain any link belongs to (after a snapshot: localhost)"), log);
        assertTrue(!log.contains("--default-domain localhost is not"), "the edge whose default domain is right is quiet:\n" + log);
    }
}
