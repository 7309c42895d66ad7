package io.bounce.ops.cli;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** bouncectl's HTTP client: JSON requests with the bearer key; a problem answer becomes {@link Failure}. */
final class ApiClient
{
    static final ObjectMapper JSON = new ObjectMapper();

    /** The server refused (problem+json) or could not be reached. */
    static final class Failure extends Exception
    {
        private static final long serialVersionUID = 1L;
        final int status;
        /** What the server's {@code Retry-After} asked for (429, 503), in seconds; else 0. */
        final long retryAfterSeconds;

        Failure(final int status, final String message)
        {
            this(status, message, 0);
        }

        Failure(final int status, final String message, final long retryAfterSeconds)
        {
            super(message, null, false, false);
            this.status = status;
            this.retryAfterSeconds = retryAfterSeconds;
        }
    }

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10)).build();
    private final String api;
    private final String key;

    ApiClient(final String api, final String key)
    {
        this.api = api.endsWith("/") ? api.substring(0, api.length() - 1) : api;
        this.key = key;
    }

    static String q(final String value)
    {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    JsonNode call(final String method, final String path, final Object body) throws Failure
    {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(api + path)).timeout(Duration.ofSeconds(120));
        if (key != null)
        {
            request.header("Authorization", "Bearer " + key);
        }
        try
        {
            if (body != null)
            {
                request.header("Content-Type", "application/json");
                request.method(method, HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
            }
            else
            {
                request.method(method, HttpRequest.BodyPublishers.noBody());
            }
            final HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            final byte[] bytes = response.body();
            final JsonNode json = bytes.length == 0 ? null : JSON.readTree(bytes);
            if (response.statusCode() >= 400)
            {
                throw new Failure(response.statusCode(), describe(response.statusCode(), json), retryAfter(response));
            }
            return json;
        }
        catch (final IOException ex)
        {
            throw new Failure(0, "cannot reach " + api + ": " + ex.getMessage());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new Failure(0, "interrupted");
        }
    }

    private static long retryAfter(final HttpResponse<?> response)
    {
        try
        {
            return Math.max(0, Long.parseLong(response.headers().firstValue("Retry-After").orElse("0").trim()));
        }
        catch (final NumberFormatException ex)
        {
            return 1; // an HTTP date: wait a little and see
        }
    }

    private static String describe(final int status, final JsonNode problem)
    {
        if (problem == null || !problem.has("title"))
        {
            return "HTTP " + status;
        }
        final StringBuilder out = new StringBuilder().append(status).append(' ').append(problem.path("title").asText());
        if (problem.has("detail"))
        {
            out.append(": ").append(problem.get("detail").asText());
        }
        if (problem.has("rule"))
        {
            out.append(" [").append(problem.get("rule").asText()).append(']');
        }
        return out.toString();
    }
}
