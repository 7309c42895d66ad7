package io.bounce.control;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which store the harness's control planes use in this test run: SQLite, or PostgreSQL in the second run. */
class StoreKindTest
{
    @TempDir
    Path dir;

    @Test
    void theHarnessStoresWhereThisRunSays() throws Exception
    {
        try (ControlPlaneHarness cp = new ControlPlaneHarness(dir.resolve("data")))
        {
            assertEquals(SharedPostgres.ON, cp.node.database().postgres(), "bounce.test.store=" + System.getProperty("bounce.test.store"));
            assertEquals(SharedPostgres.ON ? "jdbc:postgresql:" : "/", cp.node.database().describe().substring(0, SharedPostgres.ON ? 16 : 1));
        }
    }
}
