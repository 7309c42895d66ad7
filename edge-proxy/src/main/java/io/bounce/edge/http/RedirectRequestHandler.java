package io.bounce.edge.http;

import java.util.List;
import java.util.concurrent.TimeUnit;

import io.bounce.edge.metrics.Rejection;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection's request stream: accumulates bytes until a request head is complete, answers it
 * through the shared {@link Redirector}, and repeats, so pipelined requests are answered in order and
 * flushed together once per read. Not sharable: it holds the connection's parse state and timers.
 *
 * <p>Timeouts: a request head must arrive whole within {@code headerTimeoutMs} of its first byte (or
 * of the connection opening); a connection idle for the idle timeout is closed by the
 * {@link io.netty.handler.timeout.IdleStateHandler} ahead of this handler. Back-pressure: a client
 * that pipelines without reading its answers stops being read once the outbound buffer passes its
 * high-water mark.
 */
final class RedirectRequestHandler extends ByteToMessageDecoder
{
    /** Fired on every open connection when the edge starts draining for shutdown. */
    static final Object DRAIN = new Object();

    private static final Logger LOG = LoggerFactory.getLogger(RedirectRequestHandler.class);

    private final Redirector redirector;
    private final RequestHeadParser parser;
    private final long headerTimeoutMs;
    private final int maxRequestLineBytes;
    private final int maxHeaderBytes;
    private Redirector.Loop loop;
    private ScheduledFuture<?> headerTimer;
    private boolean closing;

    /** @param secure whether the connection is TLS (the HTTPS port). */
    RedirectRequestHandler(final Redirector redirector, final int maxRequestLineBytes, final int maxHeaderBytes, final long headerTimeoutMs,
        final boolean secure)
    {
        this.redirector = redirector;
        this.parser = new RequestHeadParser(maxRequestLineBytes, maxHeaderBytes, redirector.countryHeader());
        this.parser.secure = secure;
        this.headerTimeoutMs = headerTimeoutMs;
        this.maxRequestLineBytes = maxRequestLineBytes;
        this.maxHeaderBytes = maxHeaderBytes;
    }

    @Override
    public void channelActive(final ChannelHandlerContext ctx) throws Exception
    {
        loop = redirector.loop();
        redirector.metrics().connectionOpened();
        if (ctx.channel().remoteAddress() instanceof java.net.InetSocketAddress)
        {
            parser.peerAddress = ((java.net.InetSocketAddress)ctx.channel().remoteAddress()).getAddress().getAddress();
        }
        armHeaderTimer(ctx);
        super.channelActive(ctx);
    }

