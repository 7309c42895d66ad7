package io.bounce.edge.http;

import static io.bounce.edge.http.Redirector.ascii;

import io.netty.buffer.ByteBuf;

/**
 * The edge's answers as HTTP/1.x bytes, pre-shaped where they can be: a redirect, the upgrade of a plain
 * request on an HTTPS-only domain, and the error pages ({@link ErrorPage}). The HTTP/2 twin is
 * {@link Http2Answers}. Stateless; the caller allocates the buffer and writes it.
 */
final class Http1Answers
{
    private static final byte[] REDIRECT_301 = ascii("HTTP/1.1 301 Moved Permanently\r\nLocation: ");
    private static final byte[] REDIRECT_302 = ascii("HTTP/1.1 302 Found\r\nLocation: ");
    private static final byte[] REDIRECT_307 = ascii("HTTP/1.1 307 Temporary Redirect\r\nLocation: ");
    private static final byte[] REDIRECT_308 = ascii("HTTP/1.1 308 Permanent Redirect\r\nLocation: ");
    private static final byte[] HTTPS_LOCATION = ascii("HTTP/1.1 308 Permanent Redirect\r\nLocation: https://");
    private static final byte[] TEMPORARY_CACHE = ascii("\r\nCache-Control: private, no-cache\r\n");
    private static final byte[] NO_BODY = ascii("Content-Length: 0\r\n");
    private static final byte[] CONNECTION_CLOSE = ascii("Connection: close\r\n");
    private static final byte[] CONNECTION_KEEP_ALIVE = ascii("Connection: keep-alive\r\n");
    private static final byte[] CRLF = ascii("\r\n");

    private Http1Answers()
    {
    }

    /**
     * A redirect to the stored URL ({@code urlLength} bytes at {@code urlAt} of {@code record}), with the forwarded query.
     *
     * @param dropUtm        leave the forwarded query's {@code utm_*} parameters out (the link sets its own).
     *
     * @param permanentCache the {@code \r\nCache-Control: ...\r\n} of a 301/308, or null for a temporary redirect.
     * @param hstsLine       the domain's {@code Strict-Transport-Security} line, or null.
     */
    static void redirect(final ByteBuf out, final int status, final byte[] record, final int urlAt, final int urlLength, final ByteBuf in,
        final int queryStart, final int queryLength, final boolean dropUtm, final byte[] permanentCache, final byte[] dateLine,
        final byte[] hstsLine, final boolean keepAlive, final boolean http11)
    {
        out.writeBytes(statusLine(status));
        writeLocation(out, record, urlAt, urlLength, in, queryStart, queryLength, dropUtm);
        out.writeBytes(permanentCache != null ? permanentCache : TEMPORARY_CACHE);
        out.writeBytes(dateLine);
        if (hstsLine != null)
        {
            out.writeBytes(hstsLine);
        }
        out.writeBytes(NO_BODY);
        writeConnection(out, keepAlive, http11);
        out.writeBytes(CRLF);
    }

    /**
     * A 308 to {@code https://}, the first {@code domainLength} bytes of {@code domain}, {@code portSuffix}, and
     * the request's path and query; cacheable as {@code permanentCache} says.
     */
    static void httpsUpgrade(final ByteBuf out, final byte[] domain, final int domainLength, final byte[] portSuffix, final ByteBuf in,
        final RequestHeadParser request, final byte[] permanentCache, final byte[] dateLine, final boolean keepAlive)
    {
        out.writeBytes(HTTPS_LOCATION);
        out.writeBytes(domain, 0, domainLength);
        out.writeBytes(portSuffix);
        out.writeBytes(in, request.pathStart, request.pathEnd - request.pathStart);
        if (request.queryEnd > request.queryStart)
        {
            out.writeByte('?');
            out.writeBytes(in, request.queryStart, request.queryEnd - request.queryStart);
        }
        out.writeBytes(permanentCache);
        out.writeBytes(dateLine);
        out.writeBytes(NO_BODY);
        writeConnection(out, keepAlive, request.http11);
        out.writeBytes(CRLF);
    }

    private static final byte[] ACME_ANSWER = ascii("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n" +
        "Cache-Control: no-store\r\n");

