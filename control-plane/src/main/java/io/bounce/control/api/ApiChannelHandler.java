package io.bounce.control.api;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import io.bounce.runtime.http.ConnectionDrops;
import io.bounce.runtime.http.Problem;
import io.bounce.runtime.http.RequestTimer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One API connection: assembles each request (refusing bodies over {@code maxBodyBytes} with 413 as
 * soon as the length is known), hands it to a worker, and writes answers in request order, one request
 * in flight at a time, so pipelined requests get their answers in order. Decoder failures become
 * problem+json 400, 414 or 431 and close the connection.
 */
final class ApiChannelHandler extends ChannelDuplexHandler
{
    private static final Logger LOG = LoggerFactory.getLogger(ApiChannelHandler.class);

    /** Requests a client may pipeline before the connection is cut. */
    private static final int MAX_QUEUED = 16;
    /** How long a refused connection keeps draining the client's bytes before it closes. */
    private static final long LINGER_MS = 2000;

    private final ApiRouter api;
    private final ExecutorService workers;
    private final int maxBodyBytes;
    private final RequestTimer timer;
    private final ConnectionDrops drops;
    private final ArrayDeque<ApiRequest> queue = new ArrayDeque<>();
    private HttpRequest head;
    private CompositeByteBuf body;
    private boolean discarding;
    private boolean busy;
    private boolean closing;

    ApiChannelHandler(final ApiRouter api, final ExecutorService workers, final int maxBodyBytes, final RequestTimer timer,
        final ConnectionDrops drops)
    {
        this.drops = drops;
        this.timer = timer;
        this.api = api;
        this.workers = workers;
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg)
    {
        try
        {
            if (closing || !(msg instanceof HttpObject))
            {
                return;
            }
            final HttpObject object = (HttpObject)msg;
            if (object.decoderResult().isFailure())
            {
                refuseAndClose(ctx, decoderProblem(object.decoderResult().cause()));
                return;
            }
            if (msg instanceof HttpRequest)
            {
                head = (HttpRequest)msg;
                releaseBody();
                discarding = false;
                if (HttpUtil.getContentLength(head, 0L) > maxBodyBytes)
                {
                    refuseAndClose(ctx, new Problem(413, "body-too-large", "Payload too large",
                        "request bodies are limited to " + maxBodyBytes + " bytes"));
                    return;
                }
                body = ctx.alloc().compositeBuffer();
            }
            if (msg instanceof HttpContent && head != null)
            {
                final ByteBuf content = ((HttpContent)msg).content();
                if (!discarding)
                {
                    if (body.readableBytes() + content.readableBytes() > maxBodyBytes)
                    {
                        discarding = true;
                        releaseBody();
                    }
                    else
                    {
                        body.addComponent(true, content.retain());
                    }
                }
                if (msg instanceof LastHttpContent)
                {
                    timer.requestComplete();
                    final HttpRequest request = head;
                    head = null;
                    if (discarding)
                    {
                        refuseAndClose(ctx, new Problem(413, "body-too-large", "Payload too large",
                            "request bodies are limited to " + maxBodyBytes + " bytes"));
                        return;
                    }
                    enqueue(ctx, request);
                }
            }
        }
        finally
        {
            io.netty.util.ReferenceCountUtil.release(msg);
        }
    }

    private void enqueue(final ChannelHandlerContext ctx, final HttpRequest request)
    {
        final byte[] bytes = new byte[body.readableBytes()];
        body.readBytes(bytes);
        releaseBody();
        final QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        final Map<String, List<String>> query = uri.parameters();
        queue.add(new ApiRequest(request.method().name(), uri.path(), query,
            request.headers().get(HttpHeaderNames.AUTHORIZATION), bytes, HttpUtil.isKeepAlive(request), System.nanoTime()));
        if (queue.size() > MAX_QUEUED)
        {
            closing = true;
            drops.count(ConnectionDrops.Reason.PIPELINE_OVERFLOW);
            ctx.close();
            return;
        }
        next(ctx);
    }

    private void next(final ChannelHandlerContext ctx)
    {
        if (busy || queue.isEmpty() || closing)
        {
            return;
        }
        busy = true;
        final ApiRequest request = queue.poll();
        try
        {
            workers.execute(() -> api.handle(request).whenComplete((response, failure) ->
                ctx.executor().execute(() -> answer(ctx, response == null ? ApiRouter.problemResponse(failure) : response, request.keepAlive))));
        }
        catch (final RejectedExecutionException ex)
        {
            final Problem stopping = Problem.unavailable("shutting-down", "the server is stopping", 1);
            api.refusedEarly(stopping);
            answer(ctx, ApiRouter.problemResponse(stopping), false);
        }
    }

    private void answer(final ChannelHandlerContext ctx, final ApiResponse response, final boolean alive)
    {
        busy = false;
        final FullHttpResponse http = toHttp(response);
        HttpUtil.setKeepAlive(http, alive && !closing);
        if (alive && !closing)
        {
            ctx.writeAndFlush(http);
            next(ctx);
        }
        else
        {
            closing = true;
            ctx.writeAndFlush(http).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private static FullHttpResponse toHttp(final ApiResponse response)
    {
        final FullHttpResponse http = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
            HttpResponseStatus.valueOf(response.status), Unpooled.wrappedBuffer(response.body));
        if (response.contentType != null)
        {
            http.headers().set(HttpHeaderNames.CONTENT_TYPE, response.contentType);
        }
        http.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        http.headers().add(response.headers);
        http.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, response.body.length);
        return http;
    }

    private void refuseAndClose(final ChannelHandlerContext ctx, final Problem problem)
    {
        closing = true;
        releaseBody();
        api.refusedEarly(problem);
        final FullHttpResponse http = toHttp(ApiRouter.problemResponse(problem));
        HttpUtil.setKeepAlive(http, false);
        if (busy)
        {
            ctx.close(); // an answer is still being computed; order cannot be kept, so just close
            return;
        }
        ctx.writeAndFlush(http).addListener(f -> lingerThenClose(ctx));
    }

    /**
     * Close without losing the answer: a client still sending a body it was refused would get a TCP
     * reset (and never read the refusal) if we closed with its bytes unread. So: half-close our side,
     * keep reading and discarding for up to {@value #LINGER_MS} ms, then close.
     */
    private static void lingerThenClose(final ChannelHandlerContext ctx)
    {
        if (ctx.channel() instanceof DuplexChannel && ctx.channel().isActive())
        {
            ((DuplexChannel)ctx.channel()).shutdownOutput();
            ctx.executor().schedule(() -> ctx.close(), LINGER_MS, TimeUnit.MILLISECONDS);
        }
        else
        {
            ctx.close();
        }
    }

    private static Problem decoderProblem(final Throwable cause)
    {
        if (cause instanceof TooLongHttpLineException)
        {
            return new Problem(414, "uri-too-long", "URI too long", "the request line is longer than " + ApiServer.MAX_INITIAL_LINE + " bytes");
        }
        if (cause instanceof TooLongHttpHeaderException)
        {
            return new Problem(431, "headers-too-large", "Request header fields too large",
                "the request headers are larger than " + ApiServer.MAX_HEADER_BYTES + " bytes");
        }
        if (cause instanceof TooLongFrameException)
        {
            return new Problem(400, "malformed", "Bad request", "a request element is too long");
        }
        return new Problem(400, "malformed", "Bad request", "the request could not be parsed as HTTP/1.1");
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
    public void channelInactive(final ChannelHandlerContext ctx) throws Exception
    {
        releaseBody();
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
    {
        drops.count(ConnectionDrops.Reason.ERROR);
        LOG.debug("closing API connection from {}: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
