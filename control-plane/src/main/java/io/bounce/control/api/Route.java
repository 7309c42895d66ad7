package io.bounce.control.api;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import io.bounce.control.keys.ApiKey;
import io.bounce.control.keys.Scope;

/**
 * One API route: method, path template ({@code {code}}, {@code {id}} stand for one path segment), the
 * scope a key needs for it (null: public), the query parameters it takes (any other is a 400, so a
 * filter the server does not know is never silently ignored), and what answers it.
 */
public record Route(String method, String template, Scope scope, Set<String> query, Handler handler)
{
    /** A route that takes no query parameters. */
    public Route(final String method, final String template, final Scope scope, final Handler handler)
    {
        this(method, template, scope, Set.of(), handler);
    }

    /** Answers a request to a route; runs on a worker thread. */
    @FunctionalInterface
    public interface Handler
    {
        /**
         * @param key    the caller's key, or null on a public route.
         * @param params the template's named segments.
         */
        CompletableFuture<ApiResponse> handle(ApiKey key, ApiRequest request, Map<String, String> params) throws Exception;
    }

    /** @return the template's parameters if {@code segments} (a path split on '/') matches it, else null. */
    Map<String, String> match(final String[] segments)
    {
        final String[] parts = template.split("/", -1);
        if (parts.length != segments.length)
        {
            return null;
        }
        Map<String, String> params = Map.of();
        for (int i = 0; i < parts.length; i++)
        {
            if (parts[i].startsWith("{"))
            {
                if (segments[i].isEmpty())
                {
                    return null;
                }
                if (params.isEmpty())
                {
                    params = new LinkedHashMap<>();
                }
                params.put(parts[i].substring(1, parts[i].length() - 1), segments[i]);
            }
            else if (!parts[i].equals(segments[i]))
            {
                return null;
            }
        }
        return params;
    }
}
