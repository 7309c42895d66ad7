package io.bounce.edge.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;

/**
 * The edge's answers as HTTP/2 frames: the same statuses, Location, caching and pages as its HTTP/1.x
 * answers ({@link Redirector}, {@link ErrorPage}), written on the request's stream.
 */
final class Http2Answers
{
    private static final AsciiString LOCATION = AsciiString.cached("location");
    private static final AsciiString CACHE_CONTROL = AsciiString.cached("cache-control");
    private static final AsciiString CONTENT_LENGTH = AsciiString.cached("content-length");
    private static final AsciiString CONTENT_TYPE = AsciiString.cached("content-type");
    private static final AsciiString DATE = AsciiString.cached("date");
    private static final AsciiString ALLOW = AsciiString.cached("allow");
    private static final AsciiString RETRY_AFTER = AsciiString.cached("retry-after");
    private static final AsciiString STRICT_TRANSPORT_SECURITY = AsciiString.cached("strict-transport-security");
    private static final AsciiString ZERO = AsciiString.cached("0");
    private static final AsciiString TEMPORARY_CACHE = AsciiString.cached("private, no-cache");
    private static final AsciiString NO_STORE = AsciiString.cached("no-store");
    private static final AsciiString HTML = AsciiString.cached("text/html; charset=utf-8");
    private static final AsciiString GET_HEAD = AsciiString.cached("GET, HEAD");
    private static final AsciiString ONE = AsciiString.cached("1");
    private static final AsciiString[] STATUS = new AsciiString[600];

    static
    {
        for (int status = 200; status < STATUS.length; status++)
        {
            STATUS[status] = AsciiString.cached(Integer.toString(status));
        }
    }

    private Http2Answers()
    {
    }

    /**
     * A redirect: status, Location, Cache-Control, Date and no body.
     *
     * @param location       the Location's bytes (released here).
     * @param permanentCache the Cache-Control of a 301/308, or null for a temporary redirect.
     * @param dateLine       the HTTP/1.1 {@code Date: ...\r\n} line of this second.
     * @param hsts           the domain's Strict-Transport-Security value, or null.
     */
    static void redirect(final ChannelHandlerContext ctx, final Http2FrameStream stream, final int status, final ByteBuf location,
        final AsciiString permanentCache, final byte[] dateLine, final AsciiString hsts)
    {
        final byte[] bytes = new byte[location.readableBytes()];
        location.readBytes(bytes);
        location.release();
        final Http2Headers headers = new DefaultHttp2Headers(false, 6)
            .status(STATUS[status])
            .add(LOCATION, new AsciiString(bytes, false))
            .add(CACHE_CONTROL, permanentCache != null ? permanentCache : TEMPORARY_CACHE)
            .add(DATE, date(dateLine))
            .add(CONTENT_LENGTH, ZERO);
        if (hsts != null)
        {
            headers.add(STRICT_TRANSPORT_SECURITY, hsts);
        }
        ctx.write(new DefaultHttp2HeadersFrame(headers, true).stream(stream), ctx.voidPromise());
    }

    /** One of the edge's pages, with its status and headers (and the domain's HSTS, or null); no body for HEAD. */
    static void error(final ChannelHandlerContext ctx, final Http2FrameStream stream, final ErrorPage page, final boolean head,
        final byte[] dateLine, final AsciiString hsts)
    {
        final Http2Headers headers = new DefaultHttp2Headers(false, 6)
            .status(STATUS[page.status.code()])
            .add(CONTENT_TYPE, HTML)
            .add(CACHE_CONTROL, NO_STORE)
            .add(DATE, date(dateLine))
            .add(CONTENT_LENGTH, AsciiString.of(Integer.toString(page.body.length)));
        if (page == ErrorPage.METHOD_NOT_ALLOWED)
        {
            headers.add(ALLOW, GET_HEAD);
        }
        else if (page == ErrorPage.TOO_MANY_REQUESTS)
        {
            headers.add(RETRY_AFTER, ONE);
        }
        if (hsts != null)
        {
            headers.add(STRICT_TRANSPORT_SECURITY, hsts);
        }
        ctx.write(new DefaultHttp2HeadersFrame(headers, head).stream(stream), ctx.voidPromise());
        if (!head)
        {
            ctx.write(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(page.body), true).stream(stream), ctx.voidPromise());
        }
    }

    /** The value of an HTTP/1.1 {@code Date: <value>\r\n} line. */
    private static AsciiString date(final byte[] line)
    {
        return new AsciiString(line, 6, line.length - 8, true);
    }
}
