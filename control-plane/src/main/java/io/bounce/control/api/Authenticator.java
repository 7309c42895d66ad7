package io.bounce.control.api;

import java.util.function.LongSupplier;

import io.bounce.control.keys.ApiKey;
import io.bounce.control.keys.KeyService;
import io.bounce.control.keys.Scope;
import io.bounce.runtime.http.Problem;
import io.bounce.runtime.limits.AddressBudget;

/**
 * Who is calling and may they: the bearer key (401 when missing, unknown or revoked), its scope for the
 * route (403), and its rate limit (429 with {@code Retry-After}). A request without a valid key spends
 * its address's budget of those ({@code --unauthenticated-per-address-per-second}); past it the answer
 * is 429 {@code unauthenticated-rate-limited} instead of 401, so a flood of bad keys costs little and is
 * counted, while callers with a valid key behind the same address are untouched. Reads memory only.
 */
final class Authenticator
{
    private final KeyService keys;
    private final LongSupplier nanoClock;
    private final AddressBudget unauthenticated;

    Authenticator(final KeyService keys, final LongSupplier nanoClock, final AddressBudget unauthenticated)
    {
        this.keys = keys;
        this.nanoClock = nanoClock;
        this.unauthenticated = unauthenticated;
    }

    ApiKey authenticate(final ApiRequest request, final Scope scope)
    {
        final String header = request.authorization;
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7))
        {
            throw unauthenticated(request, "send Authorization: Bearer <api key>");
        }
        final ApiKey key = keys.authenticate(header.substring(7).strip());
        if (key == null)
        {
            throw unauthenticated(request, "unknown or revoked API key");
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

    private Problem unauthenticated(final ApiRequest request, final String detail)
    {
        final long waitMs = unauthenticated.take(request.remote, nanoClock.getAsLong());
        if (waitMs > 0)
        {
            return new Problem(429, "unauthenticated-rate-limited", "Too many requests",
                "too many requests without a valid API key from this address").retryAfter((waitMs + 999) / 1000);
        }
        return new Problem(401, "unauthenticated", "Unauthorized", detail);
    }
}
