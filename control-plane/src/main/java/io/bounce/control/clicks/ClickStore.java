package io.bounce.control.clicks;

import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/**
 * The aggregator's store: a DuckDB file, {@value #FILE}, under the data dir. {@code clicks} holds
 * every event, enriched; {@code ingested_files} holds the identity of every file counted. A file's
 * identity row and its events commit in one transaction, so a file is counted once: a resend finds
 * its identity and adds nothing, and a crash mid-ingest leaves neither (DuckDB's WAL is synced at
 * commit). One connection writes (the ingest thread); queries use a duplicate connection.
 */
public final class ClickStore implements AutoCloseable
{
    public static final String FILE = "clicks.duckdb";

    private final DuckDBConnection writer;
    private final DuckDBConnection reader;

    /** One enriched event, as ingest hands it over. */
    public record Event(long timeMs, String edge, String domain, String code, int status, boolean head, String visitor,
        String country, String referrerHost, String browser, String os, String device, boolean bot)
    {
    }

    public ClickStore(final Path dataDir) throws SQLException
    {
        writer = (DuckDBConnection)DriverManager.getConnection("jdbc:duckdb:" + dataDir.resolve(FILE));
        try (Statement s = writer.createStatement())
        {
            s.execute("CREATE TABLE IF NOT EXISTS ingested_files (edge VARCHAR NOT NULL, seq BIGINT NOT NULL, " +
                "events BIGINT NOT NULL, ingested_at TIMESTAMP NOT NULL, PRIMARY KEY (edge, seq))");
            s.execute("CREATE TABLE IF NOT EXISTS clicks (ts TIMESTAMP NOT NULL, edge VARCHAR NOT NULL, domain VARCHAR NOT NULL, " +
                "code VARCHAR NOT NULL, status USMALLINT NOT NULL, head BOOLEAN NOT NULL, visitor VARCHAR NOT NULL, " +
                "country VARCHAR NOT NULL, referrer_host VARCHAR NOT NULL, browser VARCHAR NOT NULL, os VARCHAR NOT NULL, " +
                "device VARCHAR NOT NULL, bot BOOLEAN NOT NULL)");
        }
        writer.setAutoCommit(false);
        writer.commit();
        reader = (DuckDBConnection)writer.duplicate();
        reader.setAutoCommit(true); // each query sees what has committed (a duplicate inherits the writer's mode)
    }

    /**
     * Count one file: its identity and its events in one transaction.
     *
     * @return false if this file was counted before (nothing is added).
     */
    public synchronized boolean ingest(final String edge, final long sequence, final List<Event> events) throws SQLException
    {
        try
        {
            try (PreparedStatement seen = writer.prepareStatement("SELECT 1 FROM ingested_files WHERE edge = ? AND seq = ?"))
            {
                seen.setString(1, edge);
                seen.setLong(2, sequence);
                try (ResultSet rs = seen.executeQuery())
                {
                    if (rs.next())
                    {
                        writer.rollback();
                        return false;
                    }
                }
            }
            try (PreparedStatement file = writer.prepareStatement("INSERT INTO ingested_files VALUES (?, ?, ?, now())"))
            {
                file.setString(1, edge);
                file.setLong(2, sequence);
                file.setLong(3, events.size());
                file.executeUpdate();
            }
            try (DuckDBAppender appender = writer.createAppender(DuckDBConnection.DEFAULT_SCHEMA, "clicks"))
            {
                for (final Event e : events)
                {
                    appender.beginRow();
                    appender.append(utc(e.timeMs()));
                    appender.append(e.edge());
                    appender.append(e.domain());
                    appender.append(e.code());
                    appender.append((short)e.status());
                    appender.append(e.head());
                    appender.append(e.visitor());
                    appender.append(e.country());
                    appender.append(e.referrerHost());
                    appender.append(e.browser());
                    appender.append(e.os());
                    appender.append(e.device());
                    appender.append(e.bot());
                    appender.endRow();
                }
            }
            writer.commit();
            return true;
        }
        catch (final SQLException | RuntimeException ex)
        {
            writer.rollback();
            throw ex;
        }
    }

    /** What the analytics API answers for one link. */
    public record Report(long clicks, long uniqueVisitors, long botClicks, List<long[]> timeline,
        List<Ranked> referrers, List<Ranked> countries, List<Ranked> browsers, List<Ranked> oses, List<Ranked> devices)
    {
    }

    /** A value and how many human clicks it had. */
    public record Ranked(String name, long clicks)
    {
    }

