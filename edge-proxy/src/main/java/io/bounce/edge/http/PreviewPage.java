package io.bounce.edge.http;

import java.nio.charset.StandardCharsets;

import io.bounce.replication.link.LinkView;
import io.bounce.replication.link.RulesView;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;

/**
 * The page a link-preview crawler gets for a link with a social preview: its title, description and image as Open
 * Graph and Twitter card tags, and a plain link to the destination. Every field is HTML-escaped here, byte by byte
 * from the record, whatever the control plane let through: the page is built on the event loop into the response
 * buffer, with no other allocation. Not cached by anyone ({@code no-store}), so an edited preview shows at once;
 * {@code noindex}, so search engines keep the destination, not this page.
 */
final class PreviewPage
{
    private static final byte[] HEAD = ascii("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n" +
        "Cache-Control: no-store\r\nX-Robots-Tag: noindex\r\nContent-Length: ");
    private static final byte[] CRLF = ascii("\r\n");
    private static final AsciiString HTML = AsciiString.cached("text/html; charset=utf-8");
    private static final AsciiString NO_STORE = AsciiString.cached("no-store");
    private static final AsciiString NOINDEX = AsciiString.cached("noindex");
    private static final AsciiString X_ROBOTS_TAG = AsciiString.cached("x-robots-tag");
    private static final AsciiString STATUS_200 = AsciiString.cached("200");

    private static final byte[] START = ascii("<!doctype html>\n<html><head><meta charset=\"utf-8\">\n<title>");
    private static final byte[] OG_TITLE = ascii("</title>\n<meta property=\"og:title\" content=\"");
    private static final byte[] TWITTER_TITLE = ascii("\">\n<meta name=\"twitter:title\" content=\"");
    private static final byte[] OG_DESCRIPTION = ascii("\">\n<meta property=\"og:description\" content=\"");
    private static final byte[] TWITTER_DESCRIPTION = ascii("\">\n<meta name=\"twitter:description\" content=\"");
    private static final byte[] OG_IMAGE = ascii("\">\n<meta property=\"og:image\" content=\"");
    private static final byte[] TWITTER_IMAGE = ascii("\">\n<meta name=\"twitter:image\" content=\"");
    private static final byte[] CARD_LARGE = ascii("\">\n<meta name=\"twitter:card\" content=\"summary_large_image\">\n");
    private static final byte[] CARD = ascii("\">\n<meta name=\"twitter:card\" content=\"summary\">\n");
    private static final byte[] BODY = ascii("</head><body><h1>");
    private static final byte[] PARAGRAPH = ascii("</h1>\n<p>");
    private static final byte[] LINK = ascii("</p>\n<p><a href=\"");
    private static final byte[] END = ascii("\">Continue</a></p></body></html>\n");

    private static final byte[] AMP = ascii("&amp;");
    private static final byte[] LT = ascii("&lt;");
    private static final byte[] GT = ascii("&gt;");
    private static final byte[] QUOT = ascii("&quot;");
    private static final byte[] APOS = ascii("&#39;");

    private PreviewPage()
    {
    }

    /** A link-preview crawler's page: the link's social preview around a plain link to its own URL, on HTTP/1.x or a stream. */
    static void answer(final ChannelHandlerContext ctx, final LinkView link, final int preview, final Redirector.Loop loop, final byte[] date,
        final boolean keepAlive, final boolean head, final boolean http11, final Http2FrameStream stream)
    {
        if (stream != null)
        {
            write(ctx, stream, loop.record, link.rules(), preview, link.urlOffset(), link.urlLength(),
                new AsciiString(date, 6, date.length - 8, true), loop.hstsValue, head);
            return;
        }
        final ByteBuf out = ctx.alloc().ioBuffer(512 + 12 * link.rulesLength() + (loop.hstsLine == null ? 0 : loop.hstsLine.length));
        write(out, loop.record, link.rules(), preview, link.urlOffset(), link.urlLength(), date, loop.hstsLine, keepAlive, http11, head);
        ctx.write(out, ctx.voidPromise());
    }

    /** The whole HTTP/1.x answer; no body for HEAD. */
    static void write(final ByteBuf out, final byte[] record, final RulesView rules, final int preview, final int urlAt, final int urlLength,
        final byte[] dateLine, final byte[] hstsLine, final boolean keepAlive, final boolean http11, final boolean head)
    {
        out.writeBytes(HEAD);
        out.writeCharSequence(Integer.toString(bodyLength(record, rules, preview, urlAt, urlLength)), StandardCharsets.US_ASCII);
        out.writeBytes(CRLF);
        Http1Answers.endHead(out, dateLine, hstsLine, keepAlive, http11);
        if (!head)
        {
            body(out, record, rules, preview, urlAt, urlLength);
        }
    }

