package io.bounce.control.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import io.bounce.replication.tls.DomainPolicy;
import io.bounce.replication.tls.TicketKeys;

/** The SQL of what reaches the edges for TLS besides certificates: each domain's HTTPS policy and the fleet's ticket keys. */
public final class TlsQueries
{
    private static final String POLICY_COLUMNS =
        "SELECT seq, name, https_only, hsts_max_age, hsts_include_subdomains, hsts_preload, is_default FROM domains";

    private TlsQueries()
    {
    }

    /** @return the domain's policy as stored (its sequence 0 if no change has carried it), or null for no such domain. */
    public static DomainPolicy policy(final Connection c, final String domain) throws SQLException
    {
        final PreparedStatement ps = Queries.prepare(c, POLICY_COLUMNS + " WHERE name = ? AND removed_at = 0");
        ps.setString(1, domain);
        final List<DomainPolicy> policies = policies(ps);
        return policies.isEmpty() ? null : policies.get(0);
    }

    /** @return the policies some change carried ({@code logged}), or those none has yet (the default domain's, at first start). */
    public static List<DomainPolicy> policies(final Connection c, final boolean logged) throws SQLException
    {
        return policies(Queries.prepare(c, POLICY_COLUMNS + (logged ? " WHERE seq > 0" : " WHERE seq = 0") + " AND removed_at = 0 ORDER BY name"));
    }

    /** Store a domain's policy and the sequence of the change that carries it. */
    public static void setPolicy(final Connection c, final DomainPolicy policy) throws SQLException
    {
        final PreparedStatement ps = Queries.prepare(c, "UPDATE domains SET https_only = ?, hsts_max_age = ?, hsts_include_subdomains = ?," +
            " hsts_preload = ?, seq = ? WHERE name = ?");
        ps.setInt(1, policy.httpsOnly() ? 1 : 0);
        ps.setLong(2, policy.hstsMaxAgeSeconds());
        ps.setInt(3, policy.hstsIncludeSubDomains() ? 1 : 0);
        ps.setInt(4, policy.hstsPreload() ? 1 : 0);
        ps.setLong(5, policy.sequence());
        ps.setString(6, policy.domain());
        ps.executeUpdate();
    }

    private static List<DomainPolicy> policies(final PreparedStatement ps) throws SQLException
    {
        try (ResultSet rs = ps.executeQuery())
        {
            final List<DomainPolicy> out = new ArrayList<>();
            while (rs.next())
            {
                out.add(new DomainPolicy(rs.getLong(1), rs.getString(2), rs.getInt(3) != 0, rs.getLong(4), rs.getInt(5) != 0,
                    rs.getInt(6) != 0, rs.getInt(7) != 0));
            }
            return out;
        }
    }

    /** @return the current ticket keys, newest first, as the record that carried them last; null when there are none. */
    public static TicketKeys ticketKeys(final Connection c) throws SQLException
    {
        final PreparedStatement ps = Queries.prepare(c, "SELECT id, sealed_key, seq FROM ticket_keys ORDER BY id DESC");
        long seq = 0;
        final List<TicketKeys.Key> keys = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery())
        {
            while (rs.next())
            {
                keys.add(new TicketKeys.Key(rs.getLong(1), rs.getBytes(2)));
                seq = Math.max(seq, rs.getLong(3));
            }
        }
        return keys.isEmpty() ? null : new TicketKeys(seq, keys);
    }

    /** Add a ticket key, carried by change {@code seq}, and drop all but the newest {@code keep}. */
    public static void addTicketKey(final Connection c, final TicketKeys.Key key, final long seq, final int keep) throws SQLException
    {
        final PreparedStatement insert = Queries.prepare(c, "INSERT INTO ticket_keys (id, sealed_key, seq) VALUES (?, ?, ?)");
        insert.setLong(1, key.id());
        insert.setBytes(2, key.sealed());
        insert.setLong(3, seq);
        insert.executeUpdate();
        final PreparedStatement prune = Queries.prepare(c,
            "DELETE FROM ticket_keys WHERE id NOT IN (SELECT id FROM ticket_keys ORDER BY id DESC LIMIT ?)");
        prune.setInt(1, keep);
        prune.executeUpdate();
    }
}
