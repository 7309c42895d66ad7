package io.bounce.control.api;

import java.util.function.LongSupplier;

import io.bounce.control.keys.ApiKey;
import io.bounce.control.keys.KeyService;
import io.bounce.control.keys.Scope;
import io.bounce.runtime.http.Problem;

/**
 * Who is calling and may they: the bearer key (401 when missing, unknown or revoked), its scope for the
 * route (403), and its rate limit (429 with {@code Retry-After}). Reads memory only.
 */
final class Authenticator
{
    private final KeyService keys;
    private final LongSupplier nanoClock;

    Authenticator(final KeyService keys, final LongSupplier nanoClock)
    {
        this.keys = keys;
        this.nanoClock = nanoClock;
    }

    ApiKey authenticate(final ApiRequest request, final Scope scope)
    {
        final String header = request.authorization;
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7))
        {
            throw new Problem(401, "unauthenticated", "Unauthorized", "send Authorization: Bearer <api key>");
        }
        final ApiKey key = keys.authenticate(header.substring(7).strip());
        if (key == null)
        {
            throw new Problem(401, "unauthenticated", "Unauthorized", "unknown or revoked API key");
        }
        if (!key.has(scope))
        {
            throw new Problem(403, "forbidden", "Forbidden", "this key lacks the " + scope.label() + " scope");
        }
        final long waitMs = keys.acquire(key, nanoClock.getAsLong());
        if (waitMs > 0)
        {
            throw new Problem(429, "rate-limited", "Too many requests",
                "this key may make " + key.ratePerSecond() + " requests a second").retryAfter((waitMs + 999) / 1000);
        }
        return key;
    }
}
