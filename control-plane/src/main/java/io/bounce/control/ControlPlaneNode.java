package io.bounce.control;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.sql.SQLException;
import java.util.EnumSet;

import io.bounce.runtime.admin.AdminServer;
import io.bounce.runtime.server.NettyServer;
import io.bounce.control.api.Api;
import io.bounce.control.api.ApiServer;
import io.bounce.aggregator.Aggregator;
import io.bounce.aggregator.AggregatorClient;
import io.bounce.aggregator.ClickAnalytics;
import io.bounce.aggregator.ClickStore;
import io.bounce.control.keys.ApiKeys;
import io.bounce.control.keys.RateLimiter;
import io.bounce.control.keys.Scope;
import io.bounce.control.links.Blocklist;
import io.bounce.control.links.CodeGenerator;
import io.bounce.control.links.DestinationPolicy;
import io.bounce.control.links.Domains;
import io.bounce.control.links.LinkService;
import io.bounce.control.replication.LogRetention;
import io.bounce.control.replication.StoreChangeLog;
import io.bounce.control.store.Database;
import io.bounce.control.store.GroupCommitter;
import io.bounce.control.store.Queries;
import io.bounce.control.store.ReadPool;
import io.bounce.runtime.admin.PrometheusText;
import io.bounce.replication.log.LogHead;
import io.bounce.replication.log.LogServer;
import io.bounce.runtime.files.SecretFiles;
import org.agrona.CloseHelper;
import org.agrona.concurrent.EpochClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One control-plane process: store, writer, readers, API and admin port, started and stopped in order. */
public final class ControlPlaneNode implements AutoCloseable
{
    public static final String ADMIN_KEY_FILE = "admin.key";
    public static final String REPLICATION_TOKEN_FILE = "replication.token";

    private static final Logger LOG = LoggerFactory.getLogger(ControlPlaneNode.class);

    private final Database database;
    private final GroupCommitter writer;
    private final ReadPool readers;
    private final ApiServer api;
    private final AdminServer admin;
    private final ControlMetrics metrics;
    private final Api routes;
    private final String adminKey;
    private final LogRetention retention;
    private final String replicationToken;
    /** The aggregator this process runs, or null when analytics come from a stand-alone one ({@code --aggregator}). */
    private final Aggregator aggregator;
    private boolean closed;

    private ControlPlaneNode(final Database database, final GroupCommitter writer, final ReadPool readers, final ApiServer api,
        final AdminServer admin, final ControlMetrics metrics, final Api routes, final String adminKey,
        final LogRetention retention, final String replicationToken, final Aggregator aggregator)
    {
        this.aggregator = aggregator;
        this.retention = retention;
        this.replicationToken = replicationToken;
        this.routes = routes;
        this.database = database;
        this.writer = writer;
        this.readers = readers;
        this.api = api;
        this.admin = admin;
        this.metrics = metrics;
        this.adminKey = adminKey;
    }

