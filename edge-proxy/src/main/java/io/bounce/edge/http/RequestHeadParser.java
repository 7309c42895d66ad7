package io.bounce.edge.http;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;

/**
 * Parses one HTTP/1.0 or HTTP/1.1 request head from a {@link ByteBuf} without allocating: the results
 * are fields of this object and absolute indices into the buffer, valid until the buffer's reader index
 * moves. Owned by one channel (one parser per connection), so it is only ever used from that
 * channel's event loop.
 *
 * <p>Bounds, enforced here before anything is buffered beyond them:
 * <ul>
 *   <li>request line longer than {@code maxRequestLineBytes} (CRLF excluded): {@link #URI_TOO_LONG} (414);</li>
 *   <li>header section longer than {@code maxHeaderBytes} (request line excluded): {@link #HEADERS_TOO_LARGE} (431);</li>
 *   <li>anything RFC 9112 calls invalid that matters to us (bad method token, target that is not
 *       origin- or absolute-form, a version other than HTTP/1.0 or HTTP/1.1, header names with
 *       whitespace, header values with NUL, other control bytes or a bare CR, obsolete line folding, a
 *       repeated Host, an HTTP/1.1 request without Host, a non-numeric Content-Length): {@link #MALFORMED} (400).</li>
 * </ul>
 * A request that announces a body ({@code Content-Length > 0} or any {@code Transfer-Encoding}) parses
 * but sets {@link #hasBody}: edges take no bodies but a password form's (a POST with a {@link #contentLength}), and the
 * caller refuses the rest. A repeated Content-Length is {@link #MALFORMED}: two lengths are how requests are smuggled.
 */
final class RequestHeadParser
{
    static final int NEED_MORE = 0;
    static final int URI_TOO_LONG = -1;
    static final int HEADERS_TOO_LARGE = -2;
    static final int MALFORMED = -3;
    /** Not from {@link #parse}: a body the handler will not take (a POST over 1 KiB or chunked), 413. */
    static final int CONTENT_TOO_LARGE = -4;

    static final int GET = 1;
    static final int HEAD = 2;
    static final int OTHER = 3;
    /** Only a protected link's password form is posted. */
    static final int POST = 4;

    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final byte SP = ' ';
    private static final byte HT = '\t';
    /** Field content (RFC 9110 5.5): visible ASCII, space, HTAB and obs-text (0x80-0xFF, negative as a byte). */
    private static final ByteProcessor FIELD_CONTENT = b -> b >= SP && b != 0x7F || b == HT || b < 0;

    private final int maxRequestLineBytes;
    private final int maxHeaderBytes;

    /** {@link #GET}, {@link #HEAD}, {@link #POST} or {@link #OTHER}. */
    int method;
    /** The path, from its leading '/' to before '?' (exclusive end). */
    int pathStart;
    int pathEnd;
    /** The query after '?', exclusive end; {@code queryStart == queryEnd} when there is none. */
    int queryStart;
    int queryEnd;
    /** The Host (or absolute-form authority), or -1 when absent. */
    int hostStart;
    int hostEnd;
    boolean http11;
    boolean keepAlive;
    boolean hasBody;
    /** The Content-Length, or -1 when absent ({@code Long.MAX_VALUE} when too large to hold). */
    long contentLength;
    /** Whether a Transfer-Encoding was given (never taken: a password form has a Content-Length). */
    boolean transferEncoding;
    /** Where the body is in the buffer the head was parsed from: set by the connection's handler once it is whole. */
    int bodyStart;
    int bodyLength;
    /** Set by the answer when it will be written later (a password check runs off the event loop). */
    boolean answerLater;
    /** The Cookie header (a protected link's pass), or -1 when absent. */
    int cookieStart;
    int cookieEnd;
    /** Headers the click recorder reads (first occurrence of each), or -1 when absent. */
    int userAgentStart;
    int userAgentEnd;
    int refererStart;
    int refererEnd;
    int forwardedForStart;
    int forwardedForEnd;
    int countryStart;
    int countryEnd;
    /** Accept-Language, which link rules read for the visitor's preferred language, or -1 when absent. */
    int acceptLanguageStart;
    int acceptLanguageEnd;
    /** The connection's peer address (4 or 16 bytes), set once per connection by its handler. */
    byte[] peerAddress = new byte[0];
    /** Whether the connection is TLS (the HTTPS port), set once per connection by its handler. */
    boolean secure;

