package io.bounce.control.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import io.bounce.replication.tls.AcmeChallenge;

/** The SQL of ACME: each domain's issuance state, the account per directory, and the challenges the edges answer. */
public final class AcmeQueries
{
    private static final String STATE_COLUMNS = "SELECT d.name, d.https_mode, d.acme_status, d.acme_detail, d.acme_status_at," +
        " d.acme_next_at, d.acme_failures, d.created_at, (SELECT MIN(c.not_after) FROM certificates c WHERE c.domain = d.name)" +
        " FROM domains d";

    private AcmeQueries()
    {
    }

    /**
     * A domain's HTTPS state as stored.
     *
     * @param mode          {@code manual} (certificates uploaded) or {@code auto} (ACME).
     * @param status        for {@code auto}: pending-dns, issuing, active, renewing or failed; null before the first attempt.
     * @param notAfterMs    the earliest notAfter of its certificates, or 0 with none.
     */
    public record State(String domain, String mode, String status, String detail, long statusAtMs, long nextAtMs, int failures,
        long createdAtMs, long notAfterMs)
    {
        public boolean auto()
        {
            return "auto".equals(mode);
        }
    }

    /** @return the domain's state, or null for no such (live) domain. */
    public static State state(final Connection c, final String domain) throws SQLException
    {
        final PreparedStatement ps = Queries.prepare(c, STATE_COLUMNS + " WHERE d.name = ? AND d.removed_at = 0");
        ps.setString(1, domain);
        final List<State> states = states(ps);
        return states.isEmpty() ? null : states.get(0);
    }

    /** @return the {@code auto} domains due at {@code nowMs} (their next attempt has come), at most {@code limit}. */
    public static List<State> due(final Connection c, final long nowMs, final int limit) throws SQLException
    {
        final PreparedStatement ps = Queries.prepare(c, STATE_COLUMNS +
            " WHERE d.https_mode = 'auto' AND d.removed_at = 0 AND d.acme_next_at <= ? ORDER BY d.acme_next_at LIMIT ?");
        ps.setLong(1, nowMs);
        ps.setInt(2, limit);
        return states(ps);
    }

