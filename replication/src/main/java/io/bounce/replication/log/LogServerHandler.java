package io.bounce.replication.log;

import java.util.List;

import io.bounce.runtime.http.Problem;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;

/**
 * One connection's view of the {@link LogServer}: answers requests under {@code /replication/}, passes
 * all others to the next handler untouched. A valid stream request takes the connection over for good:
 * the named short-request handlers are removed and a {@link LogStream} thread writes the answer.
 */
public final class LogServerHandler extends ChannelInboundHandlerAdapter
{
    private static final String PREFIX = "/replication/";
    /** Streams write in 64 KiB chunks; a follower that reads slowly holds at most about 1 MiB here. */
    private static final WriteBufferWaterMark STREAM_WATER_MARK = new WriteBufferWaterMark(256 * 1024, 1024 * 1024);

    private final LogServer server;
    private final List<String> removeOnStream;
    private boolean swallowing;
    private LogStream stream;

    LogServerHandler(final LogServer server, final String... removeOnStream)
    {
        this.server = server;
        this.removeOnStream = List.of(removeOnStream);
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg)
    {
        if (stream != null)
        {
            ReferenceCountUtil.release(msg); // a streaming follower has nothing more to say
            return;
        }
        if (msg instanceof HttpRequest && !((HttpRequest)msg).decoderResult().isFailure() &&
            ((HttpRequest)msg).uri().startsWith(PREFIX))
        {
            swallowing = !(msg instanceof LastHttpContent);
            final HttpRequest request = (HttpRequest)msg;
            ReferenceCountUtil.release(msg);
            handle(ctx, request);
            return;
        }
        if (swallowing && msg instanceof HttpContent)
        {
            swallowing = !(msg instanceof LastHttpContent);
            ReferenceCountUtil.release(msg);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelWritabilityChanged(final ChannelHandlerContext ctx)
    {
        if (stream != null)
        {
            stream.wake();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx)
    {
        if (stream != null)
        {
            stream.wake();
        }
        ctx.fireChannelInactive();
    }

    private void handle(final ChannelHandlerContext ctx, final HttpRequest request)
    {
        final QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        final String path = uri.path();
        final boolean snapshot = path.equals(ReplicationFormat.PATH_SNAPSHOT);
        if (!snapshot && !path.equals(ReplicationFormat.PATH_LOG))
        {
            server.refusedBadRequest.increment();
            refuse(ctx, Problem.notFound("no such replication resource: " + Problem.echo(path)));
            return;
        }
        if (!HttpMethod.GET.equals(request.method()))
        {
            server.refusedBadRequest.increment();
            refuse(ctx, Problem.methodNotAllowed(request.method().name(), "GET"));
            return;
        }
        if (!server.authorized(request.headers().get(HttpHeaderNames.AUTHORIZATION)))
        {
            server.refusedUnauthorized.increment();
            refuse(ctx, new Problem(401, "unauthenticated", "replication needs Authorization: Bearer <replication token>"));
            return;
        }
        long from = 0;
        if (!snapshot)
        {
            final List<String> values = uri.parameters().get("from");
            from = values == null || values.size() != 1 ? -1 : parsePositive(values.get(0));
            if (from < 1)
            {
                server.refusedBadRequest.increment();
                refuse(ctx, Problem.badRequest("bad-from", "from must be one sequence number, 1 or more"));
                return;
            }
        }
        if (!server.tryAcquireFollower())
        {
            server.refusedBusy.increment();
            refuse(ctx, Problem.unavailable("busy", "this log server is streaming to as many followers as it may", 5));
            return;
        }
        for (final String name : removeOnStream)
        {
            if (ctx.pipeline().get(name) != null)
            {
                ctx.pipeline().remove(name);
            }
        }
        ctx.channel().config().setWriteBufferWaterMark(STREAM_WATER_MARK);
        stream = new LogStream(server, ctx.channel(), snapshot, from);
        final Thread thread = new Thread(stream, "replication-stream-" + ctx.channel().remoteAddress());
        thread.setDaemon(true);
        thread.start();
    }

    private static long parsePositive(final String value)
    {
        try
        {
            return Long.parseLong(value);
        }
        catch (final NumberFormatException ex)
        {
            return -1;
        }
    }

    private static void refuse(final ChannelHandlerContext ctx, final Problem problem)
    {
        ctx.writeAndFlush(refusal(problem)).addListener(ChannelFutureListener.CLOSE);
    }

    /** A refusal that closes the connection; like every replication answer it names the protocol version. */
    static FullHttpResponse refusal(final Problem problem)
    {
        final FullHttpResponse response = problem.toHttpResponse(false);
        response.headers().set(ReplicationFormat.VERSION_HEADER, ReplicationFormat.VERSION);
        return response;
    }
}
