package io.bounce.edge;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;

import io.bounce.admin.AdminServer;
import io.bounce.edge.http.RedirectServer;
import io.bounce.edge.http.Redirector;
import io.bounce.edge.metrics.EdgeMetrics;
import io.bounce.edge.replica.LinkReplica;
import io.bounce.edge.replica.TsvImporter;
import org.agrona.concurrent.EpochClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One edge process: the replica, the public redirect server and the admin server, started in that
 * order and stopped in the reverse one.
 */
public final class EdgeNode implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(EdgeNode.class);

    private final EdgeConfig config;
    private final LinkReplica replica;
    private final EdgeMetrics metrics;
    private final RedirectServer server;
    private final AdminServer admin;
    private boolean stopped;

    private EdgeNode(final EdgeConfig config, final LinkReplica replica, final EdgeMetrics metrics,
        final RedirectServer server, final AdminServer admin)
    {
        this.config = config;
        this.replica = replica;
        this.metrics = metrics;
        this.server = server;
        this.admin = admin;
    }

    /**
     * Open the replica, run the import if one is configured, and (unless {@code --exit-after-import})
     * start serving.
     *
     * @return the running node, or null when the configuration only asked for an import.
     */
    public static EdgeNode start(final EdgeConfig config, final EpochClock clock, final PrintStream out)
        throws IOException, InterruptedException
    {
        final LinkReplica replica = LinkReplica.open(config.dataDir(), config.expectedLinks(), config.averageUrlBytes());
        RedirectServer server = null;
        try
        {
            if (replica.recoveredFromCrash())
            {
                out.println("recovered replica in " + config.dataDir() + " after an unclean stop");
            }
            if (config.importFile() != null)
            {
                final TsvImporter.Result result =
                    new TsvImporter(replica, config.defaultDomain(), clock, out).importFile(config.importFile());
                out.println(result.summary(config.importFile()));
            }
            if (config.exitAfterImport())
            {
                replica.close();
                return null;
            }
            final EdgeMetrics metrics = new EdgeMetrics();
            final Redirector redirector = new Redirector(
                replica, config.defaultDomain(), clock, metrics, config.permanentMaxAgeSeconds());
            server = new RedirectServer(redirector, config.transport(), config.ioThreads(), config.host(), config.port(),
                config.idleTimeoutMs(), config.headerTimeoutMs(), config.maxRequestLineBytes(), config.maxHeaderBytes());
            final AdminServer admin = new AdminServer(
                "edge-admin", config.adminHost(), config.adminPort(), server::isServing, () -> metrics.scrape(replica));
            final EdgeNode node = new EdgeNode(config, replica, metrics, server, admin);
            out.println("edge: http://" + hostPort(server.localAddress()) + " (" + server.transport().name().toLowerCase() +
                ", " + config.ioThreads() + " event loops, " + replica.linkCount() + " links)");
            out.println("edge admin: http://" + hostPort(admin.localAddress()));
            out.flush();
            return node;
        }
        catch (final IOException | InterruptedException | RuntimeException ex)
        {
            if (server != null)
            {
                server.close();
            }
            replica.close();
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

    public LinkReplica replica()
    {
        return replica;
    }

    public EdgeMetrics metrics()
    {
        return metrics;
    }

    /** Drain in-flight requests within the configured deadline, then close everything. Idempotent. */
    @Override
    public synchronized void close()
    {
        if (stopped)
        {
            return;
        }
        stopped = true;
        server.drain(config.drainTimeoutMs());
        server.close();
        admin.close();
        try
        {
            replica.close();
        }
        catch (final IOException ex)
        {
            LOG.error("closing the replica failed", ex);
        }
    }

    private static String hostPort(final InetSocketAddress address)
    {
        final String host = address.getAddress().isAnyLocalAddress() ? "127.0.0.1" : address.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }
}