    /** @return how many {@code auto} domains are in each status (null status counted as issuing), in one list of pairs. */
    public static List<Object[]> countByStatus(final Connection c) throws SQLException
    {
        final PreparedStatement ps = Queries.prepare(c, "SELECT COALESCE(acme_status, 'issuing'), COUNT(*) FROM domains" +
            " WHERE https_mode = 'auto' AND removed_at = 0 GROUP BY 1");
        final List<Object[]> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery())
        {
            while (rs.next())
            {
                out.add(new Object[] {rs.getString(1), rs.getLong(2)});
            }
        }
        return out;
    }

    /** @return certificates of live domains expiring before {@code beforeMs}. */
    public static long countExpiringBefore(final Connection c, final long beforeMs) throws SQLException
    {
        final PreparedStatement ps = Queries.prepare(c, "SELECT COUNT(*) FROM certificates c JOIN domains d ON d.name = c.domain" +
            " WHERE d.removed_at = 0 AND c.not_after < ?");
        ps.setLong(1, beforeMs);
        try (ResultSet rs = ps.executeQuery())
        {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** @return auto domains holding a certificate whose last attempt (a renewal) failed. */
    public static long countFailingRenewals(final Connection c) throws SQLException
    {
        final PreparedStatement ps = Queries.prepare(c, "SELECT COUNT(*) FROM domains d WHERE d.https_mode = 'auto'" +
            " AND d.removed_at = 0 AND d.acme_status = 'failed' AND EXISTS (SELECT 1 FROM certificates c WHERE c.domain = d.name)");
        try (ResultSet rs = ps.executeQuery())
        {
            rs.next();
            return rs.getLong(1);
        }
    }

    public static void setMode(final Connection c, final String domain, final String mode, final long nextAtMs) throws SQLException
    {
        final PreparedStatement ps = Queries.prepare(c, "UPDATE domains SET https_mode = ?, acme_next_at = ? WHERE name = ?");
        ps.setString(1, mode);
        ps.setLong(2, nextAtMs);
        ps.setString(3, domain);
        ps.executeUpdate();
    }

    /** Record where issuance stands and when to look at the domain next. */
    public static void setStatus(final Connection c, final String domain, final String status, final String detail, final long atMs,
        final long nextAtMs, final int failures) throws SQLException
    {
        final PreparedStatement ps = Queries.prepare(c, "UPDATE domains SET acme_status = ?, acme_detail = ?, acme_status_at = ?," +
            " acme_next_at = ?, acme_failures = ? WHERE name = ? AND removed_at = 0");
        ps.setString(1, status);
        ps.setString(2, detail);
        ps.setLong(3, atMs);
        ps.setLong(4, nextAtMs);
        ps.setInt(5, failures);
        ps.setString(6, domain);
        ps.executeUpdate();
    }

    /** Look at the domain next at {@code atMs}, its status as it is. @return false for no such live domain. */
    public static boolean reschedule(final Connection c, final String domain, final long atMs) throws SQLException
    {
        final PreparedStatement ps = Queries.prepare(c, "UPDATE domains SET acme_next_at = ? WHERE name = ? AND removed_at = 0");
        ps.setLong(1, atMs);
        ps.setString(2, domain);
        return ps.executeUpdate() == 1;
    }

    /** Bring the domain's next attempt forward to {@code atMs} (a forced renewal). @return false for no such auto domain. */
    public static boolean dueNow(final Connection c, final String domain, final long atMs) throws SQLException
    {
        final PreparedStatement ps = Queries.prepare(c, "UPDATE domains SET acme_next_at = ?, acme_failures = 0" +
            " WHERE name = ? AND removed_at = 0 AND https_mode = 'auto'");
        ps.setLong(1, atMs);
        ps.setString(2, domain);
        return ps.executeUpdate() == 1;
    }

    /** Make the orders a stop cut short (status issuing or renewing) due at {@code atMs}. @return how many. */
    public static int resumeInterrupted(final Connection c, final long atMs) throws SQLException
    {
        final PreparedStatement ps = Queries.prepare(c, "UPDATE domains SET acme_next_at = ? WHERE https_mode = 'auto'" +
            " AND removed_at = 0 AND acme_status IN ('issuing', 'renewing')");
        ps.setLong(1, atMs);
        return ps.executeUpdate();
    }

    /** Mark a domain removed and drop its certificates and challenge. @return false for no such live domain. */
    public static boolean remove(final Connection c, final String domain, final long atMs) throws SQLException
    {
        final PreparedStatement ps = Queries.prepare(c, "UPDATE domains SET removed_at = ?, seq = 0 WHERE name = ? AND removed_at = 0" +
            " AND is_default = 0");
        ps.setLong(1, atMs);
        ps.setString(2, domain);
        if (ps.executeUpdate() != 1)
        {
            return false;
        }
        for (final String sql : new String[] {"DELETE FROM certificates WHERE domain = ?", "DELETE FROM acme_challenges WHERE domain = ?"})
        {
            final PreparedStatement delete = Queries.prepare(c, sql);
            delete.setString(1, domain);
            delete.executeUpdate();
        }
        return true;
    }

    /** @return live links on the domain (not deleted). */
    public static long countLiveLinks(final Connection c, final String domain) throws SQLException
    {
        final PreparedStatement ps = Queries.prepare(c, "SELECT COUNT(*) FROM links WHERE domain = ? AND deleted_at = 0");
        ps.setString(1, domain);
        try (ResultSet rs = ps.executeQuery())
        {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Store the challenge the change log carries for its domain (an empty token: withdrawn). */
    public static void putChallenge(final Connection c, final AcmeChallenge challenge) throws SQLException
    {
        final PreparedStatement ps = Queries.prepare(c, "INSERT INTO acme_challenges (domain, token, key_authorization, expires_at, seq)" +
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (domain) DO UPDATE SET token = excluded.token," +
            " key_authorization = excluded.key_authorization, expires_at = excluded.expires_at, seq = excluded.seq");
        ps.setString(1, challenge.domain());
        ps.setString(2, challenge.token());
        ps.setString(3, challenge.keyAuthorization());
        ps.setLong(4, challenge.expiresAtMs());
        ps.setLong(5, challenge.sequence());
        ps.executeUpdate();
    }

    /** @return the challenges still live at {@code nowMs}: what a snapshot carries. */
    public static List<AcmeChallenge> liveChallenges(final Connection c, final long nowMs) throws SQLException
    {
        final PreparedStatement ps = Queries.prepare(c, "SELECT seq, domain, token, key_authorization, expires_at FROM acme_challenges" +
            " WHERE token <> '' AND expires_at > ? ORDER BY domain");
        ps.setLong(1, nowMs);
        final List<AcmeChallenge> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery())
        {
            while (rs.next())
            {
                out.add(new AcmeChallenge(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5)));
            }
        }
        return out;
    }

    /** The account for a directory: its location (null until registered) and its sealed key; null when none yet. */
    public record Account(String location, byte[] sealedKey)
    {
    }

    public static Account account(final Connection c, final String directory) throws SQLException
    {
        final PreparedStatement ps = Queries.prepare(c, "SELECT location, sealed_key FROM acme_accounts WHERE directory = ?");
        ps.setString(1, directory);
        try (ResultSet rs = ps.executeQuery())
        {
            return rs.next() ? new Account(rs.getString(1), rs.getBytes(2)) : null;
        }
    }

    public static void putAccount(final Connection c, final String directory, final Account account, final long now) throws SQLException
    {
        final PreparedStatement ps = Queries.prepare(c, "INSERT INTO acme_accounts (directory, location, sealed_key, created_at)" +
            " VALUES (?, ?, ?, ?) ON CONFLICT (directory) DO UPDATE SET location = excluded.location, sealed_key = excluded.sealed_key");
        ps.setString(1, directory);
        ps.setString(2, account.location());
        ps.setBytes(3, account.sealedKey());
        ps.setLong(4, now);
        ps.executeUpdate();
    }

    private static List<State> states(final PreparedStatement ps) throws SQLException
    {
        try (ResultSet rs = ps.executeQuery())
        {
            final List<State> out = new ArrayList<>();
            while (rs.next())
            {
                out.add(new State(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5), rs.getLong(6),
                    rs.getInt(7), rs.getLong(8), rs.getLong(9)));
            }
            return out;
        }
    }
}
