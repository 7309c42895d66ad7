package io.bounce.edge.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

import io.bounce.edge.metrics.ResponseStatus;
import io.bounce.edge.rules.PasswordChecks;
import io.bounce.edge.rules.PasswordPass;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;

/**
 * A password-protected link, for a visitor without a pass: a small form on GET (nothing of the link shown: no
 * destination, no preview), and on POST of that form the password checked off the event loop
 * ({@link PasswordChecks}). A right password earns a {@link PasswordPass} cookie and a 303 back to the short URL,
 * whose GET then redirects like any link (rules, click and all); a wrong one gets the form again with a 403. The
 * page is accessible (a labelled field, focus on it, the error announced) and locked down: no script, its one style
 * allowed by hash, no framing, no referrer, never cached or indexed.
 *
 * <p>A POST over HTTP/1.x that is checked is answered with {@code Connection: close}: its answer comes after the check,
 * and nothing else on the connection waits behind it. One refused before a check (empty, or a budget spent) is
 * answered at once and the connection goes on.
 */
final class PasswordPage
{
    /** Largest form body taken. */
    static final int MAX_FORM_BYTES = 1024;
    private static final String PASSWORD_FIELD = "password=";

    private static final String CSS = "body{font:16px/1.5 system-ui,sans-serif;margin:0;padding:2rem 1rem;color:#111;background:#fff}" +
        "main{max-width:22rem;margin:auto}h1{font-size:1.4rem}label,input,button{display:block;width:100%;box-sizing:border-box}" +
        "input,button{font:inherit;padding:.6rem;margin:.4rem 0 1rem;border:1px solid #555;border-radius:4px}" +
        "button{background:#1a4fd6;color:#fff;border-color:#1a4fd6;cursor:pointer}" +
        "input:focus,button:focus{outline:3px solid #e08a00;outline-offset:2px}#error{color:#b00020;font-weight:600}";
    private static final String CSP = "default-src 'none'; style-src '" + sha256(CSS) + "'; base-uri 'none'; frame-ancestors 'none'";
    private static final AsciiString CONTENT_SECURITY_POLICY = AsciiString.cached("content-security-policy");
    private static final AsciiString CSP_VALUE = AsciiString.cached(CSP);

    /** The form, and why it is shown again. */
    enum Form
    {
        ASK(ResponseStatus.OK, "OK", null),
        EMPTY(ResponseStatus.FORBIDDEN, "Forbidden", "Enter the password."),
        WRONG(ResponseStatus.FORBIDDEN, "Forbidden", "That password is not right. Try again."),
        THROTTLED(ResponseStatus.TOO_MANY_REQUESTS, "Too Many Requests", "Too many tries. Wait a little, then try again."),
        BUSY(ResponseStatus.SERVICE_UNAVAILABLE, "Service Unavailable",
            "Too many passwords are being checked right now. Try again in a few seconds.");

        final ResponseStatus status;
        /** Status line and headers up to, not including, Retry-After, Date, HSTS, Connection and the blank line. */
        final byte[] head;
        final byte[] body;
        final AsciiString statusValue;

        Form(final ResponseStatus status, final String reason, final String error)
        {
            this.status = status;
            this.statusValue = AsciiString.cached(Integer.toString(status.code()));
            this.body = (
                "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">" +
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><meta name=\"robots\" content=\"noindex\">" +
                "<title>Password required</title><style>" + CSS + "</style></head>\n<body><main>\n" +
                "<h1>This link is protected</h1>\n<p>Enter its password to continue.</p>\n" +
                "<form method=\"post\">\n<label for=\"password\">Password</label>\n" +
                "<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required autofocus " +
                "maxlength=\"128\"" + (error == null ? "" : " aria-invalid=\"true\" aria-describedby=\"error\"") + ">\n" +
                (error == null ? "" : "<p id=\"error\" role=\"alert\">" + error + "</p>\n") +
                "<button type=\"submit\">Continue</button>\n</form>\n</main></body></html>\n").getBytes(StandardCharsets.US_ASCII);
            this.head = Redirector.ascii("HTTP/1.1 " + status.code() + " " + reason + "\r\n" +
                "Content-Type: text/html; charset=utf-8\r\nCache-Control: no-store\r\nX-Robots-Tag: noindex\r\n" +
                "Content-Security-Policy: " + CSP + "\r\nReferrer-Policy: no-referrer\r\nX-Content-Type-Options: nosniff\r\n" +
                "Content-Length: " + body.length + "\r\n");
        }
    }

    private PasswordPage()
    {
    }

