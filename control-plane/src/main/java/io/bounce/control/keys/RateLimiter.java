package io.bounce.control.keys;

import java.util.concurrent.ConcurrentHashMap;

/**
 * A token bucket per key: {@code ratePerSecond} tokens a second up to {@code burst}; each request takes
 * one. A key with rate 0 is unlimited. Time is passed in (nanoseconds), so tests need no sleeping.
 */
public final class RateLimiter
{
    private final ConcurrentHashMap<Long, Bucket> buckets = new ConcurrentHashMap<>();

    private static final class Bucket
    {
        double tokens;
        long updatedNs;

        Bucket(final double tokens, final long updatedNs)
        {
            this.tokens = tokens;
            this.updatedNs = updatedNs;
        }
    }

    /** @return 0 if the request may proceed, else the milliseconds until one token is available. */
    public long acquire(final ApiKey key, final long nowNs)
    {
        if (key.ratePerSecond() <= 0)
        {
            return 0;
        }
        final Bucket bucket = buckets.computeIfAbsent(key.id(), id -> new Bucket(key.burst(), nowNs));
        synchronized (bucket)
        {
            final double refill = (nowNs - bucket.updatedNs) / 1e9 * key.ratePerSecond();
            bucket.tokens = Math.min(key.burst(), bucket.tokens + Math.max(0, refill));
            bucket.updatedNs = nowNs;
            if (bucket.tokens >= 1)
            {
                bucket.tokens -= 1;
                return 0;
            }
            return (long)Math.ceil((1 - bucket.tokens) / key.ratePerSecond() * 1000);
        }
    }

    /** Forget a key's bucket (it was revoked). */
    public void forget(final long keyId)
    {
        buckets.remove(keyId);
    }
}
