package io.bounce.control.api;

import java.util.LinkedHashMap;
import java.util.Map;

/** An answer: status, content type, extra headers, body. */
public final class ApiResponse
{
    final int status;
    final String contentType;
    final byte[] body;
    final Map<String, String> headers = new LinkedHashMap<>();

    ApiResponse(final int status, final String contentType, final byte[] body)
    {
        this.status = status;
        this.contentType = contentType;
        this.body = body;
    }

    ApiResponse header(final String name, final String value)
    {
        headers.put(name, value);
        return this;
    }

    static ApiResponse noContent()
    {
        return new ApiResponse(204, null, new byte[0]);
    }
}
