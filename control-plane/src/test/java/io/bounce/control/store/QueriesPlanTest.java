package io.bounce.control.store;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The queries on every create's path use the index meant for them (SQLite's plan, read from SQLite itself). */
class QueriesPlanTest
{
    @TempDir
    Path dir;

    @Test
    void findingACodeIgnoringCaseUsesTheFoldedIndexNotAScanOfTheDomain() throws Exception
    {
        final Database database = Database.open(dir);
        try (Connection c = database.openReader();
            PreparedStatement ps = c.prepareStatement("EXPLAIN QUERY PLAN " + Queries.FIND_CODE_IGNORING_CASE))
        {
            ps.setString(1, "bnc.test");
            ps.setString(2, "Promo");
            final StringBuilder plan = new StringBuilder();
            try (ResultSet rs = ps.executeQuery())
            {
                while (rs.next())
                {
                    plan.append(rs.getString("detail")).append('\n');
                }
            }
            assertTrue(plan.toString().contains("links_by_folded_code"), plan.toString());
        }
    }
}
