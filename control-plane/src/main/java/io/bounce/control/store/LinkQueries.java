package io.bounce.control.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The SQL of the {@code links} table, in the same plain SQL as {@link Queries} (whose per-connection prepared
 * statements it shares).
 */
public final class LinkQueries
{
    private static final String LINK_COLUMNS =
        "id, domain, code, url, status, forward_query, created_at, editable_until, expires_at, disabled_reason, deleted_at, owner_key_id, seq," +
            " rules, max_clicks, limited_at, tags";

    private LinkQueries()
    {
    }

    /** @return false if the (domain, code) is taken, live or deleted; else sets {@code row.id}. */
    public static boolean insertLink(final Connection c, final LinkRow row) throws SQLException
    {
        final PreparedStatement ps = Queries.prepare(c,
            "INSERT INTO links (domain, code, url, status, forward_query, created_at, editable_until, expires_at," +
                " disabled_reason, deleted_at, owner_key_id, seq, rules, max_clicks, limited_at, tags)" +
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)" +
                " ON CONFLICT (domain, code) DO NOTHING RETURNING id");
        ps.setString(1, row.domain);
        ps.setString(2, row.code);
        ps.setString(3, row.url);
        ps.setInt(4, row.status);
        ps.setInt(5, row.forwardQuery ? 1 : 0);
        ps.setLong(6, row.createdAt);
        ps.setLong(7, row.editableUntil);
        ps.setLong(8, row.expiresAt);
        if (row.disabledReason == null)
        {
            ps.setNull(9, Types.VARCHAR);
        }
        else
        {
            ps.setString(9, row.disabledReason);
        }
        ps.setLong(10, row.deletedAt);
        ps.setLong(11, row.ownerKeyId);
        ps.setLong(12, row.seq);
        setText(ps, 13, row.rules);
        ps.setLong(14, row.maxClicks);
        ps.setLong(15, row.limitedAt);
        setText(ps, 16, row.tags);
        try (ResultSet rs = ps.executeQuery())
        {
            if (!rs.next())
            {
                return false;
            }
            row.id = rs.getLong(1);
            return true;
        }
    }

    public static void updateLink(final Connection c, final LinkRow row) throws SQLException
    {
        final PreparedStatement ps = Queries.prepare(c,
            "UPDATE links SET url = ?, status = ?, forward_query = ?, expires_at = ?, disabled_reason = ?, deleted_at = ?, seq = ?," +
                " rules = ?, max_clicks = ?, limited_at = ?, tags = ? WHERE id = ?");
        ps.setString(1, row.url);
        ps.setInt(2, row.status);
        ps.setInt(3, row.forwardQuery ? 1 : 0);
        ps.setLong(4, row.expiresAt);
        if (row.disabledReason == null)
        {
            ps.setNull(5, Types.VARCHAR);
        }
        else
        {
            ps.setString(5, row.disabledReason);
        }
        ps.setLong(6, row.deletedAt);
        ps.setLong(7, row.seq);
        setText(ps, 8, row.rules);
        ps.setLong(9, row.maxClicks);
        ps.setLong(10, row.limitedAt);
        setText(ps, 11, row.tags);
        ps.setLong(12, row.id);
        ps.executeUpdate();
    }

    private static void setText(final PreparedStatement ps, final int index, final String text) throws SQLException
    {
        if (text == null)
        {
            ps.setNull(index, Types.VARCHAR);
        }
        else
        {
            ps.setString(index, text);
        }
    }

    /**
     * Live links with a click limit not yet reached, in id order after {@code afterId}.
     *
     * @return at most {@code limit} rows of {id, max clicks} with the link's {@code domain/code} key.
     */
    public static List<Map.Entry<String, long[]>> linksUnderClickLimit(final Connection c, final long afterId, final int limit)
        throws SQLException
    {
        final PreparedStatement ps = Queries.prepare(c, "SELECT id, domain, code, max_clicks FROM links" +
            " WHERE max_clicks > 0 AND limited_at = 0 AND deleted_at = 0 AND id > ? ORDER BY id LIMIT ?");
        ps.setLong(1, afterId);
        ps.setInt(2, limit);
        final List<Map.Entry<String, long[]>> rows = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery())
        {
            while (rs.next())
            {
                rows.add(Map.entry(rs.getString(2) + "/" + rs.getString(3), new long[] {rs.getLong(1), rs.getLong(4)}));
            }
        }
        return rows;
    }

    public static LinkRow findLink(final Connection c, final String domain, final String code) throws SQLException
    {
        final PreparedStatement ps = Queries.prepare(c, "SELECT " + LINK_COLUMNS + " FROM links WHERE domain = ? AND code = ?");
        ps.setString(1, domain);
        ps.setString(2, code);
        try (ResultSet rs = ps.executeQuery())
        {
            return rs.next() ? readLink(rs) : null;
        }
    }

    /**
     * Live (not deleted) links, newest first with ids below {@code cursorId}, or oldest first with ids above it.
     *
     * @param ownerKeyId only this key's links, or all links when negative.
     * @param domain only this domain, or every domain when null.
     * @param search only links whose code, url, domain or tags contain it (ignoring case), or every link when null.
     * @param tag only links with this tag (lower-case), or every link when null.
     * @param cursorId the last id of the previous page (or past the end to start).
     */
    public static List<LinkRow> listLinks(final Connection c, final long ownerKeyId, final String domain, final String search,
        final String tag, final long cursorId, final int limit, final boolean oldestFirst) throws SQLException
    {
        final StringBuilder sql = new StringBuilder("SELECT " + LINK_COLUMNS + " FROM links WHERE deleted_at = 0 AND id " +
            (oldestFirst ? ">" : "<") + " ?");
        if (ownerKeyId >= 0)
        {
            sql.append(" AND owner_key_id = ?");
        }
        if (domain != null)
        {
            sql.append(" AND domain = ?");
        }
        if (search != null)
        {
            sql.append(" AND (lower(code) LIKE ? ESCAPE '\\' OR lower(url) LIKE ? ESCAPE '\\' OR domain LIKE ? ESCAPE '\\'" +
                " OR tags LIKE ? ESCAPE '\\')");
        }
        if (tag != null)
        {
            sql.append(" AND (',' || tags || ',') LIKE ? ESCAPE '\\'");
        }
        sql.append(oldestFirst ? " ORDER BY id LIMIT ?" : " ORDER BY id DESC LIMIT ?");
        final PreparedStatement ps = Queries.prepare(c, sql.toString());
        int i = 1;
        ps.setLong(i++, cursorId);
        if (ownerKeyId >= 0)
        {
            ps.setLong(i++, ownerKeyId);
        }
        if (domain != null)
        {
            ps.setString(i++, domain);
        }
        if (search != null)
        {
            final String pattern = "%" + search.toLowerCase(java.util.Locale.ROOT).replace("\\", "\\\\").replace("%", "\\%")
                .replace("_", "\\_") + "%";
            ps.setString(i++, pattern);
            ps.setString(i++, pattern);
            ps.setString(i++, pattern);
            ps.setString(i++, pattern);
        }
        if (tag != null)
        {
            ps.setString(i++, "%," + tag.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + ",%");
        }
        ps.setInt(i, limit);
        final List<LinkRow> rows = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery())
        {
            while (rs.next())
            {
                rows.add(readLink(rs));
            }
        }
        return rows;
    }

    private static LinkRow readLink(final ResultSet rs) throws SQLException
    {
        final LinkRow row = new LinkRow();
        row.id = rs.getLong(1);
        row.domain = rs.getString(2);
        row.code = rs.getString(3);
        row.url = rs.getString(4);
        row.status = rs.getInt(5);
        row.forwardQuery = rs.getInt(6) != 0;
        row.createdAt = rs.getLong(7);
        row.editableUntil = rs.getLong(8);
        row.expiresAt = rs.getLong(9);
        row.disabledReason = rs.getString(10);
        row.deletedAt = rs.getLong(11);
        row.ownerKeyId = rs.getLong(12);
        row.seq = rs.getLong(13);
        row.rules = rs.getString(14);
        row.maxClicks = rs.getLong(15);
        row.limitedAt = rs.getLong(16);
        row.tags = rs.getString(17);
        return row;
    }

    /** Receives links. */
    @FunctionalInterface
    public interface LinkRowSink
    {
        void accept(LinkRow row) throws java.io.IOException;
    }

    /** Every link row, tombstones included, in storage order. */
    public static long scanLinks(final Connection c, final LinkRowSink sink) throws SQLException, java.io.IOException
    {
        long n = 0;
        try (java.sql.Statement statement = c.createStatement();
            ResultSet rs = statement.executeQuery("SELECT " + LINK_COLUMNS + " FROM links"))
        {
            statement.setFetchSize(1024);
            while (rs.next())
            {
                sink.accept(readLink(rs));
                n++;
            }
        }
        return n;
    }

    public static long countLinks(final Connection c) throws SQLException
    {
        try (java.sql.Statement statement = c.createStatement(); ResultSet rs = statement.executeQuery("SELECT COUNT(*) FROM links"))
        {
            rs.next();
            return rs.getLong(1);
        }
    }
}