    /**
     * Clicks (answered redirects) of one link in [fromMs, toMs): human totals, bots apart, a timeline
     * in {@code granularity} buckets (hour, day, week: each {start ms, human clicks, bot clicks}), and
     * the top 10 of each dimension among human clicks.
     */
    public Report report(final String domain, final String code, final long fromMs, final long toMs,
        final String granularity) throws SQLException
    {
        synchronized (reader)
        {
            return reportLocked(domain, code, fromMs, toMs, granularity);
        }
    }

    private Report reportLocked(final String domain, final String code, final long fromMs, final long toMs,
        final String granularity) throws SQLException
    {
        final String where = " FROM clicks WHERE domain = ? AND code = ? AND ts >= ? AND ts < ? AND status IN (301, 302, 307, 308)";
        long clicks = 0;
        long unique = 0;
        long bots = 0;
        try (PreparedStatement ps = reader.prepareStatement("SELECT count(*) FILTER (WHERE NOT bot), " +
            "count(DISTINCT visitor) FILTER (WHERE NOT bot), count(*) FILTER (WHERE bot)" + where))
        {
            bind(ps, domain, code, fromMs, toMs);
            try (ResultSet rs = ps.executeQuery())
            {
                rs.next();
                clicks = rs.getLong(1);
                unique = rs.getLong(2);
                bots = rs.getLong(3);
            }
        }
        final List<long[]> timeline = new ArrayList<>();
        final String unit = granularity.toLowerCase(Locale.ROOT);
        try (PreparedStatement ps = reader.prepareStatement("SELECT epoch_ms(date_trunc('" + unit + "', ts)) AS bucket, " +
            "count(*) FILTER (WHERE NOT bot), count(*) FILTER (WHERE bot)" + where + " GROUP BY bucket ORDER BY bucket"))
        {
            bind(ps, domain, code, fromMs, toMs);
            try (ResultSet rs = ps.executeQuery())
            {
                while (rs.next())
                {
                    timeline.add(new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)});
                }
            }
        }
        return new Report(clicks, unique, bots, timeline,
            top("referrer_host", where, domain, code, fromMs, toMs),
            top("country", where, domain, code, fromMs, toMs),
            top("browser", where, domain, code, fromMs, toMs),
            top("os", where, domain, code, fromMs, toMs),
            top("device", where, domain, code, fromMs, toMs));
    }

    private List<Ranked> top(final String column, final String where, final String domain, final String code,
        final long fromMs, final long toMs) throws SQLException
    {
        final List<Ranked> ranked = new ArrayList<>();
        try (PreparedStatement ps = reader.prepareStatement("SELECT " + column + ", count(*) AS n" + where +
            " AND NOT bot GROUP BY " + column + " ORDER BY n DESC, " + column + " LIMIT 10"))
        {
            bind(ps, domain, code, fromMs, toMs);
            try (ResultSet rs = ps.executeQuery())
            {
                while (rs.next())
                {
                    ranked.add(new Ranked(rs.getString(1).isEmpty() ? "(none)" : rs.getString(1), rs.getLong(2)));
                }
            }
        }
        return ranked;
    }

    private static void bind(final PreparedStatement ps, final String domain, final String code, final long fromMs, final long toMs)
        throws SQLException
    {
        ps.setString(1, domain);
        ps.setString(2, code);
        ps.setObject(3, utc(fromMs));
        ps.setObject(4, utc(toMs));
    }

    /** Times are stored as UTC wall time (TIMESTAMP without zone), whatever this JVM's time zone. */
    private static java.time.LocalDateTime utc(final long epochMs)
    {
        return java.time.LocalDateTime.ofEpochSecond(Math.floorDiv(epochMs, 1000), (int)Math.floorMod(epochMs, 1000) * 1_000_000,
            java.time.ZoneOffset.UTC);
    }

    /** @return every click row counted (bots and non-redirects included): for tests and metrics. */
    public long totalEvents() throws SQLException
    {
        synchronized (reader)
        {
            try (Statement s = reader.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM clicks"))
            {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** @return the host of a referrer URL, lower-cased, or "" if it has none. */
    static String referrerHost(final String referrer)
    {
        if (referrer.isEmpty())
        {
            return "";
        }
        try
        {
            final String host = URI.create(referrer).getHost();
            return host == null ? "" : host.toLowerCase(Locale.ROOT);
        }
        catch (final IllegalArgumentException ex)
        {
            return "";
        }
    }

    @Override
    public void close() throws SQLException
    {
        synchronized (reader)
        {
            reader.close();
        }
        synchronized (this)
        {
            writer.close();
        }
    }
}
