package io.bounce.runtime.agent;

import java.util.concurrent.ThreadLocalRandom;

/**
 * How long to wait before the next attempt after consecutive failures: exponential from
 * {@code initialMs} up to {@code maxMs}, half of it fixed and half random (jitter), so a fleet of
 * edges that lost the centre together does not come back in step. An {@link org.agrona.concurrent.Agent}
 * keeps one and does no work until {@link #isDue} (it never sleeps in its duty cycle). Owned by one thread.
 */
public final class Backoff
{
    private final long initialMs;
    private final long maxMs;
    private int failures;
    private long dueAtMs;

    public Backoff(final long initialMs, final long maxMs)
    {
        this.initialMs = initialMs;
        this.maxMs = maxMs;
    }

    /** An attempt worked: the next failure starts from {@code initialMs} again, and the next attempt is due now. */
    public void reset()
    {
        failures = 0;
        dueAtMs = 0;
    }

    /** @return true if the last attempt did not fail. */
    public boolean isClear()
    {
        return failures == 0;
    }

    /** @return how many attempts in a row have failed. */
    public int failures()
    {
        return failures;
    }

    /**
     * Count a failure at {@code nowMs} and set when the next attempt is due.
     *
     * @return the delay chosen, in ms.
     */
    public long failed(final long nowMs)
    {
        final long ceiling = Math.min(maxMs, initialMs << Math.min(20, failures));
        failures++;
        final long delay = ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1);
        dueAtMs = nowMs + delay;
        return delay;
    }

    /** @return true once the delay after the last failure has passed (always, after a success). */
    public boolean isDue(final long nowMs)
    {
        return nowMs >= dueAtMs;
    }
}
