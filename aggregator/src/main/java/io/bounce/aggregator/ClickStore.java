package io.bounce.aggregator;

import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import io.bounce.replication.clicks.ClickFileFormat;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/**
 * The aggregator's store: a DuckDB file, {@value #FILE}, under the data dir. {@code clicks} holds
 * every event, enriched; {@code ingested_files} holds the identity of every file counted. A file's
 * identity row and its events commit in one transaction, so a file is counted once: a resend finds
 * its identity and adds nothing, and a crash mid-ingest leaves neither (DuckDB writes its WAL at
 * commit; AggregatorKillSystemTest SIGKILLs the process mid-stream). One connection writes (the
 * ingest thread); queries use a duplicate connection.
 *
 * <p>Queries do not scan the raw events: ingest keeps two rollups in the same transaction.
 * {@code click_rollup} counts clicks per link, hour, bot-or-human and dimension value (the
 * dimensions being the total, referrer host, country, browser, OS, device and the destination a link's rules chose);
 * {@code click_visitors}
 * holds each link's distinct human visitors per UTC day. A link with ten million clicks over a week
 * has a few thousand rollup rows. Visitor ids are keyed by day at the edge (the key rotates daily),
 * so a visitor is one id per day and unique visitors over a range are the sum of each day's: exact
 * for the ids the edges produce. The price: reports resolve to whole hours (uniques to whole days).
 */
public final class ClickStore implements ClickAnalytics, AutoCloseable
{
    public static final String FILE = "clicks.duckdb";

