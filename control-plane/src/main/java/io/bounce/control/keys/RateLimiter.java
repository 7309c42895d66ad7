package io.bounce.control.keys;

import java.util.concurrent.ConcurrentHashMap;

import io.bounce.runtime.limits.TokenBucket;

/**
 * A token bucket per key: {@code ratePerSecond} tokens a second up to {@code burst}; each request takes
 * one. A key with rate 0 is unlimited. Time is passed in (nanoseconds), so tests need no sleeping.
 */
public final class RateLimiter
{
    private final ConcurrentHashMap<Long, TokenBucket> buckets = new ConcurrentHashMap<>();

    /** @return 0 if the request may proceed, else the milliseconds until one token is available. */
    public long acquire(final ApiKey key, final long nowNs)
    {
        if (key.ratePerSecond() <= 0)
        {
            return 0;
        }
        return buckets.computeIfAbsent(key.id(), id -> new TokenBucket(key.burst(), nowNs)).take(key.ratePerSecond(), key.burst(), nowNs);
    }

    /** Forget a key's bucket (it was revoked). */
    public void forget(final long keyId)
    {
        buckets.remove(keyId);
    }
}
