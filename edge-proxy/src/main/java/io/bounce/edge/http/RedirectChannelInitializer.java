package io.bounce.edge.http;

import java.util.concurrent.TimeUnit;

import io.bounce.edge.EdgeConfig;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.timeout.IdleStateHandler;

/**
 * The public port's pipeline: with {@code --proxy-protocol}, a PROXY protocol decoder (it reads the
 * load balancer's v1 or v2 header, then takes itself out); an idle timer; the request handler.
 */
final class RedirectChannelInitializer extends ChannelInitializer<Channel>
{
    private final Redirector redirector;
    private final ChannelGroup connections;
    private final long idleTimeoutMs;
    private final long headerTimeoutMs;
    private final int maxRequestLineBytes;
    private final int maxHeaderBytes;
    private final boolean secure;

    /** @param secure whether this is the HTTPS port's pipeline (TLS goes in front of it). */
    RedirectChannelInitializer(final EdgeConfig config, final Redirector redirector, final ChannelGroup connections, final boolean secure)
    {
        this.secure = secure;
        this.redirector = redirector;
        this.connections = connections;
        this.idleTimeoutMs = config.idleTimeoutMs();
        this.headerTimeoutMs = config.headerTimeoutMs();
        this.maxRequestLineBytes = config.maxRequestLineBytes();
        this.maxHeaderBytes = config.maxHeaderBytes();
    }

    @Override
    protected void initChannel(final Channel channel)
    {
        connections.add(channel);
        // Reader-idle only: a writer-idle timer would add a listener (and an allocation) to every write.
        if (redirector.proxyProtocol())
        {
            channel.pipeline().addLast("proxy-protocol", new io.netty.handler.codec.haproxy.HAProxyMessageDecoder());
        }
        channel.pipeline()
            .addLast("idle", new IdleStateHandler(idleTimeoutMs, 0, 0, TimeUnit.MILLISECONDS))
            .addLast("redirect", new RedirectRequestHandler(redirector, maxRequestLineBytes, maxHeaderBytes, headerTimeoutMs, secure));
        if (redirector.isDraining())
        {
            channel.close();
        }
    }
}