    private final DuckDBConnection writer;
    private final DuckDBConnection reader;

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
            // click files version 2: the destination a link's rules chose ('' for the link's url); older stores gain it
            s.execute("ALTER TABLE clicks ADD COLUMN IF NOT EXISTS destination VARCHAR DEFAULT ''");
            s.execute("CREATE TABLE IF NOT EXISTS click_rollup (domain VARCHAR NOT NULL, code VARCHAR NOT NULL, " +
                "hour TIMESTAMP NOT NULL, bot BOOLEAN NOT NULL, dim VARCHAR NOT NULL, value VARCHAR NOT NULL, clicks BIGINT NOT NULL, " +
                "PRIMARY KEY (domain, code, hour, bot, dim, value))");
            s.execute("CREATE TABLE IF NOT EXISTS click_visitors (domain VARCHAR NOT NULL, code VARCHAR NOT NULL, day DATE NOT NULL, " +
                "visitor VARCHAR NOT NULL)");
        }
        try (Statement s = writer.createStatement())
        {
            // Lets DuckDB read and insert a batch in parallel without keeping row order: 10-20% faster
            // ingest (bench/README.md). Every query that needs an order says ORDER BY.
            s.execute("SET preserve_insertion_order = false");
        }
        writer.setAutoCommit(false);
        writer.commit();
        reader = (DuckDBConnection)writer.duplicate();
        reader.setAutoCommit(true); // each query sees what has committed (a duplicate inherits the writer's mode)
    }

    /** A click file DuckDB could not read as one, or whose rows break the format's rules. */
    public static final class CorruptFile extends Exception
    {
        CorruptFile(final String message)
        {
            super(message);
        }
    }

    private static final String REDIRECT = "status IN (301, 302, 307, 308)";

    /** One decompressed click file to count: its identity, where its rows are, and how many {@link ClickRows} found. */
    public record Batched(String edge, long sequence, Path tsv, long rows)
    {
    }

    /**
     * Count decompressed click files, read by DuckDB itself, in one transaction: its CSV reader splits
     * and types the rows, each distinct user agent is classified once in Java, and enrichment, the raw
     * insert and both rollups are set-based SQL, committed together with the files' identities. Many
     * files to one transaction is the point: the commit and each statement's fixed cost are paid once
     * per batch, not per file (see bench/README.md).
     *
     * <p>The files' rows must have passed {@link ClickRows}: nothing here checks them again but for
     * their count. A batch DuckDB cannot read, or whose values it refuses, fails whole with
     * {@link CorruptFile}, which does not say which file was bad: callers retry its files one by one.
     * Any other {@link SQLException} is the store's (I/O, memory) and worth retrying.
     *
     * @return for each file, in order, the events counted, or -1 if it was counted before (also when
     *     the same identity appears twice in the batch: the second is the duplicate).
     */
    public synchronized long[] ingestBatch(final List<Batched> files, final UserAgents agents) throws SQLException, CorruptFile
    {
        try
        {
            return ingestBatchOrThrow(files, agents);
        }
        catch (final SQLException ex)
        {
            writer.rollback();
            if (isAboutTheData(ex))
            {
                throw new CorruptFile("the store refused the rows: " + firstLine(ex.getMessage()));
            }
            throw ex;
        }
        catch (final CorruptFile | RuntimeException ex)
        {
            writer.rollback();
            throw ex;
        }
    }

    /** DuckDB names the class of an error first: these are about values, not about the store. */
    private static boolean isAboutTheData(final SQLException ex)
    {
        final String message = String.valueOf(ex.getMessage());
        return message.contains("Conversion Error") || message.contains("Constraint Error") || message.contains("Out of Range Error") ||
            message.contains("Invalid Input Error") || message.contains("Invalid unicode");
    }

    private long[] ingestBatchOrThrow(final List<Batched> files, final UserAgents agents) throws SQLException, CorruptFile
    {
        final long[] counted = new long[files.size()];
        try (Statement s = writer.createStatement())
        {
            final java.util.Set<String> identities = new java.util.HashSet<>();
            final StringBuilder paths = new StringBuilder();
            long rows = 0;
            try (PreparedStatement seen = writer.prepareStatement("SELECT 1 FROM ingested_files WHERE edge = ? AND seq = ?");
                PreparedStatement identity = writer.prepareStatement("INSERT INTO ingested_files VALUES (?, ?, ?, now())"))
            {
                for (int i = 0; i < files.size(); i++)
                {
                    final Batched file = files.get(i);
                    seen.setString(1, file.edge());
                    seen.setLong(2, file.sequence());
                    try (ResultSet rs = seen.executeQuery())
                    {
                        if (rs.next() || !identities.add(file.edge() + '/' + file.sequence()))
                        {
                            counted[i] = -1;
                            continue;
                        }
                    }
                    identity.setString(1, file.edge());
                    identity.setLong(2, file.sequence());
                    identity.setLong(3, file.rows());
                    identity.executeUpdate();
                    counted[i] = file.rows();
                    rows += file.rows();
                    paths.append(paths.length() == 0 ? "" : ", ").append('\'').append(file.tsv().toString().replace("'", "''")).append('\'');
                }
            }
            if (paths.length() == 0)
            {
                writer.rollback();
                return counted;
            }
            try
            {
                s.execute("CREATE OR REPLACE TEMP TABLE f AS SELECT * FROM read_csv([" + paths +
                    "], delim = '\t', header = true, quote = '', escape = '', auto_detect = false, allow_quoted_nulls = false, " +
                    "columns = {'time_ms': 'BIGINT', 'edge': 'VARCHAR', 'domain': 'VARCHAR', 'code': 'VARCHAR', 'status': 'USMALLINT', " +
                    "'method': 'VARCHAR', 'visitor': 'VARCHAR', 'country': 'VARCHAR', 'user_agent': 'VARCHAR', 'referrer': 'VARCHAR', " +
                    "'destination': 'VARCHAR'})");
            }
            catch (final SQLException ex)
            {
                if (!isAboutTheData(ex))
                {
                    throw ex; // a file that cannot be read (I/O) is not a corrupt one
                }
                throw new CorruptFile("rows do not read as the click-file columns: " + firstLine(ex.getMessage()));
            }
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM f"))
            {
                rs.next();
                if (rs.getLong(1) != rows)
                {
                    throw new CorruptFile("DuckDB read " + rs.getLong(1) + " rows where the row check found " + rows);
                }
            }
            s.execute("CREATE OR REPLACE TEMP TABLE agents (ua VARCHAR, browser VARCHAR, os VARCHAR, device VARCHAR, bot BOOLEAN)");
            final List<String> distinct = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT DISTINCT coalesce(user_agent, '') FROM f"))
            {
                while (rs.next())
                {
                    distinct.add(rs.getString(1));
                }
            }
            try (DuckDBAppender appender = writer.createAppender("temp", "main", "agents"))
            {
                for (final String ua : distinct)
                {
                    final UserAgents.Agent agent = agents.parse(unescape(ua));
                    appender.beginRow();
                    appender.append(ua);
                    appender.append(agent.browser());
                    appender.append(agent.os());
                    appender.append(agent.device());
                    appender.append(agent.bot());
                    appender.endRow();
                }
            }
            // Referrer hosts, like user agents, once per distinct value.
            s.execute("CREATE OR REPLACE TEMP TABLE refs AS SELECT r, lower(coalesce(regexp_extract(r, " +
                "'^[A-Za-z][A-Za-z0-9+.-]*://(?:[^/?#@]*@)?(\\[[^\\]]*\\]|[^/?#:]*)', 1), '')) AS host " +
                "FROM (SELECT DISTINCT coalesce(referrer, '') AS r FROM f)");
            final String enriched = "SELECT make_timestamp(f.time_ms * 1000) AS ts, f.edge, f.domain, f.code, f.status, " +
                "f.method = 'HEAD' AS head, f.visitor, coalesce(f.country, '') AS country, refs.host AS referrer_host, a.browser, a.os, " +
                "CASE WHEN f.method = 'HEAD' THEN 'bot' ELSE a.device END AS device, a.bot OR f.method = 'HEAD' AS bot, " +
                "coalesce(f.destination, '') AS destination " +
                "FROM f JOIN agents a ON a.ua = coalesce(f.user_agent, '') JOIN refs ON refs.r = coalesce(f.referrer, '')";
            s.execute("INSERT INTO clicks " + enriched);
            // Count per combination of dimensions first (a few thousand rows per link and batch), then
            // fan each combination out to its seven rollup rows: unnesting every event was 2x slower.
            s.execute("INSERT INTO click_rollup SELECT domain, code, hour, bot, dim, value, sum(n) FROM (" +
                "SELECT domain, code, hour, bot, n, " +
                "unnest(['total', 'referrer', 'country', 'browser', 'os', 'device', 'destination']) AS dim, " +
                "unnest(['', referrer_host, country, browser, os, device, destination]) AS value FROM (" +
                "SELECT domain, code, date_trunc('hour', ts) AS hour, bot, referrer_host, country, browser, os, device, destination, " +
                "count(*) AS n " +
                "FROM (" + enriched + ") WHERE " + REDIRECT + " GROUP BY ALL)" +
                ") GROUP BY ALL ON CONFLICT DO UPDATE SET clicks = click_rollup.clicks + EXCLUDED.clicks");
            s.execute("INSERT INTO click_visitors SELECT n.* FROM (SELECT DISTINCT f.domain, f.code, " +
                "CAST(make_timestamp(f.time_ms * 1000) AS DATE) AS day, f.visitor FROM f JOIN agents a ON a.ua = coalesce(f.user_agent, '') " +
                "WHERE f.method = 'GET' AND NOT a.bot AND f." + REDIRECT + ") n ANTI JOIN click_visitors v " +
                "ON v.domain = n.domain AND v.code = n.code AND v.day = n.day AND v.visitor = n.visitor");
            s.execute("DROP TABLE f");
            writer.commit();
            return counted;
        }
    }

    private static String firstLine(final String message)
    {
        final int nl = message == null ? -1 : message.indexOf('\n');
        return nl < 0 ? String.valueOf(message) : message.substring(0, nl);
    }

    /** A TabSeparated field back to its text. */
    /** Undo the TabSeparated escapes edges write: {@code \\ \t \n \r} and {@code \xHH} for other control bytes. */
    static String unescape(final String field)
    {
        return ClickFileFormat.unescape(field);
    }

    @Override
    public java.util.Map<String, Long> clicks(final List<String> links) throws SQLException
    {
        final java.util.Map<String, Long> out = new java.util.HashMap<>();
        if (links.isEmpty())
        {
            return out;
        }
        if (links.size() > MAX_LINKS_PER_CALL)
        {
            throw new IllegalArgumentException("at most " + MAX_LINKS_PER_CALL + " links a call");
        }
        final String placeholders = String.join(", ", java.util.Collections.nCopies(links.size(), "?"));
        synchronized (reader)
        {
            // every human click but those an expired or limited link sent to its expiredUrl
            try (PreparedStatement ps = reader.prepareStatement("SELECT domain || '/' || code, " +
                "sum(clicks) FILTER (WHERE dim = 'total') - coalesce(sum(clicks) FILTER (WHERE dim = 'destination'), 0) FROM click_rollup " +
                "WHERE NOT bot AND (dim = 'total' OR dim = 'destination' AND value = 'expired') AND domain || '/' || code IN (" + placeholders +
                ") GROUP BY domain, code"))
            {
                for (int i = 0; i < links.size(); i++)
                {
                    ps.setString(i + 1, links.get(i));
                }
                try (ResultSet rs = ps.executeQuery())
                {
                    while (rs.next())
                    {
                        out.put(rs.getString(1), rs.getLong(2));
                    }
                }
            }
        }
        return out;
    }

    @Override
    public Report report(final String domain, final String code, final long fromMs, final long toMs, final Granularity granularity)
        throws SQLException
    {
        synchronized (reader)
        {
            return reportLocked(domain, code, fromMs, toMs, granularity);
        }
    }

    private Report reportLocked(final String domain, final String code, final long fromMs, final long toMs,
        final Granularity granularity) throws SQLException
    {
        final long fromHour = Math.floorDiv(fromMs, 3_600_000L) * 3_600_000L;
        final long toHour = Math.floorDiv(toMs + 3_599_999L, 3_600_000L) * 3_600_000L;
        long clicks = 0;
        long bots = 0;
        final List<long[]> timeline = new ArrayList<>();
        try (PreparedStatement ps = reader.prepareStatement("SELECT epoch_ms(date_trunc('" + granularity.sqlUnit() + "', hour)) AS bucket, " +
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
            "WHERE r <= CASE dim WHEN 'destination' THEN 64 ELSE 10 END ORDER BY dim, r"))
        {
            bind(ps, domain, code, fromHour, toHour);
            try (ResultSet rs = ps.executeQuery())
            {
                while (rs.next())
                {
                    tops.computeIfAbsent(rs.getString(1), d -> new ArrayList<>())
                        .add(new Ranked(rs.getString(2).isEmpty() ? rs.getString(1).equals("destination") ? "url" : "(none)"
                            : rs.getString(2), rs.getLong(3)));
                }
            }
        }
        return new Report(clicks, unique, bots, timeline, tops.getOrDefault("referrer", List.of()),
            tops.getOrDefault("country", List.of()), tops.getOrDefault("browser", List.of()), tops.getOrDefault("os", List.of()),
            tops.getOrDefault("device", List.of()), tops.getOrDefault("destination", List.of()));
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

    /** @return whether the file with this identity has been counted. */
    public boolean counted(final String edge, final long sequence) throws SQLException
    {
        synchronized (reader)
        {
            try (PreparedStatement ps = reader.prepareStatement("SELECT 1 FROM ingested_files WHERE edge = ? AND seq = ?"))
            {
                ps.setString(1, edge);
                ps.setLong(2, sequence);
                try (ResultSet rs = ps.executeQuery())
                {
                    return rs.next();
                }
            }
        }
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
