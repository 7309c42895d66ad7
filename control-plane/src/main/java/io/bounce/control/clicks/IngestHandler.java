package io.bounce.control.clicks;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;

import io.bounce.runtime.http.BearerToken;
import io.bounce.replication.clicks.ClickFileFormat;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * One connection's view of the aggregator's ingest endpoint, {@code PUT /ingest/v1/clicks/<edge>/<seq>}:
 * it answers those paths and passes every other request on. The body (at most {@code maxFileBytes},
 * else 413 before it is read) is gathered, then handed to {@link ClickIngest#accept} on a worker
 * thread; the answer goes out only once the file is durable there: 200 {@code {"events":N}} or
 * {@code {"duplicate":true}}, 400 for a corrupt file, 413 for one too large, 401 for a wrong token,
 * 503 with {@code Retry-After} when the aggregator cannot take it now (busy, stopping, a disk
 * failure): the edge keeps the file and sends it again.
 */
public final class IngestHandler extends ChannelInboundHandlerAdapter
{
    private final ClickIngest ingest;
    private final ExecutorService acceptPool;
    private final BearerToken token;
    private final long maxFileBytes;
    private HttpRequest request;
    /** The file being received: its edge and sequence, from the request path. */
    private String edge;
    private long sequence;
    private CompositeByteBuf body;
    private boolean discarding;

    /** @param acceptPool threads that decompress, check and keep files, in parallel. */
    public IngestHandler(final ClickIngest ingest, final ExecutorService acceptPool, final String token, final long maxFileBytes)
    {
        this.acceptPool = acceptPool;
        this.ingest = ingest;
        this.token = new BearerToken(token);
        this.maxFileBytes = maxFileBytes;
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg)
    {
        if (msg instanceof HttpRequest)
        {
            final HttpRequest head = (HttpRequest)msg;
            if (head.decoderResult().isFailure() || !head.uri().startsWith(ClickFileFormat.INGEST_PATH))
            {
                ctx.fireChannelRead(msg);
                return;
            }
            ReferenceCountUtil.release(msg);
            start(ctx, head);
            if (!(msg instanceof LastHttpContent))
            {
                return;
            }
        }
        if (request == null && !discarding)
        {
            ctx.fireChannelRead(msg);
            return;
        }
        if (msg instanceof HttpContent)
        {
            final HttpContent content = (HttpContent)msg;
            if (body != null && !discarding)
            {
                if (body.readableBytes() + content.content().readableBytes() > maxFileBytes)
                {
                    releaseBody();
                    discarding = true;
                    answer(ctx, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, problem(413, "click files are limited to " + maxFileBytes + " bytes"), false);
                }
                else
                {
                    body.addComponent(true, content.content().retain());
                }
            }
            content.release();
            if (msg instanceof LastHttpContent)
            {
                if (ctx.pipeline().get("request-timer") instanceof io.bounce.runtime.http.RequestTimer)
                {
                    ((io.bounce.runtime.http.RequestTimer)ctx.pipeline().get("request-timer")).requestComplete();
                }
                if (discarding)
                {
                    discarding = false;
                    return;
                }
                finish(ctx);
            }
            return;
        }
        ReferenceCountUtil.release(msg);
    }

    private void start(final ChannelHandlerContext ctx, final HttpRequest head)
    {
        final String[] parts = head.uri().substring(ClickFileFormat.INGEST_PATH.length()).split("/");
        long parsedSequence = -1;
        if (parts.length == 2 && ClickFileFormat.EDGE_ID.matcher(parts[0]).matches() && parts[1].matches("\\d{1,18}"))
        {
            try
            {
                parsedSequence = Long.parseLong(parts[1]);
            }
            catch (final NumberFormatException ignored)
            {
                // answered below
            }
        }
        discarding = true; // until the request is accepted, its body is read and dropped
        if (!HttpMethod.PUT.equals(head.method()))
        {
            final FullHttpResponse response = response(HttpResponseStatus.METHOD_NOT_ALLOWED, problem(405, "use PUT"), false);
            response.headers().set(HttpHeaderNames.ALLOW, "PUT");
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (!token.matches(head.headers().get(HttpHeaderNames.AUTHORIZATION)))
        {
            answer(ctx, HttpResponseStatus.UNAUTHORIZED, problem(401, "ingest needs Authorization: Bearer <click token>"), false);
            return;
        }
        if (parsedSequence < 0)
        {
            answer(ctx, HttpResponseStatus.NOT_FOUND, problem(404, "expected " + ClickFileFormat.INGEST_PATH + "<edge>/<sequence>"), false);
            return;
        }
        if (HttpUtil.getContentLength(head, 0L) > maxFileBytes)
        {
            answer(ctx, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, problem(413, "click files are limited to " + maxFileBytes + " bytes"), false);
            return;
        }
        discarding = false;
        request = head;
        body = ctx.alloc().compositeBuffer(Integer.MAX_VALUE);
        edge = parts[0];
        sequence = parsedSequence;
    }

    private void finish(final ChannelHandlerContext ctx)
    {
        final boolean keepAlive = HttpUtil.isKeepAlive(request);
        final String fileEdge = edge;
        final long fileSequence = sequence;
        final byte[] bytes = ByteBufUtil.getBytes(body);
        releaseBody();
        request = null;
        ctx.channel().config().setAutoRead(false); // one file at a time per connection
        try
        {
            acceptPool.execute(() ->
            {
                try
                {
                    final long events = ingest.accept(fileEdge, fileSequence, bytes);
                    reply(ctx, HttpResponseStatus.OK, events < 0 ? "{\"duplicate\":true}" : "{\"events\":" + events + "}", keepAlive);
                }
                catch (final ClickIngest.Refused ex)
                {
                    reply(ctx, HttpResponseStatus.valueOf(ex.status), problem(ex.status, ex.getMessage()), keepAlive);
                }
                catch (final RuntimeException ex)
                {
                    reply(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, problem(503, "taking the file failed: " + ex), keepAlive);
                }
            });
        }
        catch (final RejectedExecutionException ex)
        {
            ctx.channel().config().setAutoRead(true);
            answer(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, problem(503, "the aggregator is stopping"), false);
        }
    }

    /** Answer from a worker thread: back on the channel's event loop, then read the next request. */
    private static void reply(final ChannelHandlerContext ctx, final HttpResponseStatus status, final String json, final boolean keepAlive)
    {
        ctx.executor().execute(() ->
        {
            ctx.channel().config().setAutoRead(true);
            answer(ctx, status, json, keepAlive && status.code() < 400);
        });
    }

    private static String problem(final int status, final String detail)
    {
        return "{\"type\":\"https://bounce.dev/problems/click-file\",\"status\":" + status + ",\"detail\":\"" +
            detail.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}";
    }

    private static FullHttpResponse response(final HttpResponseStatus status, final String json, final boolean keepAlive)
    {
        final FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
            Unpooled.copiedBuffer(json, StandardCharsets.UTF_8));
        response.headers()
            .set(HttpHeaderNames.CONTENT_TYPE, status.code() < 400 ? "application/json" : "application/problem+json")
            .set(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
        if (!keepAlive)
        {
            response.headers().set(HttpHeaderNames.CONNECTION, "close");
        }
        if (status.code() == 503)
        {
            response.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
        }
        return response;
    }

    private static void answer(final ChannelHandlerContext ctx, final HttpResponseStatus status, final String json, final boolean keepAlive)
    {
        final var future = ctx.writeAndFlush(response(status, json, keepAlive));
        if (!keepAlive)
        {
            future.addListener(ChannelFutureListener.CLOSE);
        }
    }

    private void releaseBody()
    {
        if (body != null)
        {
            body.release();
            body = null;
        }
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx)
    {
        releaseBody();
        ctx.fireChannelInactive();
    }
}
