package io.bounce.ops.cli;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import io.bounce.runtime.tls.ClientTrust;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * bouncectl's HTTP client: JSON requests with the bearer key; a problem answer becomes {@link Failure}. Given several
 * control planes ({@code --api URL1,URL2}), it sends to the one that answered last, and moves on when a request cannot
 * have taken effect: nothing answered, or a control plane that does not write answered 503 {@code not-leader} (then to
 * the leader it names, first).
 */
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
        final int exitCode;
        /** Set when the request cannot have taken effect here and another control plane may take it: where, or "" for any. */
        String tryElsewhere;

        Failure(final int status, final String message)
        {
            this(status, message, 0);
        }

        Failure(final int status, final String message, final long retryAfterSeconds)
        {
            this(status, message, retryAfterSeconds, 1);
        }

        /** @param exitCode what bouncectl exits with: 1 when the server refused or could not be reached, 2 for a usage error. */
        Failure(final int status, final String message, final long retryAfterSeconds, final int exitCode)
        {
            super(message, null, false, false);
            this.status = status;
            this.retryAfterSeconds = retryAfterSeconds;
            this.exitCode = exitCode;
        }
    }

    private final HttpClient http;
    private final java.util.List<String> apis;
    private final String key;
    /** The control plane that answered last: the first one tried by the next call. */
    private String api;

    ApiClient(final String api, final String key) throws Failure
    {
        this(api, key, null);
    }

    /**
     * @param ca PEM certificates to trust for an https:// API instead of the system's authorities, or null.
     * @throws Failure (exit 2) for an {@code --api} that is not an http(s) URL with a host, or a CA file that cannot be read.
     */
    ApiClient(final String api, final String key, final Path ca) throws Failure
    {
        final HttpClient.Builder builder = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10));
        if (ca != null)
        {
            try
            {
                builder.sslContext(ClientTrust.trusting(ca));
            }
            catch (final IOException ex)
            {
                throw new Failure(0, "--ca: " + ex.getMessage(), 0, 2);
            }
        }
        this.http = builder.build();
        final java.util.List<String> list = new java.util.ArrayList<>();
        for (final String one : api.split(",", -1))
        {
            list.add(checked(one.trim()));
        }
        this.apis = java.util.List.copyOf(list);
        this.api = apis.get(0);
        this.key = key;
    }

    /** @return {@code url} without a trailing slash. @throws Failure (exit 2) unless it is an http(s) URL with a host. */
    private static String checked(final String url) throws Failure
    {
        final String api = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        URI uri = null;
        try
        {
            uri = URI.create(api);
        }
        catch (final IllegalArgumentException ex)
        {
            // reported below
        }
        if (uri == null || uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())))
        {
            throw new Failure(0, "--api must be a URL such as http://127.0.0.1:7070 (or several, comma-separated), not '" + url + "'",
                0, 2);
        }
        return api;
    }

    static String q(final String value)
    {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** Send to the control plane that answered last, moving on to the others (the leader named first) while one may take it. */
    JsonNode call(final String method, final String path, final Object body) throws Failure
    {
        return (JsonNode)send(method, path, body, null);
    }

    /** GET {@code path}, an answer in {@code contentType} (an image, say) rather than JSON. @return its bytes. */
    byte[] download(final String path, final String contentType) throws Failure
    {
        return (byte[])send("GET", path, null, contentType);
    }

    /** @param raw null for a JSON answer, else the content type of an answer returned as bytes. */
    private Object send(final String method, final String path, final Object body, final String raw) throws Failure
    {
        final java.util.Set<String> tried = new java.util.HashSet<>();
        String target = api;
        while (true)
        {
            tried.add(target);
            try
            {
                final Object answer = callOnce(target, method, path, body, raw);
                api = target;
                return answer;
            }
            catch (final Failure ex)
            {
                String next = null;
                if (ex.tryElsewhere != null && !ex.tryElsewhere.isEmpty() && !tried.contains(ex.tryElsewhere))
                {
                    next = ex.tryElsewhere;
                }
                for (int i = 0; next == null && ex.tryElsewhere != null && i < apis.size(); i++)
                {
                    next = tried.contains(apis.get(i)) ? null : apis.get(i);
                }
                if (next == null)
                {
                    throw ex;
                }
                target = next;
            }
        }
    }

    private Object callOnce(final String api, final String method, final String path, final Object body, final String raw) throws Failure
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
            final String type = response.headers().firstValue("Content-Type").orElse("");
            if (raw != null && response.statusCode() < 400 && type.startsWith(raw))
            {
                return bytes;
            }
            if (bytes.length > 0 && !type.contains("json"))
            {
                throw new Failure(response.statusCode(), "the server at " + api + " answered HTTP " + response.statusCode() +
                    (type.isEmpty() ? "" : " with " + type.split(";")[0]) + ", not as the Bounce API does; is --api the control " +
                    "plane's API port (7070 unless changed)?");
            }
            final JsonNode json = bytes.length == 0 ? null : JSON.readTree(bytes);
            if (response.statusCode() >= 400)
            {
                final Failure failure = new Failure(response.statusCode(), describe(response.statusCode(), json), retryAfter(response));
                if (response.statusCode() == 503 && json != null && "not-leader".equals(json.path("rule").asText()))
                {
                    final String leader = json.path("leader").asText("");
                    failure.tryElsewhere = leader.startsWith("http://") || leader.startsWith("https://") ? checked(leader) : "";
                }
                throw failure;
            }
            return json;
        }
        catch (final java.net.ConnectException ex)
        {
            final Failure failure = new Failure(0, "nothing answers at " + api +
                "; is the control plane running (ops/bin/bounce up), and is --api right?");
            failure.tryElsewhere = "";
            throw failure;
        }
        catch (final javax.net.ssl.SSLHandshakeException ex)
        {
            throw new Failure(0, "cannot trust " + api + ": its certificate is not signed by an authority this client trusts (" +
                ex.getMessage() + "); give --ca FILE (BOUNCE_CA) with the certificate of the CA that signed it");
        }
        catch (final java.net.http.HttpTimeoutException ex)
        {
            throw new Failure(0, "no answer from " + api + " in time; the control plane is up but not answering");
        }
        catch (final com.fasterxml.jackson.core.JsonProcessingException ex)
        {
            throw new Failure(0, "the server at " + api + " answered with JSON that is not the Bounce API's; is --api right?");
        }
        catch (final IOException ex)
        {
            throw new Failure(0, "cannot talk to " + api + ": " + (ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage()));
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
