package io.bounce.runtime.http;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of a pipeline whose earlier handlers each answer their own paths: whatever reaches
 * it was asked of no one, and gets a 404 problem (400 if it was not HTTP at all) and the connection's end.
 */
@ChannelHandler.Sharable
public final class NotFoundHandler extends ChannelInboundHandlerAdapter
{
    private static final Logger LOG = LoggerFactory.getLogger(NotFoundHandler.class);

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
                final Problem problem = request.decoderResult().isFailure()
                    ? Problem.badRequest("malformed", "the request could not be parsed as HTTP/1.1")
                    : Problem.notFound("nothing is served at " + request.uri());
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
        drops.count(ConnectionDrops.Reason.ERROR);
        LOG.debug("closing {}: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
