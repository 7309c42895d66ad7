package io.bounce.control.api;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;

/** An answer: status, content type, extra headers, body. */
public final class ApiResponse
{
    static final String JSON = "application/json";

    final int status;
    final String contentType;
    final byte[] body;
    final HttpHeaders headers = new DefaultHttpHeaders();

    ApiResponse(final int status, final String contentType, final byte[] body)
    {
        this.status = status;
        this.contentType = contentType;
        this.body = body;
    }

    ApiResponse header(final String name, final String value)
    {
        headers.set(name, value);
        return this;
    }

    static ApiResponse json(final int status, final Object body)
    {
        return new ApiResponse(status, JSON, Json.write(body));
    }

    static ApiResponse noContent()
    {
        return new ApiResponse(204, null, new byte[0]);
    }
}
