package io.bounce.runtime.http;

import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * Sits before the HTTP codec and gives each request {@code timeoutMs} from its first byte to arrive
 * whole; the handler that reads the request calls {@link #requestComplete()} when it has. A client that drips
 * a request slowly (slowloris) is cut off instead of holding the connection. One per connection.
 */
public final class RequestTimer extends ChannelInboundHandlerAdapter
{
    private final long timeoutMs;
    private final ConnectionDrops drops;
    private ScheduledFuture<?> timer;

    public RequestTimer(final long timeoutMs, final ConnectionDrops drops)
    {
        this.timeoutMs = timeoutMs;
        this.drops = drops;
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg)
    {
        if (timer == null && msg instanceof ByteBuf && ((ByteBuf)msg).isReadable())
        {
            timer = ctx.executor().schedule(() ->
            {
                timer = null;
                drops.count(ConnectionDrops.Reason.REQUEST_TIMEOUT, ctx.channel().remoteAddress(), "no whole request within " + timeoutMs + " ms");
                ctx.close();
            }, timeoutMs, TimeUnit.MILLISECONDS);
        }
        ctx.fireChannelRead(msg);
    }

    /** The current request has arrived whole: the next byte starts the next request's clock. */
    public void requestComplete()
    {
        if (timer != null)
        {
            timer.cancel(false);
            timer = null;
        }
    }

    /** Taken out of the pipeline (a replication stream took the connection over): the clock stops. */
    @Override
    public void handlerRemoved(final ChannelHandlerContext ctx)
    {
        requestComplete();
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx) throws Exception
    {
        requestComplete();
        super.channelInactive(ctx);
    }
}
