package io.bounce.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import io.bounce.runtime.testing.Postgres;
import org.junit.jupiter.api.Test;

/**
 * The ground the PostgreSQL store will stand on, as the tests will run it: a real PostgreSQL 15 primary and a
 * synchronous streaming standby made with {@code pg_basebackup -R}, both started by the test as an unprivileged
 * user. Every commit acknowledged by the primary is on the standby; with the primary SIGKILLed, the standby is
 * promoted and takes writes, and has every acknowledged row.
 */
class PostgresStandbyTest
{
    @Test
    void everyAcknowledgedCommitSurvivesThePrimarysLossOnThePromotedStandby() throws Exception
    {
        try (Postgres primary = Postgres.primary(); Postgres standby = primary.standby("region_b", true))
        {
            try (Connection db = connect(primary); Statement statement = db.createStatement())
            {
                statement.execute("CREATE TABLE acknowledged (id BIGINT PRIMARY KEY)");
                try (PreparedStatement insert = db.prepareStatement("INSERT INTO acknowledged (id) VALUES (?)"))
                {
                    for (long id = 1; id <= 200; id++)
                    {
                        insert.setLong(1, id);
                        insert.executeUpdate(); // autocommit: each returns once the standby has the commit on disk
                    }
                }
            }
            assertEquals("region_b|sync", primary.sql("SELECT application_name, sync_state FROM pg_stat_replication").replace("\n", ""));

            primary.kill();
            standby.promote();
            try (Connection db = connect(standby); Statement statement = db.createStatement())
            {
                assertEquals(200, count(statement), "every acknowledged commit is on the promoted standby");
                statement.execute("INSERT INTO acknowledged (id) VALUES (201)");
                assertEquals(201, count(statement), "and it takes writes");
            }
            assertThrows(SQLException.class, () -> connect(primary), "the old primary is gone");
        }
    }

    private static Connection connect(final Postgres server) throws SQLException
    {
        return DriverManager.getConnection(server.jdbcUrl(), Postgres.USER, server.password());
    }

    private static long count(final Statement statement) throws SQLException
    {
        try (ResultSet rs = statement.executeQuery("SELECT COUNT(*) FROM acknowledged"))
        {
            rs.next();
            return rs.getLong(1);
        }
    }
}
