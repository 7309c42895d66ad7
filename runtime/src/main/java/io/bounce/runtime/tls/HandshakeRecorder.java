package io.bounce.runtime.tls;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.nio.channels.ClosedChannelException;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSession;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;

/**
 * Counts each connection's handshake (version, cipher, resumed or full) or its failure (by reason). After a
 * handshake it takes itself out of the pipeline, so it costs nothing once the connection carries requests;
 * after a failure it stays to take the TLS exception that follows, which is counted here and not logged.
 */
@ChannelHandler.Sharable
final class HandshakeRecorder extends ChannelInboundHandlerAdapter
{
    /**
     * BoringSSL says whether it resumed a session, but Netty keeps that method package-private
     * ({@code ReferenceCountedOpenSslEngine.isSessionReused}); looked up once, null where it is missing.
     */
    private static final MethodHandle SESSION_REUSED = sessionReused();

    /** Every reason a failure is counted under. */
    static final String[] REASONS = {"unrecognized_name", "protocol_version", "no_shared_cipher", "timeout", "closed", "not_tls", "other"};

    private final ServerTls tls;

    HandshakeRecorder(final ServerTls tls)
    {
        this.tls = tls;
    }

    @Override
    public void userEventTriggered(final ChannelHandlerContext ctx, final Object event) throws Exception
    {
        if (event instanceof SslHandshakeCompletionEvent)
        {
            final SslHandshakeCompletionEvent completion = (SslHandshakeCompletionEvent)event;
            if (completion.isSuccess())
            {
                final SslHandler ssl = ctx.pipeline().get(SslHandler.class);
                if (ssl != null)
                {
                    final SSLSession session = ssl.engine().getSession();
                    tls.handshakes.labelValues(tls.serverName(), session.getProtocol(), session.getCipherSuite(), resumed(ssl.engine())).inc();
                }
            }
            else
            {
                // Stays to take the exception that follows a failed handshake (below); the connection closes.
                tls.failures.labelValues(tls.serverName(), reason(completion.cause())).inc();
                ctx.fireUserEventTriggered(event);
                return;
            }
            ctx.pipeline().remove(this);
        }
        ctx.fireUserEventTriggered(event);
    }

    /** Handshake failures are counted, not logged (a scanner makes thousands); the connection closes either way. */
    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
    {
        if (cause instanceof io.netty.handler.codec.DecoderException && cause.getCause() instanceof javax.net.ssl.SSLException ||
            cause instanceof NotSslRecordException)
        {
            ctx.close();
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    static String reason(final Throwable cause)
    {
        if (cause instanceof SslHandshakeTimeoutException)
        {
            return "timeout";
        }
        if (cause instanceof NotSslRecordException)
        {
            return "not_tls";
        }
        if (cause instanceof ClosedChannelException)
        {
            return "closed";
        }
        final String message = String.valueOf(cause.getMessage()).toLowerCase(java.util.Locale.ROOT);
        if (message.contains("protocol") || message.contains("version"))
        {
            return "protocol_version";
        }
        if (message.contains("cipher"))
        {
            return "no_shared_cipher";
        }
        if (cause instanceof SSLHandshakeException && message.contains("closed"))
        {
            return "closed";
        }
        return "other";
    }

    private static String resumed(final SSLEngine engine)
    {
        if (SESSION_REUSED != null && SESSION_REUSED.type().parameterType(0).isInstance(engine))
        {
            try
            {
                return (boolean)SESSION_REUSED.invoke(engine) ? "true" : "false";
            }
            catch (final Throwable ex)
            {
                return "unknown";
            }
        }
        return "unknown";
    }

    private static MethodHandle sessionReused()
    {
        try
        {
            if (!io.netty.handler.ssl.OpenSsl.isAvailable())
            {
                return null; // loads the native library first: the engine's class cannot initialise without it
            }
            final Class<?> type = Class.forName("io.netty.handler.ssl.ReferenceCountedOpenSslEngine");
            final Method method = type.getDeclaredMethod("isSessionReused");
            method.setAccessible(true);
            return MethodHandles.lookup().unreflect(method).asType(MethodType.methodType(boolean.class, type));
        }
        catch (final ReflectiveOperationException | RuntimeException | LinkageError ex)
        {
            return null;
        }
    }
}
