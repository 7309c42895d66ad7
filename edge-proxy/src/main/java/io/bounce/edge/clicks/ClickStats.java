package io.bounce.edge.clicks;

import java.util.concurrent.atomic.AtomicLong;

/** Counters of the click pipeline, written by its threads, read by the admin scrape. */
final class ClickStats
{
    final AtomicLong written = new AtomicLong();
    final AtomicLong droppedDiskBudget = new AtomicLong();
    final AtomicLong files = new AtomicLong();
    final AtomicLong shipped = new AtomicLong();
    final AtomicLong shipFailures = new AtomicLong();
    final AtomicLong quarantined = new AtomicLong();
    final AtomicLong writeErrors = new AtomicLong();
    final AtomicLong droppedWriteError = new AtomicLong();
    /** Rows a previous run left in open/ (a crash), recovered at start: not part of this run's recorded. */
    final AtomicLong salvaged = new AtomicLong();
}
