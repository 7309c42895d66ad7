package io.bounce.control.api;

import java.util.List;
import java.util.Map;

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

    ApiRequest(final String method, final String path, final Map<String, List<String>> query, final String authorization,
        final byte[] body, final boolean keepAlive, final long receivedNs)
    {
        this.keepAlive = keepAlive;
        this.method = method;
        this.path = path;
        this.query = query;
        this.authorization = authorization;
        this.body = body;
        this.receivedNs = receivedNs;
    }

    String query(final String name)
    {
        final List<String> values = query.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}
