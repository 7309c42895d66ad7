package io.bounce.control;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.sql.SQLException;

import io.bounce.aggregator.Aggregator;
import io.bounce.aggregator.AggregatorClient;
import io.bounce.aggregator.ClickAnalytics;
import io.bounce.aggregator.ClickStore;
import io.bounce.control.accounts.AccountService;
import io.bounce.control.api.ApiContext;
import io.bounce.control.api.ApiRouter;
import io.bounce.control.api.ApiServer;
import io.bounce.control.dashboard.Dashboard;
import io.bounce.control.domains.DomainService;
import io.bounce.control.domains.TicketKeyRotation;
import io.bounce.runtime.tls.DevelopmentCa;
import io.bounce.control.keys.KeyService;
import io.bounce.control.links.Blocklist;
import io.bounce.control.links.ClickLimits;
import io.bounce.control.links.LinkService;
import io.bounce.control.replication.LogRetention;
import io.bounce.control.replication.StoreChangeLog;
import io.bounce.control.store.Database;
import io.bounce.control.store.Store;
import io.bounce.replication.log.LogHead;
import io.bounce.replication.log.LogServer;
import io.bounce.runtime.admin.AdminServer;
import io.bounce.runtime.admin.Metrics;
import io.bounce.runtime.agent.Agents;
import io.bounce.runtime.files.SecretFiles;
import io.bounce.runtime.server.NettyServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.agrona.CloseHelper;
import org.agrona.concurrent.EpochClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One control-plane process: the store, the services over it, the click aggregator (unless a
 * stand-alone one is configured), the API port (which also serves the change log and click ingest)
 * and the admin port, started in that order and stopped in the reverse one.
 */
public final class ControlPlaneNode implements AutoCloseable
{
    public static final String ADMIN_KEY_FILE = "admin.key";
    public static final String REPLICATION_TOKEN_FILE = "replication.token";

    private static final Logger LOG = LoggerFactory.getLogger(ControlPlaneNode.class);

    private final Store store;
    private final ApiServer api;
    private final AdminServer admin;
    private final ControlMetrics metrics;
    private final ApiRouter routes;
    private final String adminKey;
    private final LogRetention retention;
    /** Rotates the fleet's session-ticket keys; null without a key-encryption key to seal them with. */
    private final TicketKeyRotation ticketKeys;
    private final String replicationToken;
    /** The aggregator this process runs, or null when analytics come from a stand-alone one ({@code --aggregator}). */
    private final Aggregator aggregator;
    /** Domains and their certificates: closing it stops ACME. */
    private final DomainService domains;
    /** The leader's check of links' clicks against their maxClicks. */
    private final ClickLimits clickLimits;
    private boolean closed;

    private ControlPlaneNode(final Store store, final ApiServer api, final AdminServer admin, final ControlMetrics metrics,
        final ApiRouter routes, final String adminKey, final LogRetention retention, final TicketKeyRotation ticketKeys,
        final String replicationToken, final Aggregator aggregator, final DomainService domains, final ClickLimits clickLimits)
    {
        this.clickLimits = clickLimits;
        this.domains = domains;
        this.ticketKeys = ticketKeys;
        this.store = store;
        this.api = api;
        this.admin = admin;
        this.metrics = metrics;
        this.routes = routes;
        this.adminKey = adminKey;
        this.retention = retention;
        this.replicationToken = replicationToken;
        this.aggregator = aggregator;
    }

