package io.bounce.control.replication;

import java.util.ArrayList;
import java.util.List;

/**
 * The newest changes of the log, in memory, shared by every follower's stream: a commit wakes every stream at once, and
 * the first to ask reads the new changes from the store while the rest are served from here. Without it each of N
 * followers read each change from the store: N queries a commit (a change is immutable once committed, so a copy never
 * goes stale; compaction only drops sequences older than any a stream may still ask for, which the stream refuses first).
 */
final class LogTail
{
    /** One committed change as the log streams it. */
    record Change(long sequence, long committedAtMs, byte type, byte[] record)
    {
    }

    private final Change[] ring;
    private final int mask;

    /** @param capacity changes kept, rounded up to a power of two. */
    LogTail(final int capacity)
    {
        final int size = Integer.highestOneBit(Math.max(2, capacity - 1)) << 1;
        ring = new Change[size];
        mask = size - 1;
    }

    /** @return changes {@code from} to {@code from + count - 1} when every one of them is here, else null. */
    synchronized List<Change> get(final long from, final int count)
    {
        if (count > ring.length)
        {
            return null;
        }
        final List<Change> found = new ArrayList<>(count);
        for (long sequence = from; sequence < from + count; sequence++)
        {
            final Change change = ring[(int)(sequence & mask)];
            if (change == null || change.sequence() != sequence)
            {
                return null;
            }
            found.add(change);
        }
        return found;
    }

    /** Keep {@code changes} (read from the store), each in its sequence's slot. */
    synchronized void put(final List<Change> changes)
    {
        for (final Change change : changes)
        {
            final int slot = (int)(change.sequence() & mask);
            final Change held = ring[slot];
            if (held == null || held.sequence() < change.sequence())
            {
                ring[slot] = change;
            }
        }
    }
}
