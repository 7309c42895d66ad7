package io.bounce.edge;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.bounce.runtime.admin.AdminServer;
import io.bounce.runtime.admin.Metrics;
import io.bounce.runtime.agent.Agents;
import io.bounce.runtime.server.NettyServer;
import io.bounce.runtime.tls.CertificateDirectory;
import io.bounce.runtime.tls.ServerTls;
import io.bounce.runtime.tls.TicketKeyFile;
import io.bounce.edge.clicks.ClickPipeline;
import io.bounce.edge.geo.GeoIp;
import io.bounce.edge.http.RedirectServer;
import io.bounce.edge.http.Redirector;
import io.bounce.edge.metrics.EdgeMetrics;
import io.bounce.edge.tls.TlsReplica;
import io.bounce.edge.replica.DefaultDomainCheck;
import io.bounce.edge.replica.LinkReplica;
import io.bounce.edge.replica.ReplicaSink;
import io.bounce.edge.replica.TsvImporter;
import io.bounce.replication.log.FollowerStats;
import io.bounce.replication.log.LogFollower;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.agrona.CloseHelper;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.EpochClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One edge process: the replica, the public redirect server, the admin server and (with
 * {@code --control-plane}) the change-log follower, started in that order and stopped in the reverse
 * one. The server answers from the persisted replica from its first moment; the follower brings the
 * replica up to date beside it and never stands in the redirect path.
 */
public final class EdgeNode implements AutoCloseable
{
    /**
     * While a file of this name is in the data dir, {@code /readyz} answers 503 and the edge serves on: the
     * load balancer moves traffic away before the edge is stopped ({@code touch <data-dir>/drain}; remove it to
     * take traffic again). Checked on each readiness probe, off the redirect path.
     */
    public static final String DRAIN_FILE = "drain";

    private static final Logger LOG = LoggerFactory.getLogger(EdgeNode.class);
    /** How often {@code --tls-dir} is looked at for new or renewed certificates, in ms. */
    private static final long CERTIFICATE_SCAN_MS = 2_000;

    private final EdgeConfig config;
    private final LinkReplica replica;
    private final EdgeMetrics metrics;
    private final RedirectServer server;
    private final AdminServer admin;
    private final LogFollower follower;
    private final ClickPipeline clicks;
    private final GeoIp geoIp;
    private final AgentRunner certificateScan;
    private final AgentRunner ticketKeyScan;
    private boolean stopped;

