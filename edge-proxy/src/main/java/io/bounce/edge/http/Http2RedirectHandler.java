package io.bounce.edge.http;

import java.util.Locale;

import io.bounce.edge.metrics.Rejection;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameStreamException;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.collection.IntObjectHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP/2 connection's requests (ALPN {@code h2} on the HTTPS port). Each stream's HEADERS become the
 * HTTP/1.1 request head they stand for, written into this connection's scratch buffer and read by the same
 * {@link RequestHeadParser} and {@link Redirector} as an HTTP/1.x request: one lookup, one set of rules, one
 * click record; only the answer is written as HTTP/2 frames. A body is read only for a POST (a protected link's
 * password form), kept behind its head until the stream ends, at most {@link PasswordPage#MAX_FORM_BYTES}; any other
 * is dropped as it comes, its flow-control credit given back. Not sharable: it holds the connection's parser and
 * scratch.
 *
 * <p>Answers a client does not read stop the connection being read (as on HTTP/1.1); a page body held back
 * by the client's flow-control window keeps its stream open, so at most 100 wait per connection.
 *
 * <p>Bounds, each counted when hit ({@code bounce_edge_rejections_total{reason="http2_*"}}): 100 concurrent
 * streams; a header list of at most {@code --max-header-bytes}; 200 RST_STREAMs in 30 s (rapid reset);
 * 10,000 queued control frames (SETTINGS/PING floods); 20 small CONTINUATION frames in a row; two empty
 * DATA frames in a row.
 */
final class Http2RedirectHandler extends ChannelInboundHandlerAdapter
{
    private static final Logger LOG = LoggerFactory.getLogger(Http2RedirectHandler.class);
    private static final int MAX_CONCURRENT_STREAMS = 100;
    private static final int MAX_RST_FRAMES = 200;
    private static final int RST_WINDOW_SECONDS = 30;
    private static final int MAX_QUEUED_CONTROL_FRAMES = 10_000;
    private static final int MAX_SMALL_CONTINUATION_FRAMES = 20;

    private static final byte[] HTTP11 = Redirector.ascii(" HTTP/1.1\r\nHost: ");
    private static final byte[] CRLF = Redirector.ascii("\r\n");
    private static final byte[] SP = Redirector.ascii(" ");
    /** Most bytes of the head written for one stream; the parser's own bounds (414, 431) are tighter. */
    private static final int MAX_HEAD_BYTES = 65_536;
    private static final byte[] USER_AGENT = Redirector.ascii("User-Agent: ");
    private static final byte[] REFERER = Redirector.ascii("Referer: ");
    private static final byte[] FORWARDED_FOR = Redirector.ascii("X-Forwarded-For: ");
    private static final byte[] ACCEPT_LANGUAGE = Redirector.ascii("Accept-Language: ");
    private static final AsciiString USER_AGENT_NAME = AsciiString.cached("user-agent");
    private static final AsciiString REFERER_NAME = AsciiString.cached("referer");
    private static final AsciiString FORWARDED_FOR_NAME = AsciiString.cached("x-forwarded-for");
    private static final AsciiString ACCEPT_LANGUAGE_NAME = AsciiString.cached("accept-language");
    private static final AsciiString HOST_NAME = AsciiString.cached("host");
    private static final AsciiString COOKIE_NAME = AsciiString.cached("cookie");
    private static final byte[] COOKIE = Redirector.ascii("Cookie: ");
    private static final byte[] COOKIE_SEPARATOR = Redirector.ascii("; ");

    private final Redirector redirector;
    private final RequestHeadParser parser;
    private final AsciiString countryHeader;
    private final byte[] countryPrefix;
    private Redirector.Loop loop;
    private ByteBuf scratch;
    /** POSTs whose body is still coming, by stream id: the head as written for the parser, then the body so far. */
    private final IntObjectHashMap<ByteBuf> posts = new IntObjectHashMap<>();

    private Http2RedirectHandler(final Redirector redirector, final int maxRequestLineBytes, final int maxHeaderBytes,
        final byte[] peerAddress)
    {
        this.redirector = redirector;
        this.parser = new RequestHeadParser(maxRequestLineBytes, maxHeaderBytes, redirector.countryHeader());
        this.parser.peerAddress = peerAddress;
        this.parser.secure = true; // HTTP/2 is offered only by ALPN, inside TLS
        final String country = redirector.countryHeader();
        this.countryHeader = country == null || country.isEmpty() ? null : AsciiString.of(country.toLowerCase(Locale.ROOT));
        this.countryPrefix = countryHeader == null ? null : Redirector.ascii(country + ": ");
    }

    /** Replace an HTTP/1.x handler named {@code name} with the HTTP/2 codec and this handler. */
    static void install(final ChannelHandlerContext ctx, final Redirector redirector, final int maxRequestLineBytes, final int maxHeaderBytes,
        final byte[] peerAddress)
    {
        final Http2FrameCodec codec = Http2FrameCodecBuilder.forServer()
            .initialSettings(Http2Settings.defaultSettings()
                .maxConcurrentStreams(MAX_CONCURRENT_STREAMS)
                .maxHeaderListSize(maxHeaderBytes))
            .decoderEnforceMaxRstFramesPerWindow(MAX_RST_FRAMES, RST_WINDOW_SECONDS)
            .encoderEnforceMaxQueuedControlFrames(MAX_QUEUED_CONTROL_FRAMES)
            .decoderEnforceMaxSmallContinuationFrames(MAX_SMALL_CONTINUATION_FRAMES)
            .decoderEnforceMaxConsecutiveEmptyDataFrames(2)
            .validateHeaders(true)
            .build();
        ctx.pipeline().addAfter(ctx.name(), "h2", codec);
        ctx.pipeline().addAfter("h2", "h2-redirect", new Http2RedirectHandler(redirector, maxRequestLineBytes, maxHeaderBytes, peerAddress));
    }

    @Override
    public void handlerAdded(final ChannelHandlerContext ctx)
    {
        loop = redirector.loop();
        scratch = ctx.alloc().heapBuffer(1024);
    }

    @Override
    public void handlerRemoved(final ChannelHandlerContext ctx)
    {
        if (scratch != null)
        {
            scratch.release();
            scratch = null;
        }
        for (final ByteBuf post : posts.values())
        {
            post.release();
        }
        posts.clear();
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg)
    {
        try
        {
            if (msg instanceof Http2HeadersFrame)
            {
                answer(ctx, (Http2HeadersFrame)msg);
            }
            else if (msg instanceof Http2DataFrame)
            {
                data(ctx, (Http2DataFrame)msg);
            }
            else if (msg instanceof Http2ResetFrame)
            {
                final ByteBuf post = posts.remove(((Http2ResetFrame)msg).stream().id());
                if (post != null)
                {
                    post.release();
                }
            }
            // trailers, window updates: nothing to answer.
        }
        finally
        {
            ReferenceCountUtil.release(msg);
        }
    }

    private void answer(final ChannelHandlerContext ctx, final Http2HeadersFrame frame)
    {
        final Http2Headers headers = frame.headers();
        final CharSequence method = headers.method();
        final CharSequence path = headers.path();
        CharSequence authority = headers.authority();
        if (authority == null)
        {
            authority = headers.get(HOST_NAME);
        }
        scratch.clear();
        final boolean written = method != null && path != null &&
            writeValue(method) && append(SP) && writeValue(path) && append(HTTP11) && (authority == null || writeValue(authority)) &&
            append(CRLF) &&
            header(USER_AGENT, headers.get(USER_AGENT_NAME)) && header(REFERER, headers.get(REFERER_NAME)) &&
            header(FORWARDED_FOR, headers.get(FORWARDED_FOR_NAME)) && header(ACCEPT_LANGUAGE, headers.get(ACCEPT_LANGUAGE_NAME)) &&
            (countryHeader == null || header(countryPrefix, headers.get(countryHeader))) && cookies(headers) && append(CRLF);
        if (!written)
        {
            redirector.reject(ctx, RequestHeadParser.MALFORMED, loop, frame.stream());
            return;
        }
        final int result = parser.parse(scratch);
        if (result <= 0)
        {
            redirector.reject(ctx, result == 0 ? RequestHeadParser.MALFORMED : result, loop, frame.stream());
            return;
        }
        if (parser.method == RequestHeadParser.POST && !frame.isEndStream())
        {
            // the form's body follows in DATA frames: keep the head until the stream ends
            final ByteBuf post = ctx.alloc().heapBuffer(scratch.readableBytes() + 256);
            post.writeBytes(scratch, scratch.readerIndex(), scratch.readableBytes());
            final ByteBuf previous = posts.put(frame.stream().id(), post);
            if (previous != null)
            {
                previous.release();
            }
            return;
        }
        redirector.respond(ctx, scratch, parser, loop, frame.stream());
    }

    /** A DATA frame: its credit given back; kept only behind a POST's head, up to the form's bound. */
    private void data(final ChannelHandlerContext ctx, final Http2DataFrame frame)
    {
        if (frame.initialFlowControlledBytes() > 0 && !frame.isEndStream())
        {
            // the last frame's bytes come back to the connection's window when its stream closes (Netty's flow controller)
            ctx.write(new DefaultHttp2WindowUpdateFrame(frame.initialFlowControlledBytes()).stream(frame.stream()));
        }
        final int id = frame.stream().id();
        final ByteBuf post = posts.get(id);
        if (post == null)
        {
            return;
        }
        final int headLength = parser.parse(post);
        if (headLength <= 0 || post.readableBytes() - headLength + frame.content().readableBytes() > PasswordPage.MAX_FORM_BYTES)
        {
            posts.remove(id);
            post.release();
            redirector.reject(ctx, RequestHeadParser.CONTENT_TOO_LARGE, loop, frame.stream());
            return;
        }
        post.writeBytes(frame.content(), frame.content().readerIndex(), frame.content().readableBytes());
        if (frame.isEndStream())
        {
            posts.remove(id);
            try
            {
                // the parse above still holds: its indices are the head's, which the body only follows
                parser.bodyStart = post.readerIndex() + headLength;
                parser.bodyLength = post.readableBytes() - headLength;
                redirector.respond(ctx, post, parser, loop, frame.stream());
            }
            finally
            {
                post.release();
            }
        }
    }

    /** Every Cookie header (HTTP/2 may split them) as the one line HTTP/1.1 has. */
    private boolean cookies(final Http2Headers headers)
    {
        if (headers.get(COOKIE_NAME) == null)
        {
            return true; // most requests: nothing allocated
        }
        final java.util.List<CharSequence> values = headers.getAll(COOKIE_NAME);
        append(COOKIE);
        for (int i = 0; i < values.size(); i++)
        {
            if (i > 0)
            {
                append(COOKIE_SEPARATOR);
            }
            if (!writeValue(values.get(i)))
            {
                return false;
            }
        }
        return append(CRLF);
    }

    private boolean header(final byte[] name, final CharSequence value)
    {
        return value == null || append(name) && writeValue(value) && append(CRLF);
    }

    /** A header value's bytes; refused (false) if it holds CR, LF or NUL, which would change the head it is written into. */
    private boolean writeValue(final CharSequence value)
    {
        final int length = value.length();
        if (scratch.writerIndex() + length > MAX_HEAD_BYTES)
        {
            return false;
        }
        for (int i = 0; i < length; i++)
        {
            final char c = value.charAt(i);
            if (c == '\r' || c == '\n' || c == 0)
            {
                return false;
            }
            scratch.writeByte((byte)c); // AsciiString chars are its bytes, UTF-8 included
        }
        return true;
    }

    private boolean append(final byte[] bytes)
    {
        scratch.writeBytes(bytes);
        return true;
    }

    @Override
    public void channelReadComplete(final ChannelHandlerContext ctx)
    {
        ctx.flush();
    }

    /** A client that sends requests without reading its answers stops being read until they drain (TCP pushes back). */
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
        else if (event == RedirectRequestHandler.DRAIN)
        {
            ctx.close(); // the codec sends GOAWAY and lets the streams open finish first
        }
        else
        {
            super.userEventTriggered(ctx, event);
        }
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
    {
        if (cause instanceof Http2Exception || cause instanceof Http2FrameStreamException)
        {
            // The codec answers it (GOAWAY and close, or the stream reset) after this: only count it here.
            final Rejection reason = reason(cause);
            redirector.metrics().reject(reason);
            LOG.debug("HTTP/2 {} from {}: {}", reason.label(), ctx.channel().remoteAddress(), cause.toString());
            return;
        }
        LOG.debug("closing {} after {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx) throws Exception
    {
        redirector.metrics().connectionClosed();
        super.channelInactive(ctx);
    }

    static Rejection reason(final Throwable cause)
    {
        final Throwable http2 = cause instanceof Http2FrameStreamException ? cause.getCause() : cause;
        final String message = String.valueOf(http2 == null ? null : http2.getMessage()).toLowerCase(Locale.ROOT);
        final Http2Error error = http2 instanceof Http2Exception ? ((Http2Exception)http2).error() : null;
        if (message.contains("rst"))
        {
            return Rejection.HTTP2_RESET_FLOOD;
        }
        if (message.contains("control frames"))
        {
            return Rejection.HTTP2_CONTROL_FLOOD;
        }
        if (message.contains("continuation"))
        {
            return Rejection.HTTP2_CONTINUATION_FLOOD;
        }
        if (message.contains("header size") || message.contains("header list"))
        {
            return Rejection.HTTP2_HEADERS_TOO_LARGE;
        }
        if (error == Http2Error.REFUSED_STREAM || message.contains("maximum active streams"))
        {
            return Rejection.HTTP2_STREAMS_EXCEEDED;
        }
        return Rejection.HTTP2_PROTOCOL;
    }
}
