package io.bounce.runtime.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;

/**
 * Whole HTTP/1.1 answers for the ports that are not on the redirect path (admin, API, log server,
 * ingest): a body with its length, {@code Cache-Control: no-store} (nothing here may be cached), the
 * {@linkplain #protect headers that keep a browser from treating an answer as a page}, and
 * {@code Connection: close} when the connection ends with it.
 */
public final class Responses
{
    /** No page is ever served from these ports: nothing may run, load, frame or be sniffed into one. */
    public static final String CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    private static final AsciiString CONTENT_TYPE_OPTIONS = AsciiString.cached("x-content-type-options");
    private static final AsciiString NOSNIFF = AsciiString.cached("nosniff");
    private static final AsciiString CSP = AsciiString.cached(CONTENT_SECURITY_POLICY);
    private static final AsciiString REFERRER_POLICY = AsciiString.cached("referrer-policy");
    private static final AsciiString NO_REFERRER = AsciiString.cached("no-referrer");

    private Responses()
    {
    }

    public static FullHttpResponse full(final int status, final CharSequence contentType, final byte[] body, final boolean keepAlive)
    {
        final FullHttpResponse response = new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), Unpooled.wrappedBuffer(body));
        response.headers()
            .set(HttpHeaderNames.CONTENT_TYPE, contentType)
            .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE)
            .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        protect(response.headers());
        if (!keepAlive)
        {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return response;
    }

    /**
     * The headers that keep an answer inert in a browser, whatever a body echoes: {@code nosniff} (JSON
     * is never read as HTML or script), a policy that allows nothing, and no referrer.
     */
    public static void protect(final HttpHeaders headers)
    {
        headers.set(CONTENT_TYPE_OPTIONS, NOSNIFF)
            .set(HttpHeaderNames.CONTENT_SECURITY_POLICY, CSP)
            .set(REFERRER_POLICY, NO_REFERRER);
    }

    /** 200 with a JSON body. */
    public static FullHttpResponse json(final byte[] body, final boolean keepAlive)
    {
        return full(200, HttpHeaderValues.APPLICATION_JSON, body, keepAlive);
    }

    /** Write and flush; an answer that ends its connection ({@code Connection: close}) closes it once written. */
    public static void send(final ChannelHandlerContext ctx, final FullHttpResponse response)
    {
        final boolean close = response.headers().contains(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE, true);
        final var written = ctx.writeAndFlush(response);
        if (close)
        {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }
}
