package io.bounce.control.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** The {@code sessions} table: signed-in dashboard browsers, by the SHA-256 of their session id (never the id). */
public final class SessionQueries
{
    private SessionQueries()
    {
    }

    /** One session as stored. */
    public record SessionRow(String idHash, long accountId, long passwordStamp, long createdAt, long expiresAt)
    {
    }

    /** Store a new session, and drop every expired one on the way (the index on expires_at makes that cheap). */
    public static void insert(final Connection c, final SessionRow row) throws SQLException
    {
        final PreparedStatement expired = Queries.prepare(c, "DELETE FROM sessions WHERE expires_at <= ?");
        expired.setLong(1, row.createdAt());
        expired.executeUpdate();
        final PreparedStatement ps = Queries.prepare(c,
            "INSERT INTO sessions (id_hash, account_id, password_stamp, created_at, expires_at) VALUES (?, ?, ?, ?, ?)");
        ps.setString(1, row.idHash());
        ps.setLong(2, row.accountId());
        ps.setLong(3, row.passwordStamp());
        ps.setLong(4, row.createdAt());
        ps.setLong(5, row.expiresAt());
        ps.executeUpdate();
    }

    /** @return the session, or null. */
    public static SessionRow find(final Connection c, final String idHash) throws SQLException
    {
        final PreparedStatement ps = Queries.prepare(c,
            "SELECT id_hash, account_id, password_stamp, created_at, expires_at FROM sessions WHERE id_hash = ?");
        ps.setString(1, idHash);
        try (ResultSet rs = ps.executeQuery())
        {
            return rs.next() ? new SessionRow(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5)) : null;
        }
    }

    public static void delete(final Connection c, final String idHash) throws SQLException
    {
        final PreparedStatement ps = Queries.prepare(c, "DELETE FROM sessions WHERE id_hash = ?");
        ps.setString(1, idHash);
        ps.executeUpdate();
    }
}