    /**
     * Answer a request for a protected link from a visitor without a pass: the form (GET, HEAD), or the check of a
     * posted one (POST), whose answer may be written later ({@link RequestHeadParser#answerLater}).
     *
     * @param hashAt where the link's password hash is in the loop's record.
     * @return true if the connection is to be closed after the answer.
     */
    static boolean answer(final ChannelHandlerContext ctx, final ByteBuf in, final RequestHeadParser request, final Redirector.Loop loop,
        final PasswordChecks checks, final int hashAt, final int hashLength, final int keyLength, final boolean keepAlive, final long nowMs,
        final Http2FrameStream stream)
    {
        if (request.method != RequestHeadParser.POST)
        {
            checks.formShown();
            write(ctx, Form.ASK, 0, request.method == RequestHeadParser.HEAD, keepAlive, request.http11, loop.date.line(nowMs),
                loop.hstsLine, loop.hstsValue, stream, loop);
            return !keepAlive;
        }
        final byte[] password = formValue(in, request.bodyStart, request.bodyLength);
        Form refusal = null;
        long waitMs = 0;
        if (password == null || password.length == 0)
        {
            checks.countEmpty();
            refusal = Form.EMPTY;
        }
        else
        {
            waitMs = checks.admit(loop.rules.visitorBucket(), loop.pass.linkBucket(loop.key, keyLength), loop.key, keyLength,
                System.nanoTime());
            refusal = waitMs > 0 ? Form.THROTTLED : waitMs < 0 ? Form.BUSY : null;
        }
        final byte[] date = loop.date.line(nowMs);
        if (refusal != null)
        {
            // answered now, the body read: the connection may go on (a flood's refusals cost no new connections)
            write(ctx, refusal, waitMs, false, keepAlive, request.http11, date, loop.hstsLine, loop.hstsValue, stream, loop);
            return !keepAlive;
        }

        // Everything the answer needs, copied now: the request's buffer and the loop's scratch are not ours after this returns.
        final String hash = new String(loop.record, hashAt, hashLength, StandardCharsets.US_ASCII);
        final long expiry = nowMs / 1000 + checks.passSeconds();
        final String cookie = cookie(in, request, PasswordPass.value(expiry, loop.pass.mac(expiry, loop.key, keyLength, loop.record, hashAt,
            hashLength)), checks.passSeconds());
        final byte[] location = new byte[Math.max(request.pathEnd, request.queryEnd) - request.pathStart];
        in.getBytes(request.pathStart, location);
        final byte[] hstsLine = loop.hstsLine;
        final AsciiString hstsValue = loop.hstsValue;
        final boolean http11 = request.http11;
        final boolean submitted = checks.submit(hash, password, ok -> answerLater(ctx, () ->
        {
            final byte[] now = loop.date.line(System.currentTimeMillis());
            if (ok)
            {
                seeOther(ctx, location, cookie, now, hstsLine, hstsValue, stream, loop);
            }
            else
            {
                write(ctx, Form.WRONG, 0, false, false, http11, now, hstsLine, hstsValue, stream, loop);
            }
            if (stream == null)
            {
                ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
            else
            {
                ctx.flush();
            }
        }));
        if (!submitted)
        {
            write(ctx, Form.BUSY, 1000, false, false, request.http11, date, loop.hstsLine, loop.hstsValue, stream, loop);
            return true;
        }
        request.answerLater = true;
        return true;
    }

    /** Run {@code answer} on the connection's event loop; nothing when that loop has stopped (the edge is stopping). */
    private static void answerLater(final ChannelHandlerContext ctx, final Runnable answer)
    {
        try
        {
            ctx.executor().execute(answer);
        }
        catch (final java.util.concurrent.RejectedExecutionException ex)
        {
            ctx.channel().close();
        }
    }

    /** The pass cookie: for the link's own path, script-proof, sent on top-level navigations only, over HTTPS only when it came so. */
    private static String cookie(final ByteBuf in, final RequestHeadParser request, final String value, final int maxAgeSeconds)
    {
        final String path = in.toString(request.pathStart, request.pathEnd - request.pathStart, StandardCharsets.US_ASCII);
        final boolean plainPath = path.indexOf(';') < 0 && path.indexOf(',') < 0;
        return PasswordPass.COOKIE + value + (plainPath ? "; Path=" + path : "") + "; Max-Age=" + maxAgeSeconds + "; HttpOnly; SameSite=Lax" +
            (request.secure ? "; Secure" : "");
    }

    /**
     * @return the {@code password} field of an {@code application/x-www-form-urlencoded} body, decoded to its bytes, or
     * null when it has none or it is not well encoded.
     */
    static byte[] formValue(final ByteBuf in, final int start, final int length)
    {
        final int end = start + length;
        int p = start;
        while (p < end)
        {
            int stop = p;
            while (stop < end && in.getByte(stop) != '&')
            {
                stop++;
            }
            if (PasswordPass.startsWith(in, p, stop, PASSWORD_FIELD))
            {
                return decode(in, p + PASSWORD_FIELD.length(), stop);
            }
            p = stop + 1;
        }
        return null;
    }

    private static byte[] decode(final ByteBuf in, final int start, final int end)
    {
        final byte[] out = new byte[end - start];
        int n = 0;
        for (int i = start; i < end; i++)
        {
            final byte b = in.getByte(i);
            if (b == '+')
            {
                out[n++] = ' ';
            }
            else if (b == '%')
            {
                final int high = i + 2 < end ? Character.digit(in.getByte(i + 1), 16) : -1;
                final int low = high < 0 ? -1 : Character.digit(in.getByte(i + 2), 16);
                if (low < 0)
                {
                    return null;
                }
                out[n++] = (byte)(high << 4 | low);
                i += 2;
            }
            else
            {
                out[n++] = b;
            }
        }
        return java.util.Arrays.copyOf(out, n);
    }

    /** The form; no body for HEAD. {@code retryMs} gives a Retry-After (THROTTLED and BUSY). */
    private static void write(final ChannelHandlerContext ctx, final Form form, final long retryMs, final boolean head, final boolean keepAlive,
        final boolean http11, final byte[] dateLine, final byte[] hstsLine, final AsciiString hstsValue, final Http2FrameStream stream,
        final Redirector.Loop loop)
    {
        final String retryAfter = form == Form.THROTTLED || form == Form.BUSY ? Long.toString(Math.max(1, (retryMs + 999) / 1000)) : null;
        loop.stats.countResponse(form.status);
        if (stream != null)
        {
            final Http2Headers headers = headers(form.statusValue, dateLine, hstsValue)
                .add("content-type", "text/html; charset=utf-8")
                .add("content-length", Integer.toString(form.body.length))
                .add("x-robots-tag", "noindex")
                .add(CONTENT_SECURITY_POLICY, CSP_VALUE)
                .add("referrer-policy", "no-referrer")
                .add("x-content-type-options", "nosniff");
            if (retryAfter != null)
            {
                headers.add("retry-after", retryAfter);
            }
            ctx.write(new DefaultHttp2HeadersFrame(headers, head).stream(stream));
            if (!head)
            {
                ctx.write(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(form.body), true).stream(stream));
            }
            return;
        }
        final ByteBuf out = ctx.alloc().ioBuffer(form.head.length + form.body.length + 160 + (hstsLine == null ? 0 : hstsLine.length));
        out.writeBytes(form.head);
        if (retryAfter != null)
        {
            out.writeCharSequence("Retry-After: " + retryAfter + "\r\n", StandardCharsets.US_ASCII);
        }
        Http1Answers.endHead(out, dateLine, hstsLine, keepAlive, http11);
        if (!head)
        {
            out.writeBytes(form.body);
        }
        ctx.write(out);
    }

