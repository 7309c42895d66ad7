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
 *
 * <p>Queries do not scan the raw events: ingest keeps two rollups in the same transaction.
 * {@code click_rollup} counts clicks per link, hour, bot-or-human and dimension value (the
 * dimensions being the total, referrer host, country, browser, OS and device); {@code click_visitors}
 * holds each link's distinct human visitors per UTC day. A link with ten million clicks over a week
 * has a few thousand rollup rows. Visitor ids are keyed by day at the edge (the key rotates daily),
 * so a visitor is one id per day and unique visitors over a range are the sum of each day's: exact
 * for the ids the edges produce. The price: reports resolve to whole hours (uniques to whole days).
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
            s.execute("CREATE TABLE IF NOT EXISTS click_rollup (domain VARCHAR NOT NULL, code VARCHAR NOT NULL, " +
                "hour TIMESTAMP NOT NULL, bot BOOLEAN NOT NULL, dim VARCHAR NOT NULL, value VARCHAR NOT NULL, clicks BIGINT NOT NULL, " +
                "PRIMARY KEY (domain, code, hour, bot, dim, value))");
            s.execute("CREATE TABLE IF NOT EXISTS click_visitors (domain VARCHAR NOT NULL, code VARCHAR NOT NULL, day DATE NOT NULL, " +
                "visitor VARCHAR NOT NULL)");
            s.execute("CREATE TEMP TABLE IF NOT EXISTS staging_rollup AS SELECT * FROM click_rollup LIMIT 0");
            s.execute("CREATE TEMP TABLE IF NOT EXISTS staging_visitors AS SELECT * FROM click_visitors LIMIT 0");
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
        return ingest(edge, sequence, events, aggregate(events));
    }

    /** As {@link #ingest(String, long, List)}, with the rollup already computed (off the ingest thread). */
    public synchronized boolean ingest(final String edge, final long sequence, final List<Event> events, final Rollup rollup)
        throws SQLException
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
            writeRollup(rollup);
            writer.commit();
            return true;
        }
        catch (final SQLException | RuntimeException ex)
        {
            writer.rollback();
            throw ex;
        }
    }

    /** One link-hour-audience of a file, with its counts per dimension value. */
    record Slot(String domain, String code, long hour, boolean bot)
    {
    }

    private static final String[] DIMENSIONS = {"total", "referrer", "country", "browser", "os", "device"};

    /** A file's contribution to the rollups, computed from its events on any thread. */
    public static final class Rollup
    {
        final java.util.Map<Slot, java.util.List<java.util.Map<String, long[]>>> counts = new java.util.HashMap<>();
        /** domain, code, day → the day's distinct visitors. */
        final java.util.Map<java.util.List<Object>, java.util.Set<String>> visitors = new java.util.HashMap<>();
    }

    /** Sum a file's answered redirects per link, hour, audience and dimension value; collect its visitors per day. */
    public static Rollup aggregate(final List<Event> events)
    {
        final Rollup rollup = new Rollup();
        Slot lastSlot = null;
        java.util.List<java.util.Map<String, long[]>> dims = null;
        java.util.List<Object> lastDay = null;
        java.util.Set<String> dayVisitors = null;
        for (final Event e : events)
        {
            if (e.status() != 301 && e.status() != 302 && e.status() != 307 && e.status() != 308)
            {
                continue;
            }
            final long hour = Math.floorDiv(e.timeMs(), 3_600_000L) * 3_600_000L;
            if (lastSlot == null || lastSlot.hour() != hour || lastSlot.bot() != e.bot() ||
                !lastSlot.code().equals(e.code()) || !lastSlot.domain().equals(e.domain()))
            {
                lastSlot = new Slot(e.domain(), e.code(), hour, e.bot());
                dims = rollup.counts.computeIfAbsent(lastSlot, k ->
                {
                    final java.util.List<java.util.Map<String, long[]>> maps = new ArrayList<>(DIMENSIONS.length);
                    for (int i = 0; i < DIMENSIONS.length; i++)
                    {
                        maps.add(new java.util.HashMap<>());
                    }
                    return maps;
                });
            }
            increment(dims.get(0), "");
            increment(dims.get(1), e.referrerHost());
            increment(dims.get(2), e.country());
            increment(dims.get(3), e.browser());
            increment(dims.get(4), e.os());
            increment(dims.get(5), e.device());
            if (!e.bot())
            {
                final long day = Math.floorDiv(e.timeMs(), 86_400_000L);
                if (lastDay == null || (Long)lastDay.get(2) != day || !lastDay.get(1).equals(e.code()) || !lastDay.get(0).equals(e.domain()))
                {
                    lastDay = java.util.List.of(e.domain(), e.code(), day);
                    dayVisitors = rollup.visitors.computeIfAbsent(lastDay, k -> new java.util.HashSet<>());
                }
                dayVisitors.add(e.visitor());
            }
        }
        return rollup;
    }

    private static void increment(final java.util.Map<String, long[]> counts, final String value)
    {
        final long[] n = counts.get(value);
        if (n == null)
        {
            counts.put(value, new long[] {1});
        }
        else
        {
            n[0]++;
        }
    }

    /** Add a file's rollup (same transaction as its events). */
    private void writeRollup(final Rollup rollup) throws SQLException
    {
        final java.util.Map<Slot, java.util.List<java.util.Map<String, long[]>>> counts = rollup.counts;
        try (DuckDBAppender appender = writer.createAppender("temp", "main", "staging_rollup"))
        {
            for (final java.util.Map.Entry<Slot, java.util.List<java.util.Map<String, long[]>>> slot : counts.entrySet())
            {
                final Slot k = slot.getKey();
                for (int i = 0; i < DIMENSIONS.length; i++)
                {
                    for (final java.util.Map.Entry<String, long[]> value : slot.getValue().get(i).entrySet())
                    {
                        appender.beginRow();
                        appender.append(k.domain());
                        appender.append(k.code());
                        appender.append(utc(k.hour()));
                        appender.append(k.bot());
                        appender.append(DIMENSIONS[i]);
                        appender.append(value.getKey());
                        appender.append(value.getValue()[0]);
                        appender.endRow();
                    }
                }
            }
        }
        try (DuckDBAppender appender = writer.createAppender("temp", "main", "staging_visitors"))
        {
            for (final java.util.Map.Entry<java.util.List<Object>, java.util.Set<String>> day : rollup.visitors.entrySet())
            {
                final String domain = (String)day.getKey().get(0);
                final String code = (String)day.getKey().get(1);
                final java.time.LocalDate date = java.time.LocalDate.ofEpochDay((Long)day.getKey().get(2));
                for (final String visitor : day.getValue())
                {
                    appender.beginRow();
                    appender.append(domain);
                    appender.append(code);
                    appender.append(date);
                    appender.append(visitor);
                    appender.endRow();
                }
            }
        }
        try (Statement s = writer.createStatement())
        {
            s.execute("INSERT INTO click_rollup SELECT * FROM staging_rollup " +
                "ON CONFLICT DO UPDATE SET clicks = click_rollup.clicks + EXCLUDED.clicks");
            // No primary key: an ART index upsert of every visitor cost 4x the ingest rate; an anti-join against
            // the links' own visitor rows (a few hundred thousand at most) is a fast hash join.
            s.execute("INSERT INTO click_visitors SELECT s.* FROM staging_visitors s ANTI JOIN click_visitors v " +
                "ON v.domain = s.domain AND v.code = s.code AND v.day = s.day AND v.visitor = s.visitor");
            s.execute("DELETE FROM staging_rollup");
            s.execute("DELETE FROM staging_visitors");
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
        final long fromHour = Math.floorDiv(fromMs, 3_600_000L) * 3_600_000L;
        final long toHour = Math.floorDiv(toMs + 3_599_999L, 3_600_000L) * 3_600_000L;
        long clicks = 0;
        long bots = 0;
        final List<long[]> timeline = new ArrayList<>();
        final String unit = granularity.toLowerCase(Locale.ROOT);
        try (PreparedStatement ps = reader.prepareStatement("SELECT epoch_ms(date_trunc('" + unit + "', hour)) AS bucket, " +
            "sum(clicks) FILTER (WHERE NOT bot), sum(clicks) FILTER (WHERE bot) FROM click_rollup " +
            "WHERE domain = ? AND code = ? AND hour >= ? AND hour < ? AND dim = 'total' GROUP BY bucket ORDER BY bucket"))
        {
            bind(ps, domain, code, fromHour, toHour);
            try (ResultSet rs = ps.executeQuery())
            {
                while (rs.next())
                {
                    final long[] bucket = {rs.getLong(1), rs.getLong(2), rs.getLong(3)};
                    timeline.add(bucket);
                    clicks += bucket[1];
                    bots += bucket[2];
                }
            }
        }
        long unique = 0;
        try (PreparedStatement ps = reader.prepareStatement("SELECT count(*) FROM click_visitors " +
            "WHERE domain = ? AND code = ? AND day >= ? AND day <= ?"))
        {
            ps.setString(1, domain);
            ps.setString(2, code);
            ps.setObject(3, java.time.LocalDate.ofEpochDay(Math.floorDiv(fromHour, 86_400_000L)));
            ps.setObject(4, java.time.LocalDate.ofEpochDay(Math.floorDiv(toHour - 1, 86_400_000L)));
            try (ResultSet rs = ps.executeQuery())
            {
                rs.next();
                unique = rs.getLong(1);
            }
        }
        final java.util.Map<String, List<Ranked>> tops = new java.util.HashMap<>();
        try (PreparedStatement ps = reader.prepareStatement("SELECT dim, value, n FROM (SELECT dim, value, sum(clicks) AS n, " +
            "row_number() OVER (PARTITION BY dim ORDER BY sum(clicks) DESC, value) AS r FROM click_rollup " +
            "WHERE domain = ? AND code = ? AND hour >= ? AND hour < ? AND NOT bot AND dim <> 'total' GROUP BY dim, value) " +
            "WHERE r <= 10 ORDER BY dim, r"))
        {
            bind(ps, domain, code, fromHour, toHour);
            try (ResultSet rs = ps.executeQuery())
            {
                while (rs.next())
                {
                    tops.computeIfAbsent(rs.getString(1), d -> new ArrayList<>())
                        .add(new Ranked(rs.getString(2).isEmpty() ? "(none)" : rs.getString(2), rs.getLong(3)));
                }
            }
        }
        return new Report(clicks, unique, bots, timeline, tops.getOrDefault("referrer", List.of()),
            tops.getOrDefault("country", List.of()), tops.getOrDefault("browser", List.of()), tops.getOrDefault("os", List.of()),
            tops.getOrDefault("device", List.of()));
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
