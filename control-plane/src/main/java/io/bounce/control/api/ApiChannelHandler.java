package io.bounce.control.api;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import io.bounce.runtime.http.ConnectionDrops;
import io.bounce.runtime.http.Problem;
import io.bounce.runtime.http.RequestTimer;
import io.bounce.runtime.http.Responses;
import io.bounce.runtime.http.StrictRequests;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DuplexChannel;
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

/**
 * One API connection: assembles each request (refusing bodies over {@code maxBodyBytes} with 413 as
 * soon as the length is known), hands it to a worker, and writes answers in request order, one request
 * in flight at a time. However many requests a client pipelines, each complete one is run and answered in
 * order: past {@value #MAX_QUEUED} waiting, the connection stops reading until the queue drains (TCP
 * pushes back on the client) instead of cutting anything. A request that cannot be taken (it does not
 * parse, or breaks a bound: 400, 413, 414, 431) is answered in its turn, after every request before it,
 * and then the connection ends: what follows it cannot be framed with confidence, so it is never run.
 * Each such end is counted and logged ({@link ConnectionDrops}).
 */
final class ApiChannelHandler extends ChannelDuplexHandler
{
    /** Requests waiting for their turn before the connection stops reading. */
    private static final int MAX_QUEUED = 16;
    /** How long a refused connection keeps draining the client's bytes before it closes. */
    private static final long LINGER_MS = 2000;

    private final ApiRouter api;
    private final ExecutorService workers;
    private final int maxBodyBytes;
    private final RequestTimer timer;
    private final ConnectionDrops drops;
    /** Requests to run ({@link ApiRequest}) and, last, at most one refusal that ends the connection ({@link Problem}). */
    private final ArrayDeque<Object> queue = new ArrayDeque<>();
    private HttpRequest head;
    private byte[] remote;
    private CompositeByteBuf body;
    private boolean discarding;
    private boolean busy;
    /** A refusal is queued: nothing more is read into requests. */
    private boolean refused;
    /** The connection is ending: nothing more is answered. */
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
            if (refused || closing || !(msg instanceof HttpObject))
            {
                return;
            }
            final HttpObject object = (HttpObject)msg;
            if (object.decoderResult().isFailure())
            {
                refuse(ctx, StrictRequests.problem(object.decoderResult().cause()));
                return;
            }
            if (msg instanceof HttpRequest)
            {
                head = (HttpRequest)msg;
                releaseBody();
                discarding = false;
                if (HttpUtil.getContentLength(head, 0L) > maxBodyBytes)
                {
                    refuse(ctx, tooLarge());
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
                        refuse(ctx, tooLarge());
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

    private Problem tooLarge()
    {
        return new Problem(413, "body-too-large", "Payload too large", "request bodies are limited to " + maxBodyBytes + " bytes");
    }

    private void enqueue(final ChannelHandlerContext ctx, final HttpRequest request)
    {
        final byte[] bytes = new byte[body.readableBytes()];
        body.readBytes(bytes);
        releaseBody();
        final QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        final Map<String, List<String>> query = uri.parameters();
        final io.netty.handler.codec.http.HttpHeaders headers = request.headers();
        queue.add(new ApiRequest(request.method().name(), uri.path(), query,
            headers.get(HttpHeaderNames.AUTHORIZATION), bytes, HttpUtil.isKeepAlive(request), System.nanoTime(),
            remoteAddress(ctx), headers.get(HttpHeaderNames.COOKIE), headers.get(HttpHeaderNames.CONTENT_TYPE),
            headers.get(HttpHeaderNames.ACCEPT_ENCODING),
            ctx.pipeline().get(io.netty.handler.ssl.SslHandler.class) != null));
        if (queue.size() >= MAX_QUEUED)
        {
            ctx.channel().config().setAutoRead(false); // back-pressure: the kernel's buffers fill, then the client's
        }
        next(ctx);
    }

    private byte[] remoteAddress(final ChannelHandlerContext ctx)
    {
        if (remote == null)
        {
            final SocketAddress address = ctx.channel().remoteAddress();
            remote = address instanceof InetSocketAddress ? ((InetSocketAddress)address).getAddress().getAddress() : new byte[0];
        }
        return remote;
    }

    /** Queue the refusal behind the requests already complete; it is answered in its turn and ends the connection. */
    private void refuse(final ChannelHandlerContext ctx, final Problem problem)
    {
        refused = true;
        releaseBody();
        head = null;
        timer.requestComplete();
        queue.add(problem);
        next(ctx);
    }

    private void next(final ChannelHandlerContext ctx)
    {
        if (busy || queue.isEmpty() || closing)
        {
            return;
        }
        final Object entry = queue.poll();
        if (entry instanceof Problem)
        {
            final Problem problem = (Problem)entry;
            closing = true;
            queue.clear();
            api.refusedEarly(problem);
            drops.count(ConnectionDrops.Reason.MALFORMED, ctx.channel().remoteAddress(), problem.status() + " " + problem.detail());
            final FullHttpResponse http = toHttp(ApiRouter.problemResponse(problem));
            HttpUtil.setKeepAlive(http, false);
            ctx.channel().config().setAutoRead(true); // drain what the client still sends while the answer goes out
            ctx.writeAndFlush(http).addListener(f -> lingerThenClose(ctx));
            return;
        }
        busy = true;
        final ApiRequest request = (ApiRequest)entry;
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
        if (closing)
        {
            return;
        }
        final FullHttpResponse http = toHttp(response);
        HttpUtil.setKeepAlive(http, alive);
        if (alive)
        {
            ctx.writeAndFlush(http);
            if (!refused && queue.size() < MAX_QUEUED / 2 && !ctx.channel().config().isAutoRead())
            {
                ctx.channel().config().setAutoRead(true);
            }
            next(ctx);
        }
        else
        {
            closing = true; // the client asked to close (or the server is stopping): what it pipelined after is not run
            queue.clear();
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
        Responses.protect(http.headers());
        for (final String name : response.headers.names())
        {
            // A route's own header (a Cache-Control, say) replaces the default; every value of one given more than once
            // (Set-Cookie) is kept.
            http.headers().set(name, response.headers.getAll(name));
        }
        http.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, response.body.length);
        return http;
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
        drops.count(ConnectionDrops.Reason.ERROR, ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
