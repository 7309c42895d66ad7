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
    UNREADABLE_RECORD,
    /** An address spent its budget of unknown codes: 429 instead of 404 (enumeration). */
    NOT_FOUND_BUDGET;

    public String label()
    {
        return name().toLowerCase(Locale.ROOT);
    }
}
