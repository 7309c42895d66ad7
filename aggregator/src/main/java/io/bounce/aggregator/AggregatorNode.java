package io.bounce.aggregator;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.sql.SQLException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import io.bounce.runtime.admin.AdminServer;
import io.bounce.runtime.admin.Metrics;
import io.bounce.runtime.agent.Agents;
import io.bounce.runtime.files.SecretFiles;
import io.bounce.runtime.http.BearerToken;
import io.bounce.runtime.http.ConnectionDrops;
import io.bounce.runtime.http.IdleCloser;
import io.bounce.runtime.http.NotFoundHandler;
import io.bounce.runtime.http.RequestTimer;
import io.bounce.runtime.http.StrictRequests;
import io.bounce.runtime.limits.ConnectionLimits;
import io.bounce.runtime.server.NettyServer;
import io.bounce.runtime.server.Transport;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.agrona.CloseHelper;

/**
 * A stand-alone aggregator process: an {@link Aggregator}, its port (edges {@code PUT} click files,
 * control planes {@code GET} reports) and its admin port, started in that order and stopped in the
 * reverse one.
 */
public final class AggregatorNode implements AutoCloseable
{
    private final Aggregator aggregator;
    private final NettyServer server;
    private final AdminServer admin;
    private final ExecutorService queries;
    private boolean closed;

    private AggregatorNode(final Aggregator aggregator, final NettyServer server, final AdminServer admin, final ExecutorService queries)
    {
        this.aggregator = aggregator;
        this.server = server;
        this.admin = admin;
        this.queries = queries;
    }

    public static AggregatorNode start(final AggregatorConfig config, final PrintStream out)
        throws IOException, SQLException, InterruptedException
    {
        Files.createDirectories(config.dataDir());
        final String clickToken = config.clicks().clickToken() != null
            ? config.clicks().clickToken()
            : SecretFiles.readOrCreateToken(config.dataDir().resolve(AggregatorConfig.CLICK_TOKEN_FILE));
        final BearerToken analyticsToken = new BearerToken(config.analyticsToken() != null
            ? config.analyticsToken()
            : SecretFiles.readOrCreateToken(config.dataDir().resolve(AggregatorConfig.ANALYTICS_TOKEN_FILE)));
        final ExecutorService queries = Executors.newFixedThreadPool(2, r ->
        {
            final Thread thread = new Thread(r, "analytics-query");
            thread.setDaemon(true);
            return thread;
        });
        final Agents agents = new Agents();
        Aggregator aggregator = null;
        NettyServer server = null;
        try
        {
            aggregator = Aggregator.start(config.dataDir(), config.clicks(), clickToken, agents);
            final Aggregator running = aggregator;
            final ConnectionDrops drops = new ConnectionDrops("aggregator");
            final ConnectionLimits limits = config.connectionLimits();
            server = new NettyServer(new NettyServer.Settings("aggregator", Transport.auto(), config.ioThreads(), config.host(),
                config.port(), 1024), limits, new ChannelInitializer<>()
                {
                    @Override
                    protected void initChannel(final Channel ch)
                    {
                        ch.pipeline()
                            .addLast("idle", new IdleCloser(config.idleTimeoutMs(), drops))
                            .addLast("request-timer", new RequestTimer(config.headerTimeoutMs(), drops));
                        StrictRequests.addCodec(ch.pipeline(), "http");
                        ch.pipeline()
                            .addLast("ingest", running.newIngestHandler())
                            .addLast("analytics", new AnalyticsHandler(running.analytics(), queries, analyticsToken))
                            .addLast("not-found", new NotFoundHandler(drops));
                    }
                });
            final NettyServer serving = server;
            final PrometheusRegistry metrics = Metrics.registry("aggregator");
            aggregator.register(metrics);
            agents.register(metrics);
            drops.register(metrics, "bounce_aggregator_connections_dropped_total");
            limits.register(metrics, "bounce_aggregator", true);
            final AdminServer admin = new AdminServer("aggregator-admin", config.adminHost(), config.adminPort(), serving::isAccepting,
                metrics);
            out.println("aggregator: http://" + NettyServer.hostPort(server.localAddress()));
            out.println("aggregator admin: http://" + NettyServer.hostPort(admin.localAddress()));
            out.flush();
            return new AggregatorNode(aggregator, server, admin, queries);
        }
        catch (final IOException | SQLException | InterruptedException | RuntimeException ex)
        {
            CloseHelper.quietCloseAll(server, aggregator);
            queries.shutdownNow();
            throw ex;
        }
    }

    public InetSocketAddress address()
    {
        return server.localAddress();
    }

    public InetSocketAddress adminAddress()
    {
        return admin.localAddress();
    }

    public Aggregator aggregator()
    {
        return aggregator;
    }

    /** Stop taking files and queries, count what is in hand, close the store. Idempotent. */
    @Override
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        server.close();
        queries.shutdownNow();
        aggregator.close();
        admin.close();
    }
}
