package io.bounce.runtime.http;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.ReferenceCountUtil;

/**
 * The last handler of a pipeline whose earlier handlers each answer their own paths: whatever reaches
 * it was asked of no one, and gets a 404 problem (400 if it was not HTTP at all) and the connection's end.
 */
@ChannelHandler.Sharable
public final class NotFoundHandler extends ChannelInboundHandlerAdapter
{
    private final ConnectionDrops drops;

    /** @param drops where a connection this handler closes on an error is counted. */
    public NotFoundHandler(final ConnectionDrops drops)
    {
        this.drops = drops;
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg)
    {
        try
        {
            if (msg instanceof HttpRequest)
            {
                final HttpRequest request = (HttpRequest)msg;
                final boolean failed = request.decoderResult().isFailure();
                final Problem problem = failed
                    ? StrictRequests.problem(request.decoderResult().cause())
                    : Problem.notFound("nothing is served at " + Problem.echo(request.uri()));
                if (failed)
                {
                    drops.count(ConnectionDrops.Reason.MALFORMED, ctx.channel().remoteAddress(), problem.detail());
                }
                ctx.writeAndFlush(problem.toHttpResponse(false)).addListener(ChannelFutureListener.CLOSE);
            }
        }
        finally
        {
            ReferenceCountUtil.release(msg);
        }
    }

    /** Last in the pipeline: an exception no handler took (a reset connection, say) is counted and ends the connection. */
    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
    {
        drops.count(ConnectionDrops.Reason.ERROR, ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
