package io.bounce.edge.metrics;

/** Every status an edge answers with, as a metric label. */
public enum ResponseStatus
{
    /** Only an ACME HTTP-01 answer: every other answer is a redirect or an error. */
    OK(200),
    MOVED_PERMANENTLY(301),
    FOUND(302),
    TEMPORARY_REDIRECT(307),
    PERMANENT_REDIRECT(308),
    BAD_REQUEST(400),
    NOT_FOUND(404),
    METHOD_NOT_ALLOWED(405),
    GONE(410),
    URI_TOO_LONG(414),
    TOO_MANY_REQUESTS(429),
    HEADERS_TOO_LARGE(431),
    UNAVAILABLE_FOR_LEGAL_REASONS(451);

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
            case 307:
                return TEMPORARY_REDIRECT;
            case 308:
                return PERMANENT_REDIRECT;
            default:
                throw new IllegalArgumentException("not a redirect status: " + code);
        }
    }
}
