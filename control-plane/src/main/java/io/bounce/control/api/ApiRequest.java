package io.bounce.control.api;

import java.util.List;
import java.util.Map;

import io.bounce.runtime.http.Problem;

/** A decoded API request, copied out of Netty's buffers so it can cross to a worker thread. */
public final class ApiRequest
{
    final String method;
    final String path;
    final Map<String, List<String>> query;
    final String authorization;
    final byte[] body;
    final boolean keepAlive;
    final long receivedNs;
    /** The client's address (4 or 16 bytes; empty when the connection has none). */
    final byte[] remote;
    /** The headers the dashboard reads (null when absent); the API reads none of them. */
    final String cookie;
    final String contentType;
    final String acceptEncoding;
    /** The connection is TLS: cookies are {@code Secure}. */
    final boolean secure;
    /** Set once routed, for the access log: the route's method and template, and the caller's key id (or -1). */
    volatile String route = "unmatched";
    volatile long keyId = -1;

    ApiRequest(final String method, final String path, final Map<String, List<String>> query, final String authorization,
        final byte[] body, final boolean keepAlive, final long receivedNs, final byte[] remote)
    {
        this(method, path, query, authorization, body, keepAlive, receivedNs, remote, null, null, null, false);
    }

    ApiRequest(final String method, final String path, final Map<String, List<String>> query, final String authorization,
        final byte[] body, final boolean keepAlive, final long receivedNs, final byte[] remote, final String cookie,
        final String contentType, final String acceptEncoding, final boolean secure)
    {
        this.cookie = cookie;
        this.contentType = contentType;
        this.acceptEncoding = acceptEncoding;
        this.secure = secure;
        this.remote = remote;
        this.keepAlive = keepAlive;
        this.method = method;
        this.path = path;
        this.query = query;
        this.authorization = authorization;
        this.body = body;
        this.receivedNs = receivedNs;
    }

    public String method()
    {
        return method;
    }

    public String path()
    {
        return path;
    }

    public byte[] body()
    {
        return body;
    }

    /** @return the Cookie header, or null. */
    public String cookie()
    {
        return cookie;
    }

    /** @return the Content-Type header, or null. */
    public String contentType()
    {
        return contentType;
    }

    /** @return whether the client takes {@code gzip}. */
    public boolean acceptsGzip()
    {
        return acceptEncoding != null && acceptEncoding.toLowerCase(java.util.Locale.ROOT).contains("gzip");
    }

    public boolean secure()
    {
        return secure;
    }

    /** @return the client's address: 4 or 16 bytes, empty when the connection has none. */
    public byte[] remote()
    {
        return remote;
    }

    /** For the access log: what the request was routed to, and the key it acted as. */
    public void routed(final String template, final long keyId)
    {
        this.route = template;
        this.keyId = keyId;
    }

    /** @return the first value of query parameter {@code name}, or null. */
    public String query(final String name)
    {
        final List<String> values = query.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** @return query parameter {@code name} as an integer in [min, max], {@code otherwise} when absent; else 400. */
    int intQuery(final String name, final int otherwise, final int min, final int max)
    {
        final String text = query(name);
        if (text == null)
        {
            return otherwise;
        }
        try
        {
            final int value = Integer.parseInt(text);
            if (value >= min && value <= max)
            {
                return value;
            }
        }
        catch (final NumberFormatException ignored)
        {
            // falls through to the problem
        }
        throw Problem.badRequest("query-" + name, name + " must be an integer from " + min + " to " + max);
    }

    /** @return query parameter {@code name}, an RFC 3339 timestamp, in epoch ms; {@code otherwise} when absent; else 400. */
    long instantQuery(final String name, final long otherwise)
    {
        final String text = query(name);
        if (text == null)
        {
            return otherwise;
        }
        return Json.epochMs(text, name, "timestamp");
    }
}
