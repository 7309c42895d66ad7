package io.bounce.replication.log;

import java.nio.charset.StandardCharsets;
import java.util.List;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
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
            refuse(ctx, HttpResponseStatus.NOT_FOUND, "not-found", "no such replication resource: " + path);
            return;
        }
        if (!HttpMethod.GET.equals(request.method()))
        {
            server.refusedBadRequest.increment();
            final FullHttpResponse response = problem(HttpResponseStatus.METHOD_NOT_ALLOWED, "method-not-allowed",
                request.method() + " is not allowed here");
            response.headers().set(HttpHeaderNames.ALLOW, "GET");
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (!server.authorized(request.headers().get(HttpHeaderNames.AUTHORIZATION)))
        {
            server.refusedUnauthorized.increment();
            final FullHttpResponse response = problem(HttpResponseStatus.UNAUTHORIZED, "unauthorized",
                "replication needs Authorization: Bearer <replication token>");
            response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
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
                refuse(ctx, HttpResponseStatus.BAD_REQUEST, "bad-from", "from must be one sequence number, 1 or more");
                return;
            }
        }
        if (!server.tryAcquireFollower())
        {
            server.refusedBusy.increment();
            final FullHttpResponse response = problem(HttpResponseStatus.SERVICE_UNAVAILABLE, "busy",
                "this log server is streaming to as many followers as it may");
            response.headers().set(HttpHeaderNames.RETRY_AFTER, "5");
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
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

    private static void refuse(final ChannelHandlerContext ctx, final HttpResponseStatus status, final String type, final String detail)
    {
        ctx.writeAndFlush(problem(status, type, detail)).addListener(ChannelFutureListener.CLOSE);
    }

    /** An RFC 9457 problem answer that closes the connection. */
    static FullHttpResponse problem(final HttpResponseStatus status, final String type, final String detail)
    {
        final String json = "{\"type\":\"https://bounce.dev/problems/" + type + "\",\"title\":\"" + status.reasonPhrase() +
            "\",\"status\":" + status.code() + ",\"detail\":\"" + escape(detail) + "\"}";
        final FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
            Unpooled.copiedBuffer(json, StandardCharsets.UTF_8));
        response.headers()
            .set(HttpHeaderNames.CONTENT_TYPE, "application/problem+json")
            .set(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes())
            .set(HttpHeaderNames.CONNECTION, "close")
            .set(ReplicationFormat.VERSION_HEADER, ReplicationFormat.VERSION);
        return response;
    }

    private static String escape(final String text)
    {
        final StringBuilder out = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            if (c == '"' || c == '\\')
            {
                out.append('\\').append(c);
            }
            else if (c < 0x20)
            {
                out.append(String.format("\\u%04x", (int)c));
            }
            else
            {
                out.append(c);
            }
        }
        return out.toString();
    }
}
