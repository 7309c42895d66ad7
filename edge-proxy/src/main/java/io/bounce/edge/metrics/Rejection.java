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
    NOT_FOUND_BUDGET,
    /** HTTP/2: more RST_STREAMs than 200 in 30 s (rapid reset, CVE-2023-44487): GOAWAY, connection closed. */
    HTTP2_RESET_FLOOD,
    /** HTTP/2: SETTINGS/PING frames sent faster than their acknowledgements drain: GOAWAY, connection closed. */
    HTTP2_CONTROL_FLOOD,
    /** HTTP/2: a run of small CONTINUATION frames (CVE-2024-27316 and kin): GOAWAY, connection closed. */
    HTTP2_CONTINUATION_FLOOD,
    /** HTTP/2: a header list over the edge's --max-header-bytes. */
    HTTP2_HEADERS_TOO_LARGE,
    /** HTTP/2: a stream past the 100 a connection may have open: that stream refused. */
    HTTP2_STREAMS_EXCEEDED,
    /** HTTP/2: any other protocol error: GOAWAY or the stream reset. */
    HTTP2_PROTOCOL;

    public String label()
    {
        return name().toLowerCase(Locale.ROOT);
    }
}
