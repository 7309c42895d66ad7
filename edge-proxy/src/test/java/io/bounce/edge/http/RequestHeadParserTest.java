package io.bounce.edge.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RequestHeadParserTest
{
    private final RequestHeadParser parser = new RequestHeadParser(4096, 8192);

    private int parse(final String head)
    {
        final ByteBuf buf = Unpooled.copiedBuffer(head, StandardCharsets.ISO_8859_1);
        try
        {
            return parser.parse(buf);
        }
        finally
        {
            buf.release();
        }
    }

    private static String slice(final String head, final int start, final int end)
    {
        return head.substring(start, end);
    }

    @Test
    void shouldParseAGetWithHostPathAndQuery()
    {
        final String head = "GET /abc123?x=1&y=2 HTTP/1.1\r\nHost: Bnc.To:8080\r\nUser-Agent: t\r\n\r\n";
        assertEquals(head.length(), parse(head));
        assertEquals(RequestHeadParser.GET, parser.method);
        assertEquals("/abc123", slice(head, parser.pathStart, parser.pathEnd));
        assertEquals("x=1&y=2", slice(head, parser.queryStart, parser.queryEnd));
        assertEquals("Bnc.To:8080", slice(head, parser.hostStart, parser.hostEnd));
        assertTrue(parser.http11);
        assertTrue(parser.keepAlive);
        assertFalse(parser.hasBody);
    }

    @Test
    void shouldNeedMoreUntilTheHeadIsComplete()
    {
        final String head = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
        for (int i = 1; i < head.length(); i++)
        {
            assertEquals(RequestHeadParser.NEED_MORE, parse(head.substring(0, i)), "prefix of " + i);
        }
        assertEquals(head.length(), parse(head));
    }

    @Test
    void shouldParseOnlyTheFirstOfPipelinedRequests()
    {
        final String first = "HEAD /a HTTP/1.1\r\nHost: x\r\n\r\n";
        assertEquals(first.length(), parse(first + "GET /b HTTP/1.1\r\nHost: x\r\n\r\n"));
        assertEquals(RequestHeadParser.HEAD, parser.method);
    }

    @Test
    void shouldFollowHttp10AndHttp11ConnectionRules()
    {
        parse("GET /a HTTP/1.0\r\n\r\n");
        assertFalse(parser.keepAlive);
        parse("GET /a HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
        assertTrue(parser.keepAlive);
        parse("GET /a HTTP/1.1\r\nHost: x\r\nConnection: foo, close\r\n\r\n");
        assertFalse(parser.keepAlive);
        parse("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
        assertTrue(parser.keepAlive);
    }

    @Test
    void shouldFlagBodies()
    {
        parse("GET /a HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
        assertFalse(parser.hasBody);
        parse("GET /a HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\n");
        assertTrue(parser.hasBody);
        assertEquals(12, parser.contentLength);
        parse("GET /a HTTP/1.1\r\nHost: x\r\ntransfer-encoding: chunked\r\n\r\n");
        assertTrue(parser.hasBody);
        assertTrue(parser.transferEncoding);
        assertEquals(-1, parser.contentLength);
        parse("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\nCookie: bounce_pass=1.2\r\n\r\n");
        assertEquals(RequestHeadParser.POST, parser.method);
        assertEquals(Long.MAX_VALUE, parser.contentLength, "too large to hold is too large");
        assertTrue(parser.cookieStart > 0);
    }

    @Test
    void shouldTakeTheHostOfAnAbsoluteFormTarget()
    {
        final String head = "GET http://bnc.to/abc?q HTTP/1.1\r\nHost: other.example\r\n\r\n";
        assertEquals(head.length(), parse(head));
        assertEquals("bnc.to", slice(head, parser.hostStart, parser.hostEnd));
        assertEquals("/abc", slice(head, parser.pathStart, parser.pathEnd));
    }

    @Test
    void shouldAcceptBareLineFeedsAndLeadingEmptyLines()
    {
        final String head = "\r\nGET /a HTTP/1.1\nHost: x\n\n";
        assertEquals(head.length(), parse(head));
    }

    @Test
    void shouldAnswerUriTooLongPastTheLineLimitEvenBeforeItEnds()
    {
        assertEquals(RequestHeadParser.URI_TOO_LONG, parse("GET /" + "a".repeat(5000)));
        assertEquals(RequestHeadParser.URI_TOO_LONG, parse("GET /" + "a".repeat(5000) + " HTTP/1.1\r\nHost: x\r\n\r\n"));
        assertEquals(RequestHeadParser.NEED_MORE, parse("GET /" + "a".repeat(4000)));
    }

    @Test
    void shouldAnswerHeadersTooLargePastTheHeaderLimit()
    {
        final String big = "X-Filler: " + "b".repeat(9000) + "\r\n";
        assertEquals(RequestHeadParser.HEADERS_TOO_LARGE, parse("GET /a HTTP/1.1\r\nHost: x\r\n" + big));
        assertEquals(RequestHeadParser.HEADERS_TOO_LARGE, parse("GET /a HTTP/1.1\r\nHost: x\r\n" + big + "\r\n"));
        final StringBuilder many = new StringBuilder("GET /a HTTP/1.1\r\nHost: x\r\n");
        for (int i = 0; i < 1000; i++)
        {
            many.append("X-").append(i).append(": v\r\n");
        }
        assertEquals(RequestHeadParser.HEADERS_TOO_LARGE, parse(many.append("\r\n").toString()));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "GET /a HTTP/2.0\r\nHost: x\r\n\r\n",
        "GET /a HTTP/1.1\r\n\r\n",
        "GET /a\r\nHost: x\r\n\r\n",
        "GET  /a HTTP/1.1\r\nHost: x\r\n\r\n",
        "G(T /a HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET a HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET * HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /a\u0001 HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /a HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
        "GET /a HTTP/1.1\r\nHost : x\r\n\r\n",
        "GET /a HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
        "GET /a HTTP/1.1\r\nHost: x\r\nno-colon\r\n\r\n",
        "GET /a HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
        "GET /a HTTP/1.1\r\nHost: x\r\nContent-Length: \r\n\r\n",
        "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 50\r\n\r\n",
        "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
        "GET /a HTTP/1.1\r\nHost: x\r\nUser-Agent: a\u0000b\r\n\r\n",
        "GET /a HTTP/1.1\r\nHost: x\r\nX-Any: a\u0001b\r\n\r\n",
        "GET /a HTTP/1.1\r\nHost: x\r\nReferer: a\u001fb\r\n\r\n",
        "GET /a HTTP/1.1\r\nHost: x\r\nX-Any: a\u007fb\r\n\r\n",
        "GET /a HTTP/1.1\r\nHost: x\r\nX-Any: a\rb\r\n\r\n",
        "GET /a HTTP/1.1\r\nHost: x\rInjected: 1\r\n\r\n",
        "GET /a HTTP/1.1\r\nHost: x\r\nX-Any: trailing-cr\r\r\n\r\n",
        "GET /a HTTP/1.1\r\nHost: x\u0000y\r\n\r\n"})
    void shouldRejectMalformedHeads(final String head)
    {
        assertEquals(RequestHeadParser.MALFORMED, parse(head));
    }

    @Test
    void shouldTakeTabsAndObsTextInHeaderValues()
    {
        assertTrue(parse("GET /a HTTP/1.1\r\nHost: x\r\nUser-Agent: a\tb \u00e9\u00ff\r\n\r\n") > 0, "HTAB and bytes 0x80-0xFF are field content");
    }

    @Test
    void shouldCallOtherMethodsOther()
    {
        parse("DELETE /a HTTP/1.1\r\nHost: x\r\n\r\n");
        assertEquals(RequestHeadParser.OTHER, parser.method);
        parse("get /a HTTP/1.1\r\nHost: x\r\n\r\n");
        assertEquals(RequestHeadParser.OTHER, parser.method, "methods are case-sensitive");
    }
}