    /** The lower-case name of the header the load balancer puts the client's country in, or null. */
    private final String countryHeader;

    private boolean connectionClose;
    private boolean connectionKeepAlive;
    private boolean authorityFromTarget;

    RequestHeadParser(final int maxRequestLineBytes, final int maxHeaderBytes)
    {
        this(maxRequestLineBytes, maxHeaderBytes, null);
    }

    RequestHeadParser(final int maxRequestLineBytes, final int maxHeaderBytes, final String countryHeader)
    {
        this.maxRequestLineBytes = maxRequestLineBytes;
        this.maxHeaderBytes = maxHeaderBytes;
        this.countryHeader = countryHeader == null || countryHeader.isEmpty() ? null : countryHeader.toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * Parse the request head starting at the buffer's reader index.
     *
     * @return the head's length in bytes (its final empty line included) when complete, {@link #NEED_MORE}
     * when more bytes must arrive first, or a negative rejection code.
     */
    int parse(final ByteBuf buf)
    {
        final int begin = buf.readerIndex();
        final int end = buf.writerIndex();

        // RFC 9112 2.2: ignore at least one empty line before the request line; bounded like the line itself.
        int start = begin;
        while (start < end && (buf.getByte(start) == CR || buf.getByte(start) == LF))
        {
            start++;
        }
        if (start - begin > maxRequestLineBytes)
        {
            return MALFORMED;
        }
        if (start == end)
        {
            return NEED_MORE;
        }

        final int lineSearchEnd = Math.min(end, start + maxRequestLineBytes + 2);
        final int lineLf = buf.indexOf(start, lineSearchEnd, LF);
        if (lineLf < 0)
        {
            return end - start >= maxRequestLineBytes + 2 ? URI_TOO_LONG : NEED_MORE;
        }
        final int lineEnd = lineLf > start && buf.getByte(lineLf - 1) == CR ? lineLf - 1 : lineLf;
        if (lineEnd - start > maxRequestLineBytes)
        {
            return URI_TOO_LONG;
        }

        hostStart = -1;
        hostEnd = -1;
        userAgentStart = -1;
        refererStart = -1;
        forwardedForStart = -1;
        countryStart = -1;
        acceptLanguageStart = -1;
        cookieStart = -1;
        hasBody = false;
        contentLength = -1;
        transferEncoding = false;
        bodyStart = 0;
        bodyLength = 0;
        answerLater = false;
        connectionClose = false;
        connectionKeepAlive = false;
        authorityFromTarget = false;
        if (!parseRequestLine(buf, start, lineEnd))
        {
            return MALFORMED;
        }

        final int headersStart = lineLf + 1;
        final int headersLimit = headersStart + maxHeaderBytes + 2;
        int position = headersStart;
        while (true)
        {
            final int searchEnd = Math.min(end, headersLimit);
            if (position >= searchEnd)
            {
                return end >= headersLimit ? HEADERS_TOO_LARGE : NEED_MORE;
            }
            final int lf = buf.indexOf(position, searchEnd, LF);
            if (lf < 0)
            {
                return end >= headersLimit ? HEADERS_TOO_LARGE : NEED_MORE;
            }
            final int lineStop = lf > position && buf.getByte(lf - 1) == CR ? lf - 1 : lf;
            if (lineStop == position)
            {
                if (http11 && hostStart < 0)
                {
                    return MALFORMED;
                }
                keepAlive = http11 ? !connectionClose : connectionKeepAlive && !connectionClose;
                return lf + 1 - begin;
            }
            if (!parseHeader(buf, position, lineStop))
            {
                return MALFORMED;
            }
            position = lf + 1;
        }
    }

    private boolean parseRequestLine(final ByteBuf buf, final int start, final int end)
    {
        final int methodEnd = buf.indexOf(start, end, SP);
        if (methodEnd <= start)
        {
            return false;
        }
        final int methodLength = methodEnd - start;
        if (methodLength == 3 && buf.getByte(start) == 'G' && buf.getByte(start + 1) == 'E' && buf.getByte(start + 2) == 'T')
        {
            method = GET;
        }
        else if (methodLength == 4 && buf.getByte(start) == 'H' && buf.getByte(start + 1) == 'E' &&
            buf.getByte(start + 2) == 'A' && buf.getByte(start + 3) == 'D')
        {
            method = HEAD;
        }
        else if (methodLength == 4 && buf.getByte(start) == 'P' && buf.getByte(start + 1) == 'O' &&
            buf.getByte(start + 2) == 'S' && buf.getByte(start + 3) == 'T')
        {
            method = POST;
        }
        else
        {
            for (int i = start; i < methodEnd; i++)
            {
                if (!isTokenChar(buf.getByte(i)))
                {
                    return false;
                }
            }
            method = OTHER;
        }

        final int targetStart = methodEnd + 1;
        final int targetEnd = buf.indexOf(targetStart, end, SP);
        if (targetEnd <= targetStart)
        {
            return false;
        }
        if (!parseVersion(buf, targetEnd + 1, end))
        {
            return false;
        }
        for (int i = targetStart; i < targetEnd; i++)
        {
            final byte b = buf.getByte(i);
            if (b <= 0x20 || b >= 0x7F)
            {
                return false;
            }
        }
        return parseTarget(buf, targetStart, targetEnd);
    }

    private boolean parseVersion(final ByteBuf buf, final int start, final int end)
    {
        if (end - start != 8 || buf.getByte(start) != 'H' || buf.getByte(start + 1) != 'T' ||
            buf.getByte(start + 2) != 'T' || buf.getByte(start + 3) != 'P' || buf.getByte(start + 4) != '/' ||
            buf.getByte(start + 5) != '1' || buf.getByte(start + 6) != '.')
        {
            return false;
        }
        final byte minor = buf.getByte(start + 7);
        if (minor != '0' && minor != '1')
        {
            return false;
        }
        http11 = minor == '1';
        return true;
    }

    private boolean parseTarget(final ByteBuf buf, final int start, final int end)
    {
        int path = start;
        if (buf.getByte(start) != '/')
        {
            // absolute-form (RFC 9112 3.2.2): a server must accept it; its authority replaces Host.
            final int schemeLength;
            if (matchesLowerCase(buf, start, end, "http://"))
            {
                schemeLength = 7;
            }
            else if (matchesLowerCase(buf, start, end, "https://"))
            {
                schemeLength = 8;
            }
            else
            {
                return false;
            }
            final int authorityStart = start + schemeLength;
            path = authorityStart;
            while (path < end && buf.getByte(path) != '/' && buf.getByte(path) != '?')
            {
                path++;
            }
            hostStart = authorityStart;
            hostEnd = path;
            authorityFromTarget = true;
        }
        int pathStop = path;
        while (pathStop < end && buf.getByte(pathStop) != '?' && buf.getByte(pathStop) != '#')
        {
            pathStop++;
        }
        pathStart = path;
        pathEnd = pathStop;
        if (pathStop < end && buf.getByte(pathStop) == '?')
        {
            queryStart = pathStop + 1;
            int queryStop = queryStart;
            while (queryStop < end && buf.getByte(queryStop) != '#')
            {
                queryStop++;
            }
            queryEnd = queryStop;
        }
        else
        {
            queryStart = pathStop;
            queryEnd = pathStop;
        }
        return true;
    }

    private boolean parseHeader(final ByteBuf buf, final int start, final int end)
    {
        final byte first = buf.getByte(start);
        if (first == SP || first == HT)
        {
            return false; // obsolete line folding
        }
        final int colon = buf.indexOf(start, end, (byte)':');
        if (colon <= start)
        {
            return false;
        }
        for (int i = start; i < colon; i++)
        {
            if (!isTokenChar(buf.getByte(i)))
            {
                return false;
            }
        }
        if (end > colon + 1 && buf.forEachByte(colon + 1, end - colon - 1, FIELD_CONTENT) >= 0)
        {
            return false; // NUL, another control byte or a bare CR: RFC 9110 5.5 makes the field invalid
        }
        int valueStart = colon + 1;
        int valueEnd = end;
        while (valueStart < valueEnd && isWhitespace(buf.getByte(valueStart)))
        {
            valueStart++;
        }
        while (valueEnd > valueStart && isWhitespace(buf.getByte(valueEnd - 1)))
        {
            valueEnd--;
        }

        final int nameLength = colon - start;
        if (nameLength == 4 && matchesLowerCase(buf, start, colon, "host"))
        {
            if (hostStart >= 0 && !authorityFromTarget)
            {
                return false; // RFC 9112 3.2: more than one Host is a 400
            }
            if (!authorityFromTarget)
            {
                hostStart = valueStart;
                hostEnd = valueEnd;
            }
            authorityFromTarget = false;
        }
        else if (nameLength == 14 && matchesLowerCase(buf, start, colon, "content-length"))
        {
            if (valueStart == valueEnd || contentLength >= 0)
            {
                return false;
            }
            long length = 0;
            for (int i = valueStart; i < valueEnd; i++)
            {
                final byte b = buf.getByte(i);
                if (b < '0' || b > '9')
                {
                    return false;
                }
                length = length > 100_000_000_000L ? Long.MAX_VALUE : length * 10 + b - '0';
            }
            contentLength = length;
            hasBody |= length > 0;
        }
        else if (nameLength == 17 && matchesLowerCase(buf, start, colon, "transfer-encoding"))
        {
            hasBody = true;
            transferEncoding = true;
        }
        else if (nameLength == 6 && cookieStart < 0 && matchesLowerCase(buf, start, colon, "cookie"))
        {
            cookieStart = valueStart;
            cookieEnd = valueEnd;
        }
        else if (nameLength == 10 && matchesLowerCase(buf, start, colon, "connection"))
        {
            parseConnection(buf, valueStart, valueEnd);
        }
        else if (nameLength == 10 && userAgentStart < 0 && matchesLowerCase(buf, start, colon, "user-agent"))
        {
            userAgentStart = valueStart;
            userAgentEnd = valueEnd;
        }
        else if (nameLength == 7 && refererStart < 0 && matchesLowerCase(buf, start, colon, "referer"))
        {
            refererStart = valueStart;
            refererEnd = valueEnd;
        }
        else if (nameLength == 15 && forwardedForStart < 0 && matchesLowerCase(buf, start, colon, "x-forwarded-for"))
        {
            forwardedForStart = valueStart;
            forwardedForEnd = valueEnd;
        }
        else if (nameLength == 15 && acceptLanguageStart < 0 && matchesLowerCase(buf, start, colon, "accept-language"))
        {
            acceptLanguageStart = valueStart;
            acceptLanguageEnd = valueEnd;
        }
        else if (countryHeader != null && nameLength == countryHeader.length() && countryStart < 0 &&
            matchesLowerCase(buf, start, colon, countryHeader))
        {
            countryStart = valueStart;
            countryEnd = valueEnd;
        }
        return true;
    }

    private void parseConnection(final ByteBuf buf, final int start, final int end)
    {
        int tokenStart = start;
        for (int i = start; i <= end; i++)
        {
            if (i == end || buf.getByte(i) == ',')
            {
                int a = tokenStart;
                int b = i;
                while (a < b && isWhitespace(buf.getByte(a)))
                {
                    a++;
                }
                while (b > a && isWhitespace(buf.getByte(b - 1)))
                {
                    b--;
                }
                if (b - a == 5 && matchesLowerCase(buf, a, b, "close"))
                {
                    connectionClose = true;
                }
                else if (b - a == 10 && matchesLowerCase(buf, a, b, "keep-alive"))
                {
                    connectionKeepAlive = true;
                }
                tokenStart = i + 1;
            }
        }
    }

    /** Whether the bytes at {@code start} begin with {@code lower}, ignoring ASCII case. */
    static boolean matchesLowerCase(final ByteBuf buf, final int start, final int end, final String lower)
    {
        if (end - start < lower.length())
        {
            return false;
        }
        for (int i = 0; i < lower.length(); i++)
        {
            if (toLower(buf.getByte(start + i)) != lower.charAt(i))
            {
                return false;
            }
        }
        return true;
    }

    static byte toLower(final byte b)
    {
        return b >= 'A' && b <= 'Z' ? (byte)(b + 32) : b;
    }

    private static boolean isWhitespace(final byte b)
    {
        return b == SP || b == HT;
    }

    /** RFC 9110 5.6.2 tchar. */
    private static boolean isTokenChar(final byte b)
    {
        if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9'))
        {
            return true;
        }
        switch (b)
        {
            case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
            case '-': case '.': case '^': case '_': case '`': case '|': case '~':
                return true;
            default:
                return false;
        }
    }
}
