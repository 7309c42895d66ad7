package io.bounce.edge.http;

import io.bounce.runtime.server.Transport;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The public port: bootstrap, bind, drain and stop. */
public final class RedirectServer implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(RedirectServer.class);

    private final Redirector redirector;
    private final EventLoopGroup group;
    private final ChannelGroup connections = new DefaultChannelGroup("edge-connections", GlobalEventExecutor.INSTANCE);
    private final Channel serverChannel;
    private final Transport transport;

    public RedirectServer(
        final Redirector redirector,
        final Transport transport,
        final int ioThreads,
        final String host,
        final int port,
        final long idleTimeoutMs,
        final long headerTimeoutMs,
        final int maxRequestLineBytes,
        final int maxHeaderBytes) throws InterruptedException
    {
        this.redirector = redirector;
        this.transport = transport;
        this.group = new MultiThreadIoEventLoopGroup(
            ioThreads, new DefaultThreadFactory("edge-loop", true), transport.ioHandlerFactory());
        try
        {
            serverChannel = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannelClass())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new RedirectChannelInitializer(
                    redirector, connections, idleTimeoutMs, headerTimeoutMs, maxRequestLineBytes, maxHeaderBytes))
                .bind(host, port)
                .sync()
                .channel();
        }
        catch (final InterruptedException | RuntimeException ex)
        {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw ex;
        }
    }

    public InetSocketAddress localAddress()
    {
        return (InetSocketAddress)serverChannel.localAddress();
    }

    public Transport transport()
    {
        return transport;
    }

    /** @return true while the port accepts connections and the edge is not draining: what {@code /readyz} reports. */
    public boolean isServing()
    {
        return serverChannel.isActive() && !redirector.isDraining();
    }

    /**
     * Stop accepting, let every connection finish the request it is in (answers now carry
     * {@code Connection: close}), and cut whatever is still open when {@code deadlineMs} has passed.
     */
    public void drain(final long deadlineMs)
    {
        redirector.startDraining();
        serverChannel.close().syncUninterruptibly();
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
        serverChannel.close().syncUninterruptibly();
        connections.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
