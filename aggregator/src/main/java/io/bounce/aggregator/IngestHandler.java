package io.bounce.aggregator;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;

import io.bounce.runtime.http.BearerToken;
import io.bounce.runtime.http.Problem;
import io.bounce.runtime.http.Responses;
import io.bounce.runtime.http.RequestTimer;
import io.bounce.replication.clicks.ClickFileFormat;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
    private static final Logger LOG = LoggerFactory.getLogger(IngestHandler.class);

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
                    ingest.refused(IngestCounters.Refusal.TOO_LARGE);
                    refuse(ctx, tooLarge(), false);
                }
                else
                {
                    body.addComponent(true, content.content().retain());
                }
            }
            content.release();
            if (msg instanceof LastHttpContent)
            {
                final RequestTimer timer = ctx.pipeline().get(RequestTimer.class);
                if (timer != null)
                {
                    timer.requestComplete();
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
            ingest.refused(IngestCounters.Refusal.BAD_REQUEST);
            refuse(ctx, Problem.methodNotAllowed(head.method().name(), "PUT"), false);
            return;
        }
        if (!token.matches(head.headers().get(HttpHeaderNames.AUTHORIZATION)))
        {
            ingest.refused(IngestCounters.Refusal.UNAUTHORIZED);
            refuse(ctx, new Problem(401, "unauthenticated", "ingest needs Authorization: Bearer <click token>"), false);
            return;
        }
        if (parsedSequence < 0)
        {
            ingest.refused(IngestCounters.Refusal.BAD_REQUEST);
            refuse(ctx, Problem.notFound("expected " + ClickFileFormat.INGEST_PATH + "<edge>/<sequence>"), false);
            return;
        }
        if (HttpUtil.getContentLength(head, 0L) > maxFileBytes)
        {
            ingest.refused(IngestCounters.Refusal.TOO_LARGE);
            refuse(ctx, tooLarge(), false);
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
                FullHttpResponse response;
                try
                {
                    final long events = ingest.accept(fileEdge, fileSequence, bytes);
                    response = Responses.json((events < 0 ? "{\"duplicate\":true}" : "{\"events\":" + events + "}")
                        .getBytes(StandardCharsets.US_ASCII), keepAlive);
                }
                catch (final Problem ex)
                {
                    response = ex.toHttpResponse(keepAlive && ex.status() < 400);
                }
                catch (final RuntimeException ex)
                {
                    ingest.refused(IngestCounters.Refusal.UNAVAILABLE);
                    LOG.error("taking click file {}/{} failed", fileEdge, fileSequence, ex);
                    response = Problem.unavailable("ingest-failed", "taking the file failed: " + ex, 1).toHttpResponse(false);
                }
                reply(ctx, response);
            });
        }
        catch (final RejectedExecutionException ex)
        {
            ctx.channel().config().setAutoRead(true);
            ingest.refused(IngestCounters.Refusal.UNAVAILABLE);
            refuse(ctx, Problem.unavailable("stopping", "the aggregator is stopping", 1), false);
        }
    }

    /** Answer from a worker thread: back on the channel's event loop, then read the next request. */
    private static void reply(final ChannelHandlerContext ctx, final FullHttpResponse response)
    {
        ctx.executor().execute(() ->
        {
            ctx.channel().config().setAutoRead(true);
            Responses.send(ctx, response);
        });
    }

    private Problem tooLarge()
    {
        return new Problem(413, "click-file-too-large", "click files are limited to " + maxFileBytes + " bytes");
    }

    private static void refuse(final ChannelHandlerContext ctx, final Problem problem, final boolean keepAlive)
    {
        Responses.send(ctx, problem.toHttpResponse(keepAlive));
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
