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
    /** Set once routed, for the access log: the route's method and template, and the caller's key id (or -1). */
    volatile String route = "unmatched";
    volatile long keyId = -1;

    ApiRequest(final String method, final String path, final Map<String, List<String>> query, final String authorization,
        final byte[] body, final boolean keepAlive, final long receivedNs, final byte[] remote)
    {
        this.remote = remote;
        this.keepAlive = keepAlive;
        this.method = method;
        this.path = path;
        this.query = query;
        this.authorization = authorization;
        this.body = body;
        this.receivedNs = receivedNs;
    }

    /** @return the first value of query parameter {@code name}, or null. */
    String query(final String name)
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
