package io.bounce.control.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

import org.agrona.CloseHelper;

/**
 * Every SQL statement the control plane runs, each taking the connection to run on, so the same
 * query serves the writer's transaction and a reader. Plain SQL that PostgreSQL also accepts
 * ({@code ON CONFLICT DO NOTHING}, no SQLite-only functions).
 */
public final class Queries
{

    /**
     * Prepared statements per connection, kept open for the connection's life: preparing was a fifth of
     * the writer's time in the bulk-import profile. A connection is only ever used by one thread at a
     * time (the writer, or one reader), so each connection's own map needs no locking.
     */
    private static final Map<Connection, Map<String, PreparedStatement>> STATEMENTS =
        Collections.synchronizedMap(new WeakHashMap<>());

    private Queries()
    {
    }

    static PreparedStatement prepare(final Connection c, final String sql) throws SQLException
    {
        final Map<String, PreparedStatement> cache = STATEMENTS.computeIfAbsent(c, k -> new HashMap<>());
        PreparedStatement ps = cache.get(sql);
        if (ps == null || ps.isClosed())
        {
            ps = c.prepareStatement(sql);
            cache.put(sql, ps);
        }
        ps.clearParameters();
        return ps;
    }

    /** Close and forget the statements of a connection that is about to close. */
    public static void forget(final Connection c)
    {
        final Map<String, PreparedStatement> cache = STATEMENTS.remove(c);
        if (cache != null)
        {
            for (final PreparedStatement ps : cache.values())
            {
                CloseHelper.quietClose(ps);
            }
        }
    }

    /** @param kind the frame type the record travels in ({@link io.bounce.replication.log.ReplicationFormat#TYPE_RECORD} for a link). */
    /** The change-log append, shared with {@link WriteTxn}'s batched form. */
    static final String INSERT_CHANGE = "INSERT INTO change_log (seq, committed_at, kind, record) VALUES (?, ?, ?, ?)";

    public static void appendChange(final Connection c, final long seq, final long committedAt, final byte kind, final byte[] record)
        throws SQLException
    {
        changeInsert(c, seq, committedAt, kind, record).executeUpdate();
    }

    /** @return the change-log append, prepared with its parameters set. */
    static PreparedStatement changeInsert(final Connection c, final long seq, final long committedAt, final byte kind,
        final byte[] record) throws SQLException
    {
        final PreparedStatement ps = prepare(c, INSERT_CHANGE);
        ps.setLong(1, seq);
        ps.setLong(2, committedAt);
        ps.setInt(3, kind);
        ps.setBytes(4, record);
        return ps;
    }

