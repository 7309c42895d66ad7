package io.bounce.runtime.server;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

import io.bounce.runtime.limits.ConnectionLimits;
import io.bounce.runtime.tls.ServerTls;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * The one way a Bounce role listens: an event-loop group on the chosen {@link Transport}, a server
 * socket bound to {@code host:port}, and a pipeline the role supplies. The public redirect port, the
 * API port, the aggregator's port and every admin port are one of these; what differs between them is
 * their pipeline, so a change to how Bounce listens (socket options, shutdown, TLS) is made here once.
 * A TLS port puts its {@link ServerTls} in front of the role's pipeline.
 *
 * <p>Event-loop threads are daemons named {@code <name>-loop-N}. {@link #close()} stops accepting,
 * then shuts the loops down with no quiet period (a stopping role has already drained what it wanted
 * to) and waits at most {@value #SHUTDOWN_TIMEOUT_MS} ms for them.
 */
public final class NettyServer implements AutoCloseable
{
    private static final long SHUTDOWN_TIMEOUT_MS = 2_000;

    /**
     * Where and how to listen.
     *
     * @param name      names the threads ({@code name-loop-N}).
     * @param transport the socket transport.
     * @param ioThreads event loops; 0 lets Netty choose (twice the cores).
     * @param host      address to bind.
     * @param port      port to bind; 0 picks a free one.
     * @param backlog   accept queue length ({@code SO_BACKLOG}).
     */
    public record Settings(String name, Transport transport, int ioThreads, String host, int port, int backlog)
    {
    }

    private final Settings settings;
    private final EventLoopGroup group;
    private final boolean ownsLoops;
    private final ServerTls tls;
    private final Channel channel;

    /** A server with no connection limit: for the admin ports. */
    public NettyServer(final Settings settings, final ChannelInitializer<Channel> pipeline) throws InterruptedException
    {
        this(settings, ConnectionLimits.unlimited(settings.name()), pipeline);
    }

    /**
     * Bind and start accepting; every accepted connection within {@code limits} gets the pipeline
     * {@code pipeline} builds, any other is closed on arrival.
     *
     * @throws InterruptedException if interrupted while binding; the loops are stopped again.
     */
    public NettyServer(final Settings settings, final ConnectionLimits limits, final ChannelInitializer<Channel> pipeline)
        throws InterruptedException
    {
        this(settings, limits, pipeline, null, null);
    }

    /**
     * Bind and start accepting, as above; with {@code tls}, every connection speaks TLS first (the
     * certificate chosen by the name the client asks for), and the role's pipeline reads and writes
     * plain bytes behind it.
     *
     * @param tls       the port's certificates, or null for plain TCP.
     * @param loopsOf   a server whose event loops this one shares (an edge's HTTP and HTTPS ports run on the
     *                  same loops, so a core serves both), or null for loops of its own.
     */
    public NettyServer(final Settings settings, final ConnectionLimits limits, final ChannelInitializer<Channel> pipeline,
        final ServerTls tls, final NettyServer loopsOf) throws InterruptedException
    {
        this.settings = settings;
        this.tls = tls;
        this.ownsLoops = loopsOf == null;
        this.group = loopsOf != null ? loopsOf.group : new MultiThreadIoEventLoopGroup(
            settings.ioThreads(), new DefaultThreadFactory(settings.name() + "-loop", true), settings.transport().ioHandlerFactory());
        try
        {
            channel = new ServerBootstrap()
                .group(group)
                .channel(settings.transport().serverChannelClass())
                .option(ChannelOption.SO_BACKLOG, settings.backlog())
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                // TLS reads and writes through NIO ByteBuffer views: Netty 4.2's default (adaptive) allocator makes a
                // new view object for each, the pooled one reuses its chunk's view. On the edge that was 80% of the
                // 433 bytes allocated per keep-alive HTTPS redirect (JFR allocation samples).
                .childOption(ChannelOption.ALLOCATOR, tls != null ? PooledByteBufAllocator.DEFAULT : ByteBufAllocator.DEFAULT)
                .childHandler(new ChannelInitializer<>()
                {
                    @Override
                    protected void initChannel(final Channel child)
                    {
                        if (limits.admit(child))
                        {
                            child.pipeline().addLast(pipeline);
                            if (tls != null)
                            {
                                tls.install(child.pipeline());
                            }
                        }
                        else
                        {
                            child.close();
                        }
                    }
                })
                .bind(settings.host(), settings.port())
                .sync()
                .channel();
        }
        catch (final InterruptedException | RuntimeException ex)
        {
            if (ownsLoops)
            {
                group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            }
            throw ex;
        }
    }

    public InetSocketAddress localAddress()
    {
        return (InetSocketAddress)channel.localAddress();
    }

    /** {@code host:port} of an address to print in a URL: the wildcard address as loopback, IPv6 in brackets. */
    public static String hostPort(final InetSocketAddress address)
    {
        final String host = address.getAddress().isAnyLocalAddress() ? "127.0.0.1" : address.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    /** @return the port's TLS, or null for a plain port. */
    public ServerTls tls()
    {
        return tls;
    }

    public Transport transport()
    {
        return settings.transport();
    }

    /** @return true while the server socket accepts connections. */
    public boolean isAccepting()
    {
        return channel.isActive();
    }

    /** Close the server socket; connections already accepted carry on. Idempotent. */
    public void stopAccepting()
    {
        channel.close().syncUninterruptibly();
    }

    /**
     * Stop accepting and stop the event loops (connections still open are closed with them); loops shared
     * with another server stop when that server closes. Idempotent.
     */
    @Override
    public void close()
    {
        stopAccepting();
        if (ownsLoops)
        {
            group.shutdownGracefully(0, SHUTDOWN_TIMEOUT_MS, TimeUnit.MILLISECONDS).syncUninterruptibly();
        }
    }
}