    /** The same answer on an HTTP/2 stream. */
    static void write(final ChannelHandlerContext ctx, final Http2FrameStream stream, final byte[] record, final RulesView rules,
        final int preview, final int urlAt, final int urlLength, final AsciiString date, final AsciiString hsts, final boolean head)
    {
        final int length = bodyLength(record, rules, preview, urlAt, urlLength);
        final Http2Headers headers = new DefaultHttp2Headers(false, 6)
            .status(STATUS_200)
            .add("content-type", HTML)
            .add("cache-control", NO_STORE)
            .add(X_ROBOTS_TAG, NOINDEX)
            .add("date", date)
            .add("content-length", AsciiString.of(Integer.toString(length)));
        if (hsts != null)
        {
            headers.add("strict-transport-security", hsts);
        }
        ctx.write(new DefaultHttp2HeadersFrame(headers, head).stream(stream), ctx.voidPromise());
        if (!head)
        {
            final ByteBuf body = ctx.alloc().buffer(length);
            body(body, record, rules, preview, urlAt, urlLength);
            ctx.write(new DefaultHttp2DataFrame(body, true).stream(stream), ctx.voidPromise());
        }
    }

    static int bodyLength(final byte[] record, final RulesView rules, final int p, final int urlAt, final int urlLength)
    {
        final int title = escapedLength(record, rules.titleOffset(p), rules.titleLength(p));
        final int description = escapedLength(record, rules.descriptionOffset(p), rules.descriptionLength(p));
        final int image = escapedLength(record, rules.imageOffset(p), rules.imageLength(p));
        return START.length + 4 * title + OG_TITLE.length + TWITTER_TITLE.length + OG_DESCRIPTION.length + TWITTER_DESCRIPTION.length +
            3 * description + OG_IMAGE.length + TWITTER_IMAGE.length + 2 * image + (image > 0 ? CARD_LARGE.length : CARD.length) +
            BODY.length + PARAGRAPH.length + LINK.length + escapedLength(record, urlAt, urlLength) + END.length;
    }

    private static void body(final ByteBuf out, final byte[] record, final RulesView rules, final int p, final int urlAt, final int urlLength)
    {
        final int titleAt = rules.titleOffset(p);
        final int titleLength = rules.titleLength(p);
        final int descriptionAt = rules.descriptionOffset(p);
        final int descriptionLength = rules.descriptionLength(p);
        final int imageAt = rules.imageOffset(p);
        final int imageLength = rules.imageLength(p);
        field(out, START, record, titleAt, titleLength);
        field(out, OG_TITLE, record, titleAt, titleLength);
        field(out, TWITTER_TITLE, record, titleAt, titleLength);
        field(out, OG_DESCRIPTION, record, descriptionAt, descriptionLength);
        field(out, TWITTER_DESCRIPTION, record, descriptionAt, descriptionLength);
        field(out, OG_IMAGE, record, imageAt, imageLength);
        field(out, TWITTER_IMAGE, record, imageAt, imageLength);
        out.writeBytes(imageLength > 0 ? CARD_LARGE : CARD);
        field(out, BODY, record, titleAt, titleLength);
        field(out, PARAGRAPH, record, descriptionAt, descriptionLength);
        field(out, LINK, record, urlAt, urlLength);
        out.writeBytes(END);
    }

    /** The markup before a field, then the field escaped. */
    private static void field(final ByteBuf out, final byte[] before, final byte[] record, final int at, final int length)
    {
        out.writeBytes(before);
        escape(out, record, at, length);
    }

    /** The five characters that matter in HTML text and quoted attributes; any other byte (UTF-8 included) as it is. */
    private static void escape(final ByteBuf out, final byte[] bytes, final int at, final int length)
    {
        for (int i = at; i < at + length; i++)
        {
            final byte b = bytes[i];
            switch (b)
            {
                case '&' -> out.writeBytes(AMP);
                case '<' -> out.writeBytes(LT);
                case '>' -> out.writeBytes(GT);
                case '"' -> out.writeBytes(QUOT);
                case '\'' -> out.writeBytes(APOS);
                default -> out.writeByte(b);
            }
        }
    }

    private static int escapedLength(final byte[] bytes, final int at, final int length)
    {
        int n = length;
        for (int i = at; i < at + length; i++)
        {
            switch (bytes[i])
            {
                case '&' -> n += 4;
                case '<', '>' -> n += 3;
                case '"' -> n += 5;
                case '\'' -> n += 4;
                default -> { }
            }
        }
        return n;
    }

    private static byte[] ascii(final String s)
    {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
