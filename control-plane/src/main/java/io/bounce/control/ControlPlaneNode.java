package io.bounce.control;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.SQLException;
import java.util.EnumSet;

import io.bounce.runtime.admin.AdminServer;
import io.bounce.control.api.Api;
import io.bounce.control.api.ApiServer;
import io.bounce.control.clicks.ClickIngest;
import io.bounce.control.clicks.ClickStore;
import io.bounce.control.clicks.IngestHandler;
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
    private final ClickStore clicks;
    private final ClickIngest ingest;
    private final java.util.concurrent.ExecutorService acceptPool;
    private boolean closed;

    private ControlPlaneNode(final Database database, final GroupCommitter writer, final ReadPool readers, final ApiServer api,
        final AdminServer admin, final ControlMetrics metrics, final Api routes, final String adminKey,
        final LogRetention retention, final String replicationToken, final ClickStore clicks,
        final ClickIngest ingest, final java.util.concurrent.ExecutorService acceptPool)
    {
        this.acceptPool = acceptPool;
        this.clicks = clicks;
        this.ingest = ingest;
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
        ClickStore clickStore = null;
        ClickIngest clickIngest = null;
        // Decompressing, checking and keeping click files runs here, in parallel; counting them is ClickIngest's loader.
        final java.util.concurrent.ExecutorService acceptPool = java.util.concurrent.Executors.newFixedThreadPool(
            Math.max(2, Runtime.getRuntime().availableProcessors()), r ->
            {
                final Thread thread = new Thread(r, "click-accept");
                thread.setDaemon(true);
                return thread;
            });
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
                writeAdminKey(config.dataDir().resolve(ADMIN_KEY_FILE), adminKey);
            }

            final Blocklist blocklist = new Blocklist(config.blocklist());
            final LinkService links = new LinkService(writer, readers, domains,
                new DestinationPolicy(config.maxUrlLength(), domains::isOwn, blocklist),
                new CodeGenerator(config.codeLength()), clock, config.editWindowMs(), config.defaultLifetimeMs(),
                config.reservedAliases());
            clickStore = new ClickStore(config.dataDir());
            final ClickStore store = clickStore;
            clickIngest = new ClickIngest(store, config.dataDir().resolve("click-ingest"), config.maxClickFileUncompressedBytes(),
                config.maxClickPendingBytes(), config.maxClickBatchBytes());
            final ClickIngest ingest = clickIngest;
            ingest.start();
            final Api apiRoutes = new Api(links, keys, new RateLimiter(), domains, writer, readers, metrics, System::nanoTime,
                config.shortUrlScheme(), config.shortUrlPort(), config.maxBulkItems(), store, clock);
            final String replicationToken = config.replicationToken() != null
                ? config.replicationToken()
                : readOrCreateToken(config.dataDir().resolve(REPLICATION_TOKEN_FILE));
            final LogServer logServer = new LogServer(new StoreChangeLog(database, logHead), replicationToken,
                config.replicationHeartbeatMs(), config.maxFollowers());
            final LogRetention logRetention = new LogRetention(writer, config.logRetentionMs(), config.logRetentionRecords());
            retention = logRetention;
            apiServer = new ApiServer(apiRoutes, readers.executor(), config.host(), config.port(), config.ioThreads(),
                config.maxBodyBytes(), config.idleTimeoutMs(), config.headerTimeoutMs(), logServer,
                () -> new IngestHandler(ingest, acceptPool,
                    config.clickToken() != null ? config.clickToken() : replicationToken, config.maxClickFileBytes()));
            final AdminServer adminServer = new AdminServer("control-admin", config.adminHost(), config.adminPort(), writer::isRunning,
                () ->
                {
                    final StringBuilder text = new StringBuilder(metrics.scrape(writer.head(), writer.commits(), writer.committedOps()));
                    logServer.scrape(text);
                    ingest.scrape(text);
                    PrometheusText.gauge(text, "bounce_changelog_first_retained_sequence",
                        "Oldest change-log sequence kept, as of the last compaction.", logRetention.firstRetained());
                    PrometheusText.counter(text, "bounce_changelog_compacted_total", "Change-log entries dropped by retention.",
                        logRetention.deleted());
                    return text.toString();
                });
            logRetention.start(config.logCompactionIntervalMs());
            final ControlPlaneNode node = new ControlPlaneNode(database, writer, readers, apiServer, adminServer, metrics, apiRoutes,
                adminKey, logRetention, replicationToken, clickStore, ingest, acceptPool);
            out.println("api: http://" + hostPort(apiServer.localAddress()));
            out.println("control-plane admin: http://" + hostPort(adminServer.localAddress()));
            if (adminKey != null)
            {
                out.println("admin key: " + adminKey + " (also in " + config.dataDir().resolve(ADMIN_KEY_FILE) + "; shown once)");
            }
            out.flush();
            return node;
        }
        catch (final Exception ex)
        {
            if (apiServer != null)
            {
                apiServer.close();
            }
            if (retention != null)
            {
                retention.close();
            }
            acceptPool.shutdownNow();
            if (clickStore != null)
            {
                try
                {
                    if (clickIngest != null)
                    {
                        clickIngest.close();
                    }
                    clickStore.close();
                }
                catch (final SQLException | InterruptedException closing)
                {
                    LOG.warn("closing the click store failed", closing);
                }
            }
            writer.close(); // first: its last futures complete on the readers' executor
            readers.close();
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

    /** The data dir's replication token, created (random 256 bits, mode 0600) the first time. */
    private static String readOrCreateToken(final Path file) throws IOException
    {
        if (Files.exists(file))
        {
            final String token = Files.readString(file, StandardCharsets.US_ASCII).trim();
            if (token.length() >= 16)
            {
                return token;
            }
            throw new IOException(file + " holds no usable replication token (16 characters or more)");
        }
        final byte[] secret = new byte[32];
        new java.security.SecureRandom().nextBytes(secret);
        final String token = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        writeAdminKey(file, token);
        return token;
    }

    private static void writeAdminKey(final Path file, final String key) throws IOException
    {
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, key + "\n", StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
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

    public ClickStore clicks()
    {
        return clicks;
    }

    /** @return click files accepted from edges and not yet counted. */
    public int pendingClickFiles()
    {
        return ingest.pendingFiles();
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
        acceptPool.shutdown();
        try
        {
            acceptPool.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
            ingest.close(); // after the batch in hand; files still waiting are counted after the next start
            clicks.close();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        catch (final SQLException ex)
        {
            LOG.warn("closing the click store failed", ex);
        }
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

    private static String hostPort(final InetSocketAddress address)
    {
        final String host = address.getAddress().isAnyLocalAddress() ? "127.0.0.1" : address.getHostString();
        return host + ":" + address.getPort();
    }
}
