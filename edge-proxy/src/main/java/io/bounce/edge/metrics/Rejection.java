package io.bounce.edge.metrics;

import java.util.Locale;

/** Why the edge refused a request or cut a connection, as a metric label. */
public enum Rejection
{
    URI_TOO_LONG,
    HEADERS_TOO_LARGE,
    MALFORMED,
    BODY,
    HEADER_TIMEOUT,
    IDLE_TIMEOUT,
    UNREADABLE_RECORD;

    public String label()
    {
        return name().toLowerCase(Locale.ROOT);
    }
}
