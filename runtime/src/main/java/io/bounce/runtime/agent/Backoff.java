package io.bounce.runtime.agent;

import java.util.concurrent.ThreadLocalRandom;

/**
 * How long to wait before the next attempt after consecutive failures: exponential from
 * {@code initialMs} up to {@code maxMs}, half of it fixed and half random (jitter), so a fleet of
 * edges that lost the centre together does not come back in step. Owned by one thread.
 */
public final class Backoff
{
    private final long initialMs;
    private final long maxMs;
    private int failures;

    public Backoff(final long initialMs, final long maxMs)
    {
        this.initialMs = initialMs;
        this.maxMs = maxMs;
    }

    /** An attempt worked: the next failure starts from {@code initialMs} again. */
    public void reset()
    {
        failures = 0;
    }

    /** @return true if the last attempt did not fail. */
    public boolean isClear()
    {
        return failures == 0;
    }

    /** Count a failure and sleep for the next delay. */
    public void pause() throws InterruptedException
    {
        final long ceiling = Math.min(maxMs, initialMs << Math.min(20, failures));
        failures++;
        Thread.sleep(ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1));
    }
}
