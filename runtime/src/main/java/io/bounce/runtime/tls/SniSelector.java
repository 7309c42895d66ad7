package io.bounce.runtime.tls;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;

/**
 * Reads the ClientHello's server name and replaces itself with an {@link SslHandler} for the certificate
 * that serves it. A name no certificate serves, with no default, is answered with TLS's
 * {@code unrecognized_name} alert and the connection closed, counted. While an ACME TLS-ALPN-01 challenge is held,
 * a ClientHello that offers {@code acme-tls/1} for its domain gets the challenge's certificate instead.
 */
final class SniSelector extends SniHandler
{
    /**
     * A fatal {@code unrecognized_name} (112) alert record, as TLS 1.2 frames it (TLS 1.3 clients read the
     * same record before encryption starts): content type 21, version 3.3, length 2, level 2, description 112.
     */
    private static final byte[] UNRECOGNIZED_NAME = {21, 3, 3, 0, 2, 2, 112};

    private final ServerTls tls;
    private boolean refused;
    private boolean acmeTls;

    SniSelector(final ServerTls tls)
    {
        super(tls::select, ServerTls.MAX_CLIENT_HELLO_BYTES, ServerTls.HANDSHAKE_TIMEOUT_MS);
        this.tls = tls;
    }

    @Override
    protected Future<SslContext> lookup(final ChannelHandlerContext ctx, final ByteBuf clientHello) throws Exception
    {
        acmeTls = tls.hasAcmeChallenges() && AcmeTlsAlpn.offersAcmeTls(clientHello);
        return super.lookup(ctx, clientHello);
    }

    @Override
    protected Future<SslContext> lookup(final ChannelHandlerContext ctx, final String hostname) throws Exception
    {
        final SslContext challenge = acmeTls ? tls.acmeChallenge(hostname) : null;
        return challenge != null ? ctx.executor().newSucceededFuture(challenge) : super.lookup(ctx, hostname);
    }

    @Override
    protected void replaceHandler(final ChannelHandlerContext ctx, final String hostname, final SslContext sslContext) throws Exception
    {
        if (sslContext == null)
        {
            if (refused)
            {
                return; // the rest of the same ClientHello, read again before the close lands
            }
            refused = true;
            tls.failures.labelValues(tls.serverName(), "unrecognized_name").inc();
            ctx.writeAndFlush(Unpooled.wrappedBuffer(UNRECOGNIZED_NAME)).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        super.replaceHandler(ctx, hostname, sslContext);
    }

    @Override
    protected SslHandler newSslHandler(final SslContext context, final ByteBufAllocator allocator)
    {
        final SslHandler handler = super.newSslHandler(context, allocator);
        handler.setHandshakeTimeoutMillis(ServerTls.HANDSHAKE_TIMEOUT_MS);
        return handler;
    }
}