    public static ControlPlaneNode start(final ControlPlaneConfig config, final EpochClock clock, final PrintStream out)
        throws IOException, SQLException, InterruptedException
    {
        final LogHead logHead = new LogHead(0, 0);
        final Agents agents = new Agents();
        final Store store = Store.open(config.dataDir(), config.store(), config.readThreads(), config.maxBatch(), clock, logHead::advance,
            agents);
        logHead.advance(store.writer().head(), store.writer().headCommittedAtMs());
        final ControlMetrics metrics = new ControlMetrics();
        ApiServer apiServer = null;
        LogRetention retention = null;
        ClickLimits clickLimits = null;
        TicketKeyRotation ticketKeys = null;
        Aggregator aggregator = null;
        DomainService domainService = null;
        try
        {
            final DomainService domains = new DomainService(store, config.defaultDomain(), config.secrets(), clock,
                config.developmentCa() == null ? null : DevelopmentCa.openOrCreate(config.developmentCa()), config.acme());
            domainService = domains;
            final KeyService keys = new KeyService(store, config.rateLimitPerSecond(), config.rateLimitBurst(), domains.domains());
            // The leader's duties at start (a control plane that does not lead only loads what the leader wrote). First start on
            // an empty store: one admin key, unlimited, shown once and kept in admin.key.
            final AccountService accounts = new AccountService(store, keys);
            final String adminKey = lead(store, domains, keys);
            followLeader(store, domains, keys, accounts);
            if (adminKey != null)
            {
                SecretFiles.write(config.dataDir().resolve(ADMIN_KEY_FILE), adminKey);
            }
            // The first admin account (a store with none): its password, made here, goes to a file only its user reads.
            final AccountService.FirstAdmin firstAdmin = store.leadership().isLeader()
                ? accounts.start(config.dashboard().adminEmail()) : null;
            if (!store.leadership().isLeader())
            {
                accounts.refresh();
            }
            if (firstAdmin != null)
            {
                SecretFiles.write(config.dataDir().resolve(AccountService.ADMIN_PASSWORD_FILE), firstAdmin.password());
            }
            final LinkService links = new LinkService(config, store, domains.domains(), new Blocklist(config.destinations().blocklist()), clock);
            final String replicationToken = config.replicationToken() != null
                ? config.replicationToken()
                : SecretFiles.readOrCreateToken(config.dataDir().resolve(REPLICATION_TOKEN_FILE));
            if (config.aggregator() == null)
            {
                aggregator = Aggregator.start(config.dataDir(), config.clicks(),
                    config.clicks().clickToken() != null ? config.clicks().clickToken() : replicationToken, agents);
            }
            final ClickAnalytics analytics = aggregator != null
                ? aggregator.analytics()
                : new AggregatorClient(config.aggregator(), config.aggregatorToken());
            final ApiContext context = new ApiContext(config, links, keys, accounts, domains, analytics, metrics, clock, System::nanoTime);
            final ApiRouter router = new ApiRouter(context);
            if (config.dashboard().enabled())
            {
                router.pages(Dashboard::serves, new Dashboard(context, router)::handle);
            }
            final LogServer logServer = new LogServer(new StoreChangeLog(store.database(), logHead), replicationToken,
                config.replicationHeartbeatMs(), config.maxFollowers());
            retention = new LogRetention(store.writer(), config.logRetentionMs(), config.logRetentionRecords());
            apiServer = new ApiServer(config, router, store.readers().executor(), logServer, aggregator);
            ticketKeys = config.secrets() == null ? null
                : new TicketKeyRotation(store.writer(), config.secrets(), config.ticketKeyRotationMs());
            clickLimits = new ClickLimits(links, store.readers(), analytics);
            final AdminServer adminServer = adminServer(config, store, metrics, apiServer, logServer, retention, ticketKeys, aggregator,
                domains, clickLimits, agents);
            domains.startAcme(agents);
            retention.start(config.logCompactionIntervalMs(), agents, store.leadership()::isLeader);
            clickLimits.start(config.clickLimits().checkMs(), agents, store.leadership()::isLeader);
            if (ticketKeys != null)
            {
                ticketKeys.start(agents, store.leadership()::isLeader);
            }
            final String apiUrl = apiServer.scheme() + "://" + NettyServer.hostPort(apiServer.localAddress());
            store.leadership().advertise(config.store().advertiseUrl() != null ? config.store().advertiseUrl() : apiUrl);
            out.println("api: " + apiUrl);
            if (config.dashboard().enabled())
            {
                out.println("dashboard: " + apiUrl + "/");
            }
            if (firstAdmin != null)
            {
                out.println("admin sign-in: " + firstAdmin.email() + " (password in " +
                    config.dataDir().resolve(AccountService.ADMIN_PASSWORD_FILE) + ", readable by this user only)");
            }
            out.println("control-plane admin: http://" + NettyServer.hostPort(adminServer.localAddress()));
            if (adminKey != null)
            {
                // Where, never what: this output is a log file or the journal, which more people read than the key's owner.
                out.println("admin key: created, in " + config.dataDir().resolve(ADMIN_KEY_FILE) + " (readable by this user only)");
            }
            out.flush();
            return new ControlPlaneNode(store, apiServer, adminServer, metrics, router, adminKey, retention, ticketKeys, replicationToken,
                aggregator, domains, clickLimits);
        }
        catch (final Exception ex)
        {
            CloseHelper.quietCloseAll(domainService, ticketKeys, apiServer, retention, clickLimits, aggregator, store);
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

    /**
     * What the leader does at start, and again at each takeover: make sure the default domain and what no change carried
     * yet are in the log, then load keys and domains. A control plane that does not lead only loads them.
     *
     * @return the admin key made on the first start of an empty store, else null.
     */
    private static String lead(final Store store, final DomainService domains, final KeyService keys) throws Exception
    {
        if (!store.leadership().isLeader())
        {
            domains.refresh();
            keys.refresh();
            return null;
        }
        domains.start();
        return keys.start();
    }

    /**
     * While another control plane leads, load what it commits to keys and domains every second (the change log carries
     * neither keys nor every domain field), and take up the leader's duties at a takeover.
     */
    private static void followLeader(final Store store, final DomainService domains, final KeyService keys, final AccountService accounts)
    {
        store.leadership().onFollow(() ->
        {
            domains.refresh();
            keys.refresh();
            accounts.refresh();
        });
        store.leadership().onLead(() -> store.readers().executor().execute(() ->
        {
            try
            {
                lead(store, domains, keys);
                accounts.refresh();
            }
            catch (final Exception ex)
            {
                LOG.warn("the new leader's duties at takeover failed: {}", ex.toString());
            }
        }));
    }

    private static AdminServer adminServer(final ControlPlaneConfig config, final Store store, final ControlMetrics metrics,
        final ApiServer api, final LogServer logServer, final LogRetention retention, final TicketKeyRotation ticketKeys,
        final Aggregator aggregator, final DomainService domains, final ClickLimits clickLimits, final Agents agents)
        throws InterruptedException
    {
        final PrometheusRegistry registry = Metrics.registry("control-plane");
        agents.register(registry);
        metrics.register(registry);
        api.limits().register(registry, "bounce_api", true);
        if (api.tls() != null)
        {
            api.tls().register(registry);
        }
        store.writer().register(registry);
        store.leadership().register(registry);
        domains.register(registry);
        logServer.register(registry);
        retention.register(registry);
        clickLimits.register(registry);
        if (ticketKeys != null)
        {
            ticketKeys.register(registry);
        }
        if (aggregator != null)
        {
            aggregator.register(registry);
        }
        return new AdminServer("control-admin", config.adminHost(), config.adminPort(), store.writer()::isReady, registry);
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
    public ApiRouter api()
    {
        return routes;
    }

    public Database database()
    {
        return store.database();
    }

    public ControlMetrics metrics()
    {
        return metrics;
    }

    public long changeLogHead()
    {
        return store.writer().head();
    }

    /** @return true while this control plane writes: always with SQLite; with PostgreSQL, while it holds the lease. */
    public boolean isLeader()
    {
        return store.leadership().isLeader();
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

    /** Make a new session-ticket key now if one is due by the clock. @return true if one was made (false also without keys). */
    public boolean rotateTicketKeys() throws Exception
    {
        return ticketKeys != null && ticketKeys.rotateIfDue();
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
        domains.close();
        api.close();
        admin.close();
        retention.close();
        clickLimits.close();
        CloseHelper.quietClose(ticketKeys);
        CloseHelper.close(aggregator); // after the batch in hand; files still waiting are counted after the next start
        try
        {
            store.close();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            LOG.warn("interrupted while closing the store");
        }
    }
}