    /** A right password: back to the short URL (same path and query) with the pass. */
    private static void seeOther(final ChannelHandlerContext ctx, final byte[] location, final String cookie, final byte[] dateLine,
        final byte[] hstsLine, final AsciiString hstsValue, final Http2FrameStream stream, final Redirector.Loop loop)
    {
        loop.stats.countResponse(ResponseStatus.SEE_OTHER);
        if (stream != null)
        {
            ctx.write(new DefaultHttp2HeadersFrame(headers(AsciiString.cached("303"), dateLine, hstsValue)
                .add("location", new AsciiString(location, false))
                .add("set-cookie", cookie)
                .add("content-length", "0"), true).stream(stream));
            return;
        }
        final ByteBuf out = ctx.alloc().ioBuffer(256 + location.length + cookie.length() + (hstsLine == null ? 0 : hstsLine.length));
        out.writeCharSequence("HTTP/1.1 303 See Other\r\nLocation: ", StandardCharsets.US_ASCII);
        out.writeBytes(location);
        out.writeCharSequence("\r\nSet-Cookie: " + cookie + "\r\nCache-Control: no-store\r\nContent-Length: 0\r\n", StandardCharsets.US_ASCII);
        Http1Answers.endHead(out, dateLine, hstsLine, false, true);
        ctx.write(out);
    }

    private static Http2Headers headers(final AsciiString status, final byte[] dateLine, final AsciiString hstsValue)
    {
        final Http2Headers headers = new DefaultHttp2Headers(false, 10).status(status)
            .add("cache-control", "no-store")
            .add("date", new AsciiString(dateLine, 6, dateLine.length - 8, true));
        if (hstsValue != null)
        {
            headers.add("strict-transport-security", hstsValue);
        }
        return headers;
    }

    private static String sha256(final String text)
    {
        try
        {
            return "sha256-" + Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}