    /** An ACME HTTP-01 answer: the key authorization as the body (RFC 8555 section 8.3); no body for HEAD. */
    static void acmeChallenge(final ByteBuf out, final byte[] keyAuthorization, final byte[] dateLine, final boolean keepAlive,
        final boolean http11, final boolean head)
    {
        out.writeBytes(ACME_ANSWER);
        out.writeBytes(dateLine);
        out.writeCharSequence("Content-Length: " + keyAuthorization.length + "\r\n", java.nio.charset.StandardCharsets.US_ASCII);
        writeConnection(out, keepAlive, http11);
        out.writeBytes(CRLF);
        if (!head)
        {
            out.writeBytes(keyAuthorization);
        }
    }

    /** One of the edge's pages, with the domain's HSTS line (or null); no body for HEAD. */
    static void error(final ByteBuf out, final ErrorPage page, final byte[] dateLine, final byte[] hstsLine, final boolean keepAlive,
        final boolean http11, final boolean head)
    {
        out.writeBytes(page.head);
        endHead(out, dateLine, hstsLine, keepAlive, http11);
        if (!head)
        {
            out.writeBytes(page.body);
        }
    }

    /**
     * Copy the stored URL ({@code urlLength} bytes at {@code urlAt} of {@code record}); with a forwarded
     * query, insert it before any fragment, after '?' or '&' (its {@code utm_*} parameters left out with {@code dropUtm}).
     */
    static void writeLocation(final ByteBuf out, final byte[] record, final int urlAt, final int urlLength, final ByteBuf in,
        final int queryStart, final int queryLength, final boolean dropUtm)
    {
        if (queryLength == 0)
        {
            out.writeBytes(record, urlAt, urlLength);
            return;
        }
        final int urlEnd = urlAt + urlLength;
        int fragment = urlEnd;
        boolean hasQuery = false;
        for (int i = urlAt; i < urlEnd; i++)
        {
            if (record[i] == '#')
            {
                fragment = i;
                break;
            }
            if (record[i] == '?')
            {
                hasQuery = true;
            }
        }
        out.writeBytes(record, urlAt, fragment - urlAt);
        byte separator = !hasQuery ? (byte)'?' : record[fragment - 1] != '?' && record[fragment - 1] != '&' ? (byte)'&' : 0;
        if (!dropUtm)
        {
            if (separator != 0)
            {
                out.writeByte(separator);
            }
            out.writeBytes(in, queryStart, queryLength);
        }
        else
        {
            final int queryEnd = queryStart + queryLength;
            for (int param = queryStart; param < queryEnd; )
            {
                int paramEnd = param;
                while (paramEnd < queryEnd && in.getByte(paramEnd) != '&')
                {
                    paramEnd++;
                }
                if (paramEnd > param && !isUtm(in, param, paramEnd))
                {
                    if (separator != 0)
                    {
                        out.writeByte(separator);
                    }
                    out.writeBytes(in, param, paramEnd - param);
                    separator = '&';
                }
                param = paramEnd + 1;
            }
        }
        out.writeBytes(record, fragment, urlEnd - fragment);
    }

    private static boolean isUtm(final ByteBuf in, final int start, final int end)
    {
        return end - start >= 4 && in.getByte(start) == 'u' && in.getByte(start + 1) == 't' && in.getByte(start + 2) == 'm' &&
            in.getByte(start + 3) == '_';
    }

    /** The end of a head every page shares: its Date line, the domain's HSTS line (or null), Connection, the blank line. */
    static void endHead(final ByteBuf out, final byte[] dateLine, final byte[] hstsLine, final boolean keepAlive, final boolean http11)
    {
        out.writeBytes(dateLine);
        if (hstsLine != null)
        {
            out.writeBytes(hstsLine);
        }
        writeConnection(out, keepAlive, http11);
        out.writeBytes(CRLF);
    }

    private static void writeConnection(final ByteBuf out, final boolean keepAlive, final boolean http11)
    {
        if (!keepAlive)
        {
            out.writeBytes(CONNECTION_CLOSE);
        }
        else if (!http11)
        {
            out.writeBytes(CONNECTION_KEEP_ALIVE);
        }
    }

    private static byte[] statusLine(final int status)
    {
        switch (status)
        {
            case 301:
                return REDIRECT_301;
            case 307:
                return REDIRECT_307;
            case 308:
                return REDIRECT_308;
            default:
                return REDIRECT_302;
        }
    }
}