    public static ControlPlaneNode start(final ControlPlaneConfig config, final EpochClock clock, final PrintStream out)
        throws IOException, SQLException, InterruptedException
    {
        final Database database = Database.open(config.dataDir());
        final ControlMetrics metrics = new ControlMetrics();
        final ReadPool readers = new ReadPool(database, config.readThreads());
        final LogHead logHead = new LogHead(0, 0);
        final GroupCommitter writer = new GroupCommitter(database, clock, config.maxBatch(), readers.executor(), logHead::advance);
        logHead.advance(writer.head(), writer.headCommittedAtMs());
        ApiServer apiServer = null;
        LogRetention retention = null;
        Aggregator aggregator = null;
        try
        {
            final Domains domains = new Domains(config.defaultDomain());
            final ApiKeys keys = new ApiKeys(config.rateLimitPerSecond(), config.rateLimitBurst());
            final String adminKey = writer.call(txn ->
            {
                Queries.insertDomain(txn.connection(), config.defaultDomain(), true, txn.now());
                domains.reload(txn.connection());
                if (!Queries.listKeys(txn.connection()).isEmpty())
                {
                    return null;
                }
                // First start on an empty store: one admin key, unlimited, shown once and kept in admin.key.
                final ApiKeys.Minted minted = keys.mint("admin", EnumSet.of(Scope.ADMIN), 0.0, null, txn.now());
                Queries.insertKey(txn.connection(), minted.row);
                return minted.secret;
            });
            readers.read(c ->
            {
                keys.reload(c);
                return null;
            });
            if (adminKey != null)
            {
                SecretFiles.write(config.dataDir().resolve(ADMIN_KEY_FILE), adminKey);
            }

            final Blocklist blocklist = new Blocklist(config.blocklist());
            final LinkService links = new LinkService(writer, readers, domains,
                new DestinationPolicy(config.maxUrlLength(), domains::isOwn, blocklist),
                new CodeGenerator(config.codeLength()), clock, config.editWindowMs(), config.defaultLifetimeMs(),
                config.reservedAliases());
            final String replicationToken = config.replicationToken() != null
                ? config.replicationToken()
                : SecretFiles.readOrCreateToken(config.dataDir().resolve(REPLICATION_TOKEN_FILE));
            if (config.aggregator() == null)
            {
                aggregator = Aggregator.start(config.dataDir(), config.clicks(),
                    config.clicks().clickToken() != null ? config.clicks().clickToken() : replicationToken);
            }
            final ClickAnalytics analytics = aggregator != null
                ? aggregator.analytics()
                : new AggregatorClient(config.aggregator(), config.aggregatorToken());
            final Api apiRoutes = new Api(links, keys, new RateLimiter(), domains, writer, readers, metrics, System::nanoTime,
                config.shortUrlScheme(), config.shortUrlPort(), config.maxBulkItems(), analytics, clock);
            final LogServer logServer = new LogServer(new StoreChangeLog(database, logHead), replicationToken,
                config.replicationHeartbeatMs(), config.maxFollowers());
            final LogRetention logRetention = new LogRetention(writer, config.logRetentionMs(), config.logRetentionRecords());
            retention = logRetention;
            apiServer = new ApiServer(apiRoutes, readers.executor(), config.host(), config.port(), config.ioThreads(),
                config.maxBodyBytes(), config.idleTimeoutMs(), config.headerTimeoutMs(), logServer, aggregator);
            final Aggregator clicks = aggregator;
            final AdminServer adminServer = new AdminServer("control-admin", config.adminHost(), config.adminPort(), writer::isRunning,
                () ->
                {
                    final StringBuilder text = new StringBuilder(metrics.scrape(writer.head(), writer.commits(), writer.committedOps()));
                    logServer.scrape(text);
                    if (clicks != null)
                    {
                        clicks.scrape(text);
                    }
                    PrometheusText.gauge(text, "bounce_changelog_first_retained_sequence",
                        "Oldest change-log sequence kept, as of the last compaction.", logRetention.firstRetained());
                    PrometheusText.counter(text, "bounce_changelog_compacted_total", "Change-log entries dropped by retention.",
                        logRetention.deleted());
                    return text.toString();
                });
            logRetention.start(config.logCompactionIntervalMs());
            final ControlPlaneNode node = new ControlPlaneNode(database, writer, readers, apiServer, adminServer, metrics, apiRoutes,
                adminKey, logRetention, replicationToken, aggregator);
            out.println("api: http://" + NettyServer.hostPort(apiServer.localAddress()));
            out.println("control-plane admin: http://" + NettyServer.hostPort(adminServer.localAddress()));
            if (adminKey != null)
            {
                out.println("admin key: " + adminKey + " (also in " + config.dataDir().resolve(ADMIN_KEY_FILE) + "; shown once)");
            }
            out.flush();
            return node;
        }
        catch (final Exception ex)
        {
            CloseHelper.quietCloseAll(apiServer, retention, aggregator);
            closeStore(writer, readers);
            if (ex instanceof IOException)
            {
                throw (IOException)ex;
            }
            if (ex instanceof SQLException)
            {
                throw (SQLException)ex;
            }
            if (ex instanceof InterruptedException)
            {
                throw (InterruptedException)ex;
            }
            throw new IllegalStateException("control plane failed to start", ex);
        }
    }

    public InetSocketAddress address()
    {
        return api.localAddress();
    }

    public InetSocketAddress adminAddress()
    {
        return admin.localAddress();
    }

    /** @return the admin key created on this start, or null if the store already had keys. */
    public String adminKey()
    {
        return adminKey;
    }

    /** The API's route table (what the OpenAPI document must list). */
    public Api api()
    {
        return routes;
    }

    public Database database()
    {
        return database;
    }

    public ControlMetrics metrics()
    {
        return metrics;
    }

    public long changeLogHead()
    {
        return writer.head();
    }

    /** @return the click store of the aggregator this process runs, or null when it uses a stand-alone one. */
    public ClickStore clicks()
    {
        return aggregator == null ? null : aggregator.store();
    }

    /** @return click files accepted from edges and not yet counted (0 when the aggregator is stand-alone). */
    public int pendingClickFiles()
    {
        return aggregator == null ? 0 : aggregator.pendingFiles();
    }

    /** The token followers must present. */
    public String replicationToken()
    {
        return replicationToken;
    }

    /** Apply the change-log retention rules now (they also run on their own timer). @return entries dropped. */
    public long compactLog() throws Exception
    {
        return retention.compact();
    }

    /** Stop taking requests, finish queued writes, close the store. Idempotent. */
    @Override
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        api.close();
        admin.close();
        retention.close();
        CloseHelper.close(aggregator); // after the batch in hand; files still waiting are counted after the next start
        closeStore(writer, readers);
    }

    private static void closeStore(final GroupCommitter writer, final ReadPool readers)
    {
        try
        {
            writer.close(); // first: its last futures complete on the readers' executor
            readers.close();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            LOG.warn("interrupted while closing the store");
        }
    }
}
