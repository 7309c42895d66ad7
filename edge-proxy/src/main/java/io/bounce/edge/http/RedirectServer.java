package io.bounce.edge.http;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

import io.bounce.edge.EdgeConfig;
import io.bounce.runtime.limits.ConnectionLimits;
import io.bounce.runtime.server.NettyServer;
import io.bounce.runtime.server.Transport;
import io.bounce.runtime.tls.ServerTls;
import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The public ports, HTTP and HTTPS on the same event loops: bootstrap, bind, drain and stop. */
public final class RedirectServer implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(RedirectServer.class);

    private final Redirector redirector;
    private final ChannelGroup connections = new DefaultChannelGroup("edge-connections", GlobalEventExecutor.INSTANCE);
    private final NettyServer server;
    private final NettyServer https;
    private final ConnectionLimits limits;

    /**
     * @param config the transport, event loops, address, timeouts and request bounds.
     * @param tls    the HTTPS port's certificates, or null for no HTTPS port; it runs on the HTTP port's event loops.
     */
    public RedirectServer(final EdgeConfig config, final Redirector redirector, final ServerTls tls) throws InterruptedException
    {
        this.redirector = redirector;
        this.limits = config.connectionLimits();
        this.server = new NettyServer(
            new NettyServer.Settings("edge", config.transport(), config.ioThreads(), config.host(), config.port(), 4096), limits,
            new RedirectChannelInitializer(config, redirector, connections, false));
        try
        {
            this.https = tls == null ? null : new NettyServer(
                new NettyServer.Settings("edge-https", config.transport(), config.ioThreads(), config.host(), config.https().port(), 4096),
                limits, new RedirectChannelInitializer(config, redirector, connections, true), tls, server);
        }
        catch (final InterruptedException | RuntimeException ex)
        {
            server.close();
            throw ex;
        }
        redirector.httpsPort(https == null ? 443 : https.localAddress().getPort());
    }

    /** @return the HTTPS port's address, or null without one. */
    public InetSocketAddress httpsAddress()
    {
        return https == null ? null : https.localAddress();
    }

    /** The port's connection limits, for their metrics. */
    public ConnectionLimits limits()
    {
        return limits;
    }

    public InetSocketAddress localAddress()
    {
        return server.localAddress();
    }

    public Transport transport()
    {
        return server.transport();
    }

    /** @return true while the port accepts connections and the edge is not draining: what {@code /readyz} reports. */
    public boolean isServing()
    {
        return server.isAccepting() && (https == null || https.isAccepting()) && !redirector.isDraining();
    }

    /**
     * Stop accepting, let every connection finish the request it is in (answers now carry
     * {@code Connection: close}), and cut whatever is still open when {@code deadlineMs} has passed.
     */
    public void drain(final long deadlineMs)
    {
        redirector.startDraining();
        server.stopAccepting();
        if (https != null)
        {
            https.stopAccepting();
        }
        for (final Channel channel : connections)
        {
            channel.pipeline().fireUserEventTriggered(RedirectRequestHandler.DRAIN);
        }
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(deadlineMs);
        while (!connections.isEmpty() && System.nanoTime() < deadline)
        {
            try
            {
                Thread.sleep(10);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (!connections.isEmpty())
        {
            LOG.warn("cutting {} connections still open after the {} ms drain deadline", connections.size(), deadlineMs);
            connections.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close()
    {
        server.stopAccepting();
        if (https != null)
        {
            https.close();
        }
        connections.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        server.close();
    }
}
