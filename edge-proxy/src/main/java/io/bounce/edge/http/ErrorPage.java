package io.bounce.edge.http;

import io.bounce.edge.metrics.ResponseStatus;

/**
 * The edge's non-redirect answers: a status line, fixed headers and a tiny fixed HTML page that never
 * echoes anything from the request.
 */
enum ErrorPage
{
    BAD_REQUEST(ResponseStatus.BAD_REQUEST, "Bad Request", "", "This request could not be understood."),
    NOT_FOUND(ResponseStatus.NOT_FOUND, "Not Found", "", "This short link does not exist."),
    METHOD_NOT_ALLOWED(ResponseStatus.METHOD_NOT_ALLOWED, "Method Not Allowed", "Allow: GET, HEAD\r\n",
        "Short links answer GET and HEAD only."),
    GONE(ResponseStatus.GONE, "Gone", "", "This short link has expired or was deleted."),
    CONTENT_TOO_LARGE(ResponseStatus.CONTENT_TOO_LARGE, "Content Too Large", "",
        "Short links take no request body but a password form of at most 1 KiB, with a Content-Length."),
    URI_TOO_LONG(ResponseStatus.URI_TOO_LONG, "URI Too Long", "", "The request line is too long."),
    HEADERS_TOO_LARGE(ResponseStatus.HEADERS_TOO_LARGE, "Request Header Fields Too Large", "",
        "The request headers are too large."),
    TOO_MANY_REQUESTS(ResponseStatus.TOO_MANY_REQUESTS, "Too Many Requests", "Retry-After: 1\r\n",
        "Too many requests for short links that do not exist came from your address. Try again shortly."),
    UNAVAILABLE_FOR_LEGAL_REASONS(ResponseStatus.UNAVAILABLE_FOR_LEGAL_REASONS, "Unavailable For Legal Reasons", "",
        "This short link has been disabled.");

    final ResponseStatus status;
    /** Status line and headers up to, not including, Date, Connection and the blank line. */
    final byte[] head;
    final byte[] body;

    ErrorPage(final ResponseStatus status, final String reason, final String extraHeaders, final String message)
    {
        this.status = status;
        final String title = status.code() + " " + reason;
        this.body = Redirector.ascii("<!doctype html><html><head><meta charset=\"utf-8\"><title>" + title +
            "</title></head><body><h1>" + title + "</h1><p>" + message + "</p></body></html>\n");
        this.head = Redirector.ascii("HTTP/1.1 " + title + "\r\n" +
            "Content-Type: text/html; charset=utf-8\r\n" +
            "Cache-Control: no-store\r\n" +
            extraHeaders +
            "Content-Length: " + body.length + "\r\n");
    }
}
