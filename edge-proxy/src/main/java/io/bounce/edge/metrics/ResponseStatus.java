package io.bounce.edge.metrics;

/** Every status an edge answers with, as a metric label. */
public enum ResponseStatus
{
    /** An ACME HTTP-01 answer, a crawler's preview page or a protected link's password form. */
    OK(200),
    MOVED_PERMANENTLY(301),
    FOUND(302),
    TEMPORARY_REDIRECT(307),
    PERMANENT_REDIRECT(308),
    /** A right password: on to the link, with a pass. */
    SEE_OTHER(303),
    BAD_REQUEST(400),
    /** A wrong password. */
    FORBIDDEN(403),
    NOT_FOUND(404),
    METHOD_NOT_ALLOWED(405),
    GONE(410),
    /** A request body (only a password form has one) over 1 KiB or chunked. */
    CONTENT_TOO_LARGE(413),
    URI_TOO_LONG(414),
    TOO_MANY_REQUESTS(429),
    HEADERS_TOO_LARGE(431),
    UNAVAILABLE_FOR_LEGAL_REASONS(451),
    /** The edge's password checks are spent for now. */
    SERVICE_UNAVAILABLE(503);

    private final int code;

    ResponseStatus(final int code)
    {
        this.code = code;
    }

    public int code()
    {
        return code;
    }

    public static ResponseStatus ofRedirect(final int code)
    {
        switch (code)
        {
            case 301:
                return MOVED_PERMANENTLY;
            case 302:
                return FOUND;
            case 303:
                return SEE_OTHER;
            case 307:
                return TEMPORARY_REDIRECT;
            case 308:
                return PERMANENT_REDIRECT;
            default:
                throw new IllegalArgumentException("not a redirect status: " + code);
        }
    }
}
