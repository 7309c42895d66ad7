package io.bounce.runtime.http;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;

/**
 * The HTTP/1.1 server codec of every Bounce port but the edge's redirect path, held to what the edge's own
 * parser accepts. Netty's decoder already refuses bad header names and values (NUL, other control bytes,
 * a bare CR); this adds the checks it leaves to the application, each of which RFC 9112 makes a 400:
 * <ul>
 * <li>a version other than HTTP/1.0 or HTTP/1.1 ({@code HTTP/1.2}, {@code HTTP/2.0} in an HTTP/1 request line);</li>
 * <li>an HTTP/1.1 request without a Host, or any request with more than one;</li>
 * <li>a request target with bytes outside visible ASCII (NUL, control characters, spaces, non-ASCII).</li>
 * </ul>
 * A request that fails is passed on marked as a decoder failure ({@link InvalidRequest} says why), so the
 * handlers answer it as they answer any request that did not parse: 400 and the connection's end.
 */
@ChannelHandler.Sharable
public final class StrictRequests extends ChannelInboundHandlerAdapter
{
    /** The longest request line taken (414 past it), the edge's bound too. */
    public static final int MAX_INITIAL_LINE = 4096;
    /** The largest header section taken (431 past it), the edge's bound too. */
    public static final int MAX_HEADER_BYTES = 8192;

    /**
     * Requests the codec may decode ahead of their answers. A handler that has enough waiting stops reading,
     * but the codec still decodes the rest of the read it is in: at most one read buffer (64 KiB) of the
     * smallest requests (18 bytes), about 3,600. Netty's default (128) would cut a client that pipelines
     * more in one write.
     */
    private static final int MAX_PIPELINE_DEPTH = 8192;

    private static final StrictRequests INSTANCE = new StrictRequests();

    private StrictRequests()
    {
    }

    /** Add the codec ({@code name}) and this check after it. */
    public static void addCodec(final ChannelPipeline pipeline, final String name)
    {
        pipeline.addLast(name, new HttpServerCodec(new HttpDecoderConfig()
            .setMaxInitialLineLength(MAX_INITIAL_LINE)
            .setMaxHeaderSize(MAX_HEADER_BYTES)
            .setMaxChunkSize(8192), MAX_PIPELINE_DEPTH));
        pipeline.addLast(name + "-strict", INSTANCE);
    }

    /** The refusal for a request that failed to decode: 414, 431 or a 400 that says what was wrong. */
    public static Problem problem(final Throwable cause)
    {
        if (cause instanceof TooLongHttpLineException)
        {
            return new Problem(414, "uri-too-long", "URI too long", "the request line is longer than " + MAX_INITIAL_LINE + " bytes");
        }
        if (cause instanceof TooLongHttpHeaderException)
        {
            return new Problem(431, "headers-too-large", "Request header fields too large",
                "the request headers are larger than " + MAX_HEADER_BYTES + " bytes");
        }
        if (cause instanceof TooLongFrameException)
        {
            return new Problem(400, "malformed", "Bad request", "a request element is too long");
        }
        if (cause instanceof InvalidRequest)
        {
            return new Problem(400, "malformed", "Bad request", cause.getMessage());
        }
        return new Problem(400, "malformed", "Bad request", "the request could not be parsed as HTTP/1.1");
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg)
    {
        if (msg instanceof HttpRequest && ((HttpRequest)msg).decoderResult().isSuccess())
        {
            final HttpRequest request = (HttpRequest)msg;
            final String problem = check(request);
            if (problem != null)
            {
                request.setDecoderResult(DecoderResult.failure(new InvalidRequest(problem)));
            }
        }
        ctx.fireChannelRead(msg);
    }

    private static String check(final HttpRequest request)
    {
        final HttpVersion version = request.protocolVersion();
        final boolean http11 = version.majorVersion() == 1 && version.minorVersion() == 1;
        if (!"HTTP".equals(version.protocolName()) || version.majorVersion() != 1 || version.minorVersion() > 1)
        {
            return "only HTTP/1.0 and HTTP/1.1 are spoken here";
        }
        final int hosts = request.headers().getAll(HttpHeaderNames.HOST).size();
        if (hosts > 1)
        {
            return "a request carries one Host header, not " + hosts;
        }
        if (hosts == 0 && http11)
        {
            return "an HTTP/1.1 request needs a Host header";
        }
        final String uri = request.uri();
        for (int i = 0; i < uri.length(); i++)
        {
            final char c = uri.charAt(i);
            if (c <= 0x20 || c >= 0x7F)
            {
                return "the request target may hold visible ASCII only; percent-encode anything else";
            }
        }
        return null;
    }

    /** Why a request that Netty decoded is still not one we take. */
    public static final class InvalidRequest extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        InvalidRequest(final String message)
        {
            super(message, null, false, false);
        }
    }
}
