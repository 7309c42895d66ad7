package io.bounce.runtime.admin;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

import io.bounce.runtime.http.Responses;
import io.bounce.runtime.http.StrictRequests;
import io.bounce.runtime.server.NettyServer;
import io.bounce.runtime.server.Transport;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;
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
    /** An admin connection that sends nothing for this long is closed. */
    private static final int IDLE_SECONDS = 30;

    private final NettyServer server;

    /**
     * @param ready   what {@code /readyz} answers (also exported as {@code bounce_ready}).
     * @param metrics the role's registry, which {@code /metrics} exposes.
     */
    public AdminServer(
        final String threadName, final String host, final int port, final BooleanSupplier ready, final PrometheusRegistry metrics)
        throws InterruptedException
    {
        this(threadName, host, port, ready, metrics, IDLE_SECONDS);
    }

    /** @param idleSeconds how long a connection may send nothing before it is closed, quietly. */
    AdminServer(final String threadName, final String host, final int port, final BooleanSupplier ready, final PrometheusRegistry metrics,
        final int idleSeconds) throws InterruptedException
    {
        // Readiness as a sample too, so an alert can say which process has been unready for how long.
        Metrics.gauge(metrics, "bounce_ready", "1 while /readyz answers 200, else 0.", () -> ready.getAsBoolean() ? 1 : 0);
        final Handler handler = new Handler(ready, metrics);
        server = new NettyServer(new NettyServer.Settings(threadName, Transport.NIO, 1, host, port, 128), new ChannelInitializer<>()
        {
            @Override
            protected void initChannel(final Channel ch)
            {
                ch.pipeline().addLast(new ReadTimeoutHandler(idleSeconds));
                StrictRequests.addCodec(ch.pipeline(), "http");
                ch.pipeline()
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
        private final PrometheusRegistry metrics;

        Handler(final BooleanSupplier ready, final PrometheusRegistry metrics)
        {
            this.ready = ready;
            this.metrics = metrics;
        }

        @Override
        protected void channelRead0(final ChannelHandlerContext ctx, final FullHttpRequest request)
        {
            if (!request.decoderResult().isSuccess())
            {
                send(ctx, request, 400, "bad request\n");
                return;
            }
            if (!HttpMethod.GET.equals(request.method()) && !HttpMethod.HEAD.equals(request.method()))
            {
                send(ctx, request, 405, "GET or HEAD only\n");
                return;
            }
            switch (new QueryStringDecoder(request.uri()).path())
            {
                case "/healthz":
                    send(ctx, request, 200, "ok\n");
                    break;
                case "/readyz":
                    final boolean isReady = ready.getAsBoolean();
                    send(ctx, request, isReady ? 200 : 503, isReady ? "ready\n" : "not ready\n");
                    break;
                case "/metrics":
                    send(ctx, request, Responses.full(200, Metrics.CONTENT_TYPE, Metrics.text(metrics), keepAlive(request)));
                    break;
                default:
                    send(ctx, request, 404, "not found\n");
                    break;
            }
        }

        /** A read timeout or a reset on an admin connection: nothing to answer, the connection ends. */
        @Override
        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
        {
            ctx.close();
        }

        private static boolean keepAlive(final FullHttpRequest request)
        {
            return HttpUtil.isKeepAlive(request) && request.decoderResult().isSuccess();
        }

        private static void send(final ChannelHandlerContext ctx, final FullHttpRequest request, final int status, final String text)
        {
            send(ctx, request, Responses.full(status, HttpHeaderValues.TEXT_PLAIN, text.getBytes(StandardCharsets.US_ASCII), keepAlive(request)));
        }

        /** A HEAD request gets the headers alone (Content-Length still that of the body it would get). */
        private static void send(final ChannelHandlerContext ctx, final FullHttpRequest request, final FullHttpResponse response)
        {
            if (HttpMethod.HEAD.equals(request.method()))
            {
                response.content().clear();
            }
            Responses.send(ctx, response);
        }
    }
}
