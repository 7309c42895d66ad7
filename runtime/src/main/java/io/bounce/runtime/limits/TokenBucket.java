package io.bounce.runtime.limits;

/**
 * {@code rate} tokens a second up to {@code burst}; each take costs one. Time is passed in (nanoseconds),
 * so a test drives it without sleeping. Thread-safe: takes on one bucket are serialised on it, and
 * buckets are per caller (a key, an address), so they rarely meet.
 */
public final class TokenBucket
{
    private double tokens;
    private long updatedNs;

    public TokenBucket(final double burst, final long nowNs)
    {
        this.tokens = burst;
        this.updatedNs = nowNs;
    }

    /** @return 0 if a token was taken, else the milliseconds until one will be there (at least 1). */
    public synchronized long take(final double rate, final double burst, final long nowNs)
    {
        final double refill = (nowNs - updatedNs) / 1e9 * rate;
        tokens = Math.min(burst, tokens + Math.max(0, refill));
        updatedNs = Math.max(updatedNs, nowNs);
        if (tokens >= 1)
        {
            tokens -= 1;
            return 0;
        }
        return Math.max(1, (long)Math.ceil((1 - tokens) / rate * 1000));
    }
}
