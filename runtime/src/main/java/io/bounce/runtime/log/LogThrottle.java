package io.bounce.runtime.log;

import java.util.concurrent.atomic.AtomicLong;

/**
 * At most one log line a second for something that can happen thousands of times a second (a flood of
 * bad clients, a loop that keeps failing): {@link #tryAcquire()} says whether this occurrence may log,
 * and {@link #since()} how many occurrences the line stands for. Any thread.
 */
public final class LogThrottle
{
    private static final long INTERVAL_NS = 1_000_000_000L;

    private final AtomicLong loggedAtNs = new AtomicLong(System.nanoTime() - INTERVAL_NS);
    private final AtomicLong occurrences = new AtomicLong();
    private final AtomicLong loggedOccurrences = new AtomicLong();

    /** Count an occurrence. @return true if it may be logged (the first in a second). */
    public boolean tryAcquire()
    {
        occurrences.incrementAndGet();
        final long now = System.nanoTime();
        final long last = loggedAtNs.get();
        return now - last >= INTERVAL_NS && loggedAtNs.compareAndSet(last, now);
    }

    /** @return occurrences since the last line that was allowed, this one included; call once after {@link #tryAcquire()} said yes. */
    public long since()
    {
        final long total = occurrences.get();
        return total - loggedOccurrences.getAndSet(total);
    }
}