    /** A PROXY protocol header (first thing on the connection, when enabled) names the real client. */
    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg) throws Exception
    {
        if (msg instanceof io.netty.handler.codec.haproxy.HAProxyMessage)
        {
            final io.netty.handler.codec.haproxy.HAProxyMessage proxy = (io.netty.handler.codec.haproxy.HAProxyMessage)msg;
            try
            {
                if (proxy.command() == io.netty.handler.codec.haproxy.HAProxyCommand.PROXY && proxy.sourceAddress() != null &&
                    (proxy.proxiedProtocol().addressFamily() == io.netty.handler.codec.haproxy.HAProxyProxiedProtocol.AddressFamily.AF_IPv4 ||
                     proxy.proxiedProtocol().addressFamily() == io.netty.handler.codec.haproxy.HAProxyProxiedProtocol.AddressFamily.AF_IPv6))
                {
                    parser.peerAddress = java.net.InetAddress.getByName(proxy.sourceAddress()).getAddress(); // a literal: no lookup
                }
            }
            finally
            {
                proxy.release();
            }
            return;
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx) throws Exception
    {
        redirector.metrics().connectionClosed();
        cancelHeaderTimer();
        super.channelInactive(ctx);
    }

    @Override
    protected void decode(final ChannelHandlerContext ctx, final ByteBuf in, final List<Object> out)
    {
        if (closing)
        {
            in.skipBytes(in.readableBytes());
            return;
        }
        final int result = parser.parse(in);
        if (result == RequestHeadParser.NEED_MORE)
        {
            if (headerTimer == null)
            {
                armHeaderTimer(ctx);
            }
            return;
        }
        int rejection = result < 0 ? result : 0;
        if (result > 0 && parser.method == RequestHeadParser.POST && parser.hasBody)
        {
            // a password form: taken whole, with its length given, within the header timeout
            if (parser.transferEncoding || parser.contentLength > PasswordPage.MAX_FORM_BYTES)
            {
                rejection = RequestHeadParser.CONTENT_TOO_LARGE;
            }
            else if (in.readableBytes() < result + parser.contentLength)
            {
                if (headerTimer == null)
                {
                    armHeaderTimer(ctx);
                }
                return;
            }
            else
            {
                parser.bodyStart = in.readerIndex() + result;
                parser.bodyLength = (int)parser.contentLength;
            }
        }
        cancelHeaderTimer();
        if (rejection < 0)
        {
            redirector.reject(ctx, rejection, loop);
            closeAfterFlush(ctx, in);
            return;
        }
        final boolean close = redirector.respond(ctx, in, parser, loop);
        in.skipBytes(result + parser.bodyLength);
        if (parser.answerLater)
        {
            // a password check runs off the loop: its answer is written, and the connection closed, when it is done
            closing = true;
            in.skipBytes(in.readableBytes());
        }
        else if (close)
        {
            closeAfterFlush(ctx, in);
        }
    }

    @Override
    public void channelReadComplete(final ChannelHandlerContext ctx) throws Exception
    {
        super.channelReadComplete(ctx);
        ctx.flush();
    }

    @Override
    public void channelWritabilityChanged(final ChannelHandlerContext ctx) throws Exception
    {
        ctx.channel().config().setAutoRead(ctx.channel().isWritable());
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void userEventTriggered(final ChannelHandlerContext ctx, final Object event) throws Exception
    {
        if (event instanceof IdleStateEvent)
        {
            redirector.metrics().reject(Rejection.IDLE_TIMEOUT);
            ctx.close();
        }
        else if (event instanceof SslHandshakeCompletionEvent && ((SslHandshakeCompletionEvent)event).isSuccess() &&
            ApplicationProtocolNames.HTTP_2.equals(ctx.pipeline().get(SslHandler.class).applicationProtocol()))
        {
            // ALPN chose h2: the connection's requests are HTTP/2 frames from here on.
            cancelHeaderTimer();
            Http2RedirectHandler.install(ctx, redirector, maxRequestLineBytes, maxHeaderBytes, parser.peerAddress);
            ctx.fireUserEventTriggered(event);
            ctx.pipeline().remove(this);
        }
        else if (event == DRAIN)
        {
            // Answer what is complete; a connection with no partial request is closed now, one with a
            // partial request is closed after its answer (Redirector adds Connection: close while draining).
            if (!internalBuffer().isReadable() && !closing)
            {
                closing = true;
                ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
        }
        else
        {
            super.userEventTriggered(ctx, event);
        }
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
    {
        LOG.debug("closing {} after {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }

    private void closeAfterFlush(final ChannelHandlerContext ctx, final ByteBuf in)
    {
        closing = true;
        in.skipBytes(in.readableBytes());
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    private void armHeaderTimer(final ChannelHandlerContext ctx)
    {
        headerTimer = ctx.executor().schedule(() ->
        {
            headerTimer = null;
            if (!closing && ctx.channel().isActive())
            {
                redirector.metrics().reject(Rejection.HEADER_TIMEOUT);
                closing = true;
                ctx.close();
            }
        }, headerTimeoutMs, TimeUnit.MILLISECONDS);
    }

    private void cancelHeaderTimer()
    {
        if (headerTimer != null)
        {
            headerTimer.cancel(false);
            headerTimer = null;
        }
    }
}