    /** @return the highest change-log sequence, 0 for an empty log. */
    public static long changeLogHead(final Connection c) throws SQLException
    {
        final PreparedStatement ps = prepare(c, "SELECT COALESCE(MAX(seq), 0) FROM change_log");
        try (ResultSet rs = ps.executeQuery())
        {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** @return the commit time of change {@code seq}, 0 if it is not retained. */
    public static long changeCommittedAt(final Connection c, final long seq) throws SQLException
    {
        final PreparedStatement ps = prepare(c, "SELECT committed_at FROM change_log WHERE seq = ?");
        ps.setLong(1, seq);
        try (ResultSet rs = ps.executeQuery())
        {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    /** @return the oldest retained change-log sequence, 0 for an empty log. */
    public static long changeLogFirst(final Connection c) throws SQLException
    {
        final PreparedStatement ps = prepare(c, "SELECT COALESCE(MIN(seq), 0) FROM change_log");
        try (ResultSet rs = ps.executeQuery())
        {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Receives change-log rows. */
    @FunctionalInterface
    public interface ChangeRow
    {
        void accept(long seq, long committedAt, byte kind, byte[] record) throws java.io.IOException;
    }

    /** Deliver up to {@code limit} changes with sequence {@code >= from}, in order. @return how many. */
    public static int readChanges(final Connection c, final long from, final int limit, final ChangeRow sink)
        throws SQLException, java.io.IOException
    {
        final PreparedStatement ps = prepare(c, "SELECT seq, committed_at, kind, record FROM change_log WHERE seq >= ? ORDER BY seq LIMIT ?");
        ps.setLong(1, from);
        ps.setInt(2, limit);
        int n = 0;
        try (ResultSet rs = ps.executeQuery())
        {
            while (rs.next())
            {
                sink.accept(rs.getLong(1), rs.getLong(2), (byte)rs.getInt(3), rs.getBytes(4));
                n++;
            }
        }
        return n;
    }

    /** @return the lowest sequence committed at or after {@code sinceMs}, or 0 if none was. */
    public static long firstChangeSince(final Connection c, final long sinceMs) throws SQLException
    {
        final PreparedStatement ps = prepare(c, "SELECT seq FROM change_log WHERE committed_at >= ? ORDER BY seq LIMIT 1");
        ps.setLong(1, sinceMs);
        try (ResultSet rs = ps.executeQuery())
        {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    /** Delete change-log rows with sequence below {@code before}. @return rows deleted. */
    public static int deleteChangesBefore(final Connection c, final long before) throws SQLException
    {
        final PreparedStatement ps = prepare(c, "DELETE FROM change_log WHERE seq < ?");
        ps.setLong(1, before);
        return ps.executeUpdate();
    }

    /** @return false if the domain exists (a removed one is added again, with its settings as a new domain's). */
    public static boolean insertDomain(final Connection c, final String name, final boolean isDefault, final long now) throws SQLException
    {
        final PreparedStatement ps = prepare(c,
            "INSERT INTO domains (name, is_default, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET removed_at = 0," +
            " created_at = excluded.created_at, https_only = 0, hsts_max_age = 31536000, hsts_include_subdomains = 0, hsts_preload = 0," +
            " https_mode = 'manual', acme_status = NULL, acme_detail = NULL, acme_status_at = 0, acme_next_at = 0, acme_failures = 0" +
            " WHERE domains.removed_at <> 0");
        ps.setString(1, name);
        ps.setInt(2, isDefault ? 1 : 0);
        ps.setLong(3, now);
        return ps.executeUpdate() == 1;
    }

    public static List<String> listDomains(final Connection c) throws SQLException
    {
        final PreparedStatement ps = prepare(c, "SELECT name FROM domains WHERE removed_at = 0 ORDER BY is_default DESC, name");
        try (ResultSet rs = ps.executeQuery())
        {
            final List<String> names = new ArrayList<>();
            while (rs.next())
            {
                names.add(rs.getString(1));
            }
            return names;
        }
    }

    /** One API key as stored: never the secret, only its hash. */
    public static final class KeyRow
    {
        public long id;
        public String name;
        public byte[] secretHash;
        public String scopes;
        /** null = the server's default. */
        public Double ratePerSecond;
        public Integer burst;
        public long createdAt;
        /** 0 unless revoked. */
        public long revokedAt;
        /** The domains it may create links on, comma-separated; null for the default domain only, "*" for all. */
        public String domains;
        /** The dashboard account it belongs to, or 0. */
        public long accountId;
        /** Its account's own key (which owns the links the account makes), or 0 for a key of no account. */
        public long accountKeyId;
        /** When its account was disabled (0: never): such a key authenticates nothing. */
        public long accountDisabledAt;

        /** Whether this is a dashboard account's own key: it owns the account's links and is never a bearer key. */
        public boolean isAccountOwnKey()
        {
            return accountKeyId == id;
        }
    }

    public static long insertKey(final Connection c, final KeyRow key) throws SQLException
    {
        final PreparedStatement ps = prepare(c,
            "INSERT INTO api_keys (name, secret_hash, scopes, rate_per_second, burst, created_at, domains, account_id)" +
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
        ps.setString(1, key.name);
        ps.setBytes(2, key.secretHash);
        ps.setString(3, key.scopes);
        if (key.ratePerSecond == null)
        {
            ps.setNull(4, Types.DOUBLE);
        }
        else
        {
            ps.setDouble(4, key.ratePerSecond);
        }
        if (key.burst == null)
        {
            ps.setNull(5, Types.INTEGER);
        }
        else
        {
            ps.setInt(5, key.burst);
        }
        ps.setLong(6, key.createdAt);
        if (key.domains == null)
        {
            ps.setNull(7, Types.VARCHAR);
        }
        else
        {
            ps.setString(7, key.domains);
        }
        if (key.accountId == 0)
        {
            ps.setNull(8, Types.BIGINT);
        }
        else
        {
            ps.setLong(8, key.accountId);
        }
        try (ResultSet rs = ps.executeQuery())
        {
            rs.next();
            key.id = rs.getLong(1);
            return key.id;
        }
    }

    public static List<KeyRow> listKeys(final Connection c) throws SQLException
    {
        final PreparedStatement ps = prepare(c,
            "SELECT k.id, k.name, k.secret_hash, k.scopes, k.rate_per_second, k.burst, k.created_at, k.revoked_at, k.domains," +
                " k.account_id, a.key_id, a.disabled_at FROM api_keys k LEFT JOIN accounts a ON a.id = k.account_id ORDER BY k.id");
        try (ResultSet rs = ps.executeQuery())
        {
            final List<KeyRow> keys = new ArrayList<>();
            while (rs.next())
            {
                final KeyRow key = new KeyRow();
                key.id = rs.getLong(1);
                key.name = rs.getString(2);
                key.secretHash = rs.getBytes(3);
                key.scopes = rs.getString(4);
                final double rate = rs.getDouble(5);
                key.ratePerSecond = rs.wasNull() ? null : rate;
                final int burst = rs.getInt(6);
                key.burst = rs.wasNull() ? null : burst;
                key.createdAt = rs.getLong(7);
                key.revokedAt = rs.getLong(8);
                key.domains = rs.getString(9);
                key.accountId = rs.getLong(10);
                key.accountKeyId = rs.getLong(11);
                key.accountDisabledAt = rs.getLong(12);
                keys.add(key);
            }
            return keys;
        }
    }

    /** @return false if there is no active key {@code id}. @param domains as {@link KeyRow#domains}. */
    public static boolean setKeyDomains(final Connection c, final long id, final String domains) throws SQLException
    {
        final PreparedStatement ps = prepare(c, "UPDATE api_keys SET domains = ? WHERE id = ? AND revoked_at IS NULL");
        if (domains == null)
        {
            ps.setNull(1, Types.VARCHAR);
        }
        else
        {
            ps.setString(1, domains);
        }
        ps.setLong(2, id);
        return ps.executeUpdate() == 1;
    }

    /** @return false if there is no such key or it was already revoked. */
    public static boolean revokeKey(final Connection c, final long id, final long now) throws SQLException
    {
        final PreparedStatement ps = prepare(c, "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL");
        ps.setLong(1, now);
        ps.setLong(2, id);
        return ps.executeUpdate() == 1;
    }
}
