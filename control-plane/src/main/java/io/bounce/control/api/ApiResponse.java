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

    public ApiResponse(final int status, final String contentType, final byte[] body)
    {
        this.status = status;
        this.contentType = contentType;
        this.body = body;
    }

    public ApiResponse header(final String name, final String value)
    {
        headers.set(name, value);
        return this;
    }

    /** Add a header that may repeat ({@code Set-Cookie}). */
    public ApiResponse addHeader(final String name, final String value)
    {
        headers.add(name, value);
        return this;
    }

    public int status()
    {
        return status;
    }

    public byte[] body()
    {
        return body;
    }

    /** @return the value of header {@code name}, or null. */
    public String header(final String name)
    {
        return headers.get(name);
    }

    /** A failure (a {@code Problem} or any other) as the API answers it: problem+json, a 500 logged. */
    public static ApiResponse problem(final Throwable failure)
    {
        return ApiRouter.problemResponse(failure);
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
