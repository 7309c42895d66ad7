package io.bounce.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import io.bounce.bench.RegionLoss;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The centre loses its region under load and the service carries on (io.bounce.bench.RegionLoss, which bench/bin/region-loss
 * runs ten times for the figures): region A's control plane and PostgreSQL primary are SIGKILLed while 16 clients create
 * links and the edges serve redirects; {@code bounce failover} promotes region B's synchronous standby; writes resume on B.
 */
class RegionLossSystemTest
{
    @TempDir
    Path dir;

    @Test
    void everyAcknowledgedCreateSurvivesTheRegionAndTheEdgesServeThroughoutWithoutBootstrappingAgain() throws Exception
    {
        final RegionLoss.Result result = RegionLoss.run(dir, 16, System.out);
        System.out.println("region loss: " + result);
        assertTrue(result.acknowledged() > 0, result.toString());
        assertEquals(0, result.lost(), "every create that got a 201 exists on B: " + result);
        assertTrue(result.redirects() > 0, result.toString());
        assertEquals(0, result.failedRedirects(), "the edges served every redirect throughout: " + result);
        assertEquals(0, result.rebootstraps(), "the edges resumed from their own sequence on B: " + result);
        assertTrue(result.newLinkReachedEdges(), "a link made on B after the failover reached both edges: " + result);
        assertTrue(result.logDense(), "B's change log is dense: " + result);
    }
}
