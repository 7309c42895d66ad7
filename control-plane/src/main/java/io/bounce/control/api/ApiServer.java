package io.bounce.control.api;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ExecutorService;

import javax.net.ssl.SSLException;

import io.bounce.aggregator.Aggregator;
import io.bounce.control.ControlPlaneConfig;
import io.bounce.replication.log.LogServer;
import io.bounce.runtime.http.ConnectionDrops;
import io.bounce.runtime.http.IdleCloser;
import io.bounce.runtime.http.RequestTimer;
import io.bounce.runtime.http.StrictRequests;
import io.bounce.runtime.limits.ConnectionLimits;
import io.bounce.runtime.server.NettyServer;
import io.bounce.runtime.tls.ServerTls;
import io.bounce.runtime.server.Transport;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;

/**
 * The API port. Bounds (same as the edge's): request line 4 KiB → 414, headers 8 KiB → 431, body
 * {@code --max-body-bytes} → 413, a request not whole within {@code --header-timeout-ms} of its first
 * byte → connection closed, idle connections closed after {@code --idle-timeout-ms}. The change log's
 * {@code /replication/v1/} paths are served here too, by the {@link LogServer}'s handler, which takes a
 * streaming connection out of those short-request timers; and, when this process runs the aggregator,
 * the click files edges ship ({@code /ingest/v1/}).
 */
public final class ApiServer implements AutoCloseable
{
    private final NettyServer server;
    private final ConnectionLimits limits;
    private final ServerTls tls;

    /**
     * @param workers    the threads requests are answered on (never an event loop: reads block on the store).
     * @param aggregator the aggregator this process runs, whose ingest this port serves; null when it runs apart.
     */
    public ApiServer(final ControlPlaneConfig config, final ApiRouter api, final ExecutorService workers, final LogServer logServer,
        final Aggregator aggregator)
        throws InterruptedException, SSLException
    {
        tls = config.tls().enabled() ? new ServerTls("api", config.tls().engine(), List.of("http/1.1")) : null;
        if (tls != null)
        {
            tls.setDefault(config.tls().defaults());
        }
        final int maxBodyBytes = config.maxBodyBytes();
        final ConnectionDrops drops = api.metrics().drops();
        limits = config.connectionLimits();
        server = new NettyServer(new NettyServer.Settings("api", Transport.auto(), config.ioThreads(), config.host(), config.port(), 1024),
            limits, new ChannelInitializer<>()
        {
            @Override
            protected void initChannel(final Channel ch)
            {
                final RequestTimer timer = new RequestTimer(config.headerTimeoutMs(), drops);
                ch.pipeline()
                    .addLast("idle", new IdleCloser(config.idleTimeoutMs(), drops))
                    .addLast("request-timer", timer);
                StrictRequests.addCodec(ch.pipeline(), "http");
                ch.pipeline().addLast("replication", logServer.handler("idle", "request-timer"));
                if (aggregator != null)
                {
                    ch.pipeline().addLast("ingest", aggregator.newIngestHandler());
                }
                ch.pipeline().addLast("api", new ApiChannelHandler(api, workers, maxBodyBytes, timer, drops));
            }
        }, tls, null);
    }

    /** The port's connection limits, for their metrics. */
    public ConnectionLimits limits()
    {
        return limits;
    }

    /** @return the port's TLS, or null while it serves plain HTTP. */
    public ServerTls tls()
    {
        return tls;
    }

    /** @return {@code https} or {@code http}: how to reach this port. */
    public String scheme()
    {
        return tls == null ? "http" : "https";
    }

    public InetSocketAddress localAddress()
    {
        return server.localAddress();
    }

    @Override
    public void close()
    {
        server.close();
    }
}