    private EdgeNode(final EdgeConfig config, final LinkReplica replica, final EdgeMetrics metrics,
        final RedirectServer server, final AdminServer admin, final LogFollower follower, final ClickPipeline clicks,
        final GeoIp geoIp, final AgentRunner certificateScan, final AgentRunner ticketKeyScan)
    {
        this.geoIp = geoIp;
        this.certificateScan = certificateScan;
        this.ticketKeyScan = ticketKeyScan;
        this.follower = follower;
        this.clicks = clicks;
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
        final LinkReplica replica = LinkReplica.open(config.dataDir(), config.expectedLinks(), config.averageUrlBytes(),
            config.controlPlane() != null && config.importFile() == null);
        RedirectServer server = null;
        ClickPipeline clicks = null;
        GeoIp geoIp = null;
        AgentRunner certificateScan = null;
        AgentRunner ticketKeyScan = null;
        try
        {
            if (replica.recoveredFromCrash())
            {
                out.println("replica in " + config.dataDir() + " was not closed cleanly: recovered it");
            }
            else if (replica.stoppedUncleanly())
            {
                out.println("replica in " + config.dataDir() + " was not closed cleanly: no thread was inside it, opened it as it was");
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
            final Agents agents = new Agents();
            geoIp = config.geoipDb() == null ? null : GeoIp.open(config.geoipDb());
            clicks = config.clicks().aggregator() == null ? null : new ClickPipeline(config, clock, agents, geoIp);
            final ServerTls tls = config.https().port() < 0 ? null : new ServerTls("edge", config.https().tls().engine(),
                config.https().http2() ? List.of("h2", "http/1.1") : List.of("http/1.1"));
            final CertificateDirectory certificates = tls == null || config.https().tlsDir() == null ? null : new CertificateDirectory(config.https().tlsDir(), tls);
            final TicketKeyFile ticketKeys = tls == null || config.https().tlsTicketKeys() == null ? null : new TicketKeyFile(config.https().tlsTicketKeys(), tls);
            if (tls != null)
            {
                tls.setDefault(config.https().tls().defaults());
                if (ticketKeys != null)
                {
                    ticketKeys.load();
                    ticketKeyScan = agents.start(ticketKeys, Agents.sleeping(CERTIFICATE_SCAN_MS));
                }
                if (certificates != null)
                {
                    certificates.load();
                    certificateScan = agents.start(certificates, Agents.sleeping(CERTIFICATE_SCAN_MS));
                }
            }
            // After the command line's certificates: the change log's come on top, and its default only where there is none.
            final TlsReplica tlsRecords = new TlsReplica(config.dataDir(), tls, config.https().secrets(), config.https().tls().enabled(),
                ticketKeys != null).open();
            final Redirector redirector = new Redirector(config, replica, metrics, clicks == null ? null : clicks.recorder(), tlsRecords,
                geoIp, clock);
            server = new RedirectServer(config, redirector, tls);
            final LogFollower follower = config.controlPlane() == null ? null : new LogFollower(
                new LogFollower.Settings(config.controlPlanes(), config.replicationToken(), config.replicationTimeoutMs(),
                    100, config.replicationBackoffMaxMs(), config.controlPlaneTrust()),
                new ReplicaSink(config.dataDir(), replica, tlsRecords), agents);
            final RedirectServer serving = server;
            final ClickPipeline pipeline = clicks;
            final Path drainFile = config.dataDir().resolve(DRAIN_FILE);
            final PrometheusRegistry registry = Metrics.registry("edge");
            metrics.register(registry, replica);
            redirector.passwords().register(registry);
            final DefaultDomainCheck defaultDomain = new DefaultDomainCheck(replica, config.defaultDomain());
            defaultDomain.warnIfUnknown("at start");
            replica.onSnapshot(() -> defaultDomain.warnIfUnknown("after a snapshot"));
            Metrics.gauge(registry, "bounce_edge_default_domain_unknown",
                "1 while the edge has links but none on its --default-domain: requests for other hosts all get 404.",
                () -> defaultDomain.unknown() ? 1 : 0);
            server.limits().register(registry, "bounce_edge", false); // the edge counts its open connections itself
            if (tls != null)
            {
                tls.register(registry);
            }
            tlsRecords.register(registry);
            if (ticketKeys != null)
            {
                Metrics.counter(registry, "bounce_tls_ticket_keys_refused_total",
                    "Reads of --tls-ticket-keys refused (unreadable, malformed, readable by others); the keys read before stay.",
                    ticketKeys::refused);
            }
            if (certificates != null)
            {
                Metrics.counter(registry, "bounce_tls_directory_refused_total",
                    "Certificate files in --tls-dir skipped: unreadable, not PEM, or a key that is not the certificate's.", certificates::refused);
            }
            agents.register(registry);
            if (pipeline != null)
            {
                pipeline.register(registry);
            }
            if (geoIp != null)
            {
                geoIp.register(registry);
            }
            if (follower != null)
            {
                follower.stats().register(registry);
                Metrics.counter(registry, "bounce_replication_records_skipped_total",
                    "Changes handed over again after a restart and skipped: the replica had them.",
                    () -> replica.skippedChanges() + tlsRecords.skipped());
            }
            final AdminServer admin = new AdminServer("edge-admin", config.adminHost(), config.adminPort(),
                () -> serving.isServing() && !Files.exists(drainFile) && (follower == null || isCaughtUp(follower.stats(), config)),
                registry);
            final EdgeNode node = new EdgeNode(config, replica, metrics, server, admin, follower, clicks, geoIp, certificateScan,
                ticketKeyScan);
            if (follower != null)
            {
                final long from = replica.appliedSequence();
                follower.start();
                out.println("edge following: " + config.controlPlanes().stream().map(URI::toString)
                    .collect(java.util.stream.Collectors.joining(",")) + " (from sequence " + from + ")");
            }
            out.println("edge: http://" + NettyServer.hostPort(server.localAddress()) + " (" + server.transport().name().toLowerCase() +
                ", " + config.ioThreads() + " event loops, " + replica.linkCount() + " links)");
            if (server.httpsAddress() != null)
            {
                out.println("edge-https: https://" + NettyServer.hostPort(server.httpsAddress()) + " (TLS by " +
                    config.https().tls().engine().name().toLowerCase() + ", " + tls.certificates().size() + " certificates)");
            }
            out.println("edge admin: http://" + NettyServer.hostPort(admin.localAddress()));
            if (clicks != null)
            {
                out.println("edge clicks: recording as " + config.edgeId() + ", shipping to " + config.clicks().aggregator());
            }
            out.flush();
            return node;
        }
        catch (final IOException | InterruptedException | RuntimeException ex)
        {
            CloseHelper.quietCloseAll(certificateScan, ticketKeyScan, server, clicks, geoIp, replica);
            throw ex;
        }
    }

    /**
     * Ready while caught up: the follower has reached the leader's head at least once since this start
     * and is within the configured lag of it as last heard. Losing the leader does not, by itself, make
     * an edge unready: every edge loses it together, and they serve on from their replicas.
     */
    private static boolean isCaughtUp(final FollowerStats stats, final EdgeConfig config)
    {
        return stats.caughtUpOnce() && stats.lagRecords() <= config.readyMaxLagRecords() && stats.lagMs() <= config.readyMaxLagMs();
    }

    /** @return the change-log follower's counters, or null for an edge without {@code --control-plane}. */
    public FollowerStats replication()
    {
        return follower == null ? null : follower.stats();
    }

    public InetSocketAddress address()
    {
        return server.localAddress();
    }

    /** @return the HTTPS port's address, or null for an edge without certificates. */
    public InetSocketAddress httpsAddress()
    {
        return server.httpsAddress();
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
        CloseHelper.close(follower);
        CloseHelper.close(certificateScan);
        CloseHelper.close(ticketKeyScan);
        server.drain(config.drainTimeoutMs());
        server.close();
        CloseHelper.close(clicks); // every answered request is in the ring by now: drain it, finish the file, ship
        CloseHelper.quietClose(geoIp); // after the click writer, its other user
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
}
