package io.bounce.runtime.http;

import java.util.concurrent.TimeUnit;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;

/** Closes a connection nothing has arrived on for {@code idleTimeoutMs}, and counts it. One per connection. */
public final class IdleCloser extends IdleStateHandler
{
    private final ConnectionDrops drops;

    public IdleCloser(final long idleTimeoutMs, final ConnectionDrops drops)
    {
        // Reader-idle only: a writer-idle timer would add a listener (and an allocation) to every write.
        super(idleTimeoutMs, 0, 0, TimeUnit.MILLISECONDS);
        this.drops = drops;
    }

    @Override
    protected void channelIdle(final ChannelHandlerContext ctx, final IdleStateEvent evt)
    {
        drops.count(ConnectionDrops.Reason.IDLE_TIMEOUT, ctx.channel().remoteAddress(), null);
        ctx.close();
    }
}
