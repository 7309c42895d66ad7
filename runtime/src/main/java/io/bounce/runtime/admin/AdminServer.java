package io.bounce.runtime.admin;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import io.bounce.runtime.server.NettyServer;
import io.bounce.runtime.server.Transport;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.ReadTimeoutHandler;

/**
 * The admin port, apart from the public one: {@code /healthz} (the process is up), {@code /readyz}
 * (ready to take traffic) and {@code /metrics} (Prometheus text format), for every Bounce role. One NIO
 * thread; off the hot path, so it uses Netty's stock HTTP codec with its default limits.
 */
public final class AdminServer implements AutoCloseable
{
    /** Admin requests carry no body; anything larger than this is refused. */
    private static final int MAX_CONTENT_BYTES = 1024;

    private final NettyServer server;

    public AdminServer(
        final String threadName, final String host, final int port, final BooleanSupplier ready, final Supplier<String> metrics)
        throws InterruptedException
    {
        final Handler handler = new Handler(ready, metrics);
        server = new NettyServer(new NettyServer.Settings(threadName, Transport.NIO, 1, host, port, 128), new ChannelInitializer<>()
        {
            @Override
            protected void initChannel(final Channel ch)
            {
                ch.pipeline()
                    .addLast(new ReadTimeoutHandler(30))
                    .addLast(new HttpServerCodec())
                    .addLast(new HttpObjectAggregator(MAX_CONTENT_BYTES))
                    .addLast(handler);
            }
        });
    }

    public InetSocketAddress localAddress()
    {
        return server.localAddress();
    }

    @Override
    public void close()
    {
        server.close();
    }

    @ChannelHandler.Sharable
    private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest>
    {
        private final BooleanSupplier ready;
        private final Supplier<String> metrics;

        Handler(final BooleanSupplier ready, final Supplier<String> metrics)
        {
            this.ready = ready;
            this.metrics = metrics;
        }

        @Override
        protected void channelRead0(final ChannelHandlerContext ctx, final FullHttpRequest request)
        {
            if (!request.decoderResult().isSuccess())
            {
                send(ctx, request, HttpResponseStatus.BAD_REQUEST, "text/plain", "bad request\n");
                return;
            }
            if (!HttpMethod.GET.equals(request.method()) && !HttpMethod.HEAD.equals(request.method()))
            {
                send(ctx, request, HttpResponseStatus.METHOD_NOT_ALLOWED, "text/plain", "GET or HEAD only\n");
                return;
            }
            final String path = request.uri().split("\\?", 2)[0];
            switch (path)
            {
                case "/healthz":
                    send(ctx, request, HttpResponseStatus.OK, "text/plain", "ok\n");
                    break;
                case "/readyz":
                    if (ready.getAsBoolean())
                    {
                        send(ctx, request, HttpResponseStatus.OK, "text/plain", "ready\n");
                    }
                    else
                    {
                        send(ctx, request, HttpResponseStatus.SERVICE_UNAVAILABLE, "text/plain", "not ready\n");
                    }
                    break;
                case "/metrics":
                    final StringBuilder text = new StringBuilder(metrics.get());
                    // Readiness as a sample too, so an alert can say which edge has been unready for how long.
                    PrometheusText.gauge(text, "bounce_ready", "1 while /readyz answers 200, else 0.", ready.getAsBoolean() ? 1 : 0);
                    send(ctx, request, HttpResponseStatus.OK, "text/plain; version=0.0.4; charset=utf-8", text.toString());
                    break;
                default:
                    send(ctx, request, HttpResponseStatus.NOT_FOUND, "text/plain", "not found\n");
                    break;
            }
        }

        private static void send(
            final ChannelHandlerContext ctx,
            final FullHttpRequest request,
            final HttpResponseStatus status,
            final String contentType,
            final String body)
        {
            final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            final boolean head = HttpMethod.HEAD.equals(request.method());
            final FullHttpResponse response = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1, status, head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes));
            response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, contentType)
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
            final boolean keepAlive = HttpUtil.isKeepAlive(request) && request.decoderResult().isSuccess();
            HttpUtil.setKeepAlive(response, keepAlive);
            final var future = ctx.writeAndFlush(response);
            if (!keepAlive)
            {
                future.addListener(ChannelFutureListener.CLOSE);
            }
        }
    }
}
