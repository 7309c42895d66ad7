package io.bounce.edge.metrics;

import java.util.concurrent.atomic.AtomicLongArray;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * Counters and the redirect-latency recorder of one event loop: written only by that loop's thread
 * (plain increments published with {@code lazySet}, no contended atomics on the redirect path), read
 * by the admin thread when {@code /metrics} is scraped.
 */
public final class LoopStats
{
    /** Highest latency the histogram tracks: 60 s in ns; larger values are clamped to it. */
    static final long MAX_TRACKED_NS = 60_000_000_000L;

    final Thread owner;
    final AtomicLongArray responses = new AtomicLongArray(ResponseStatus.values().length);
    final SingleWriterRecorder redirectLatency = new SingleWriterRecorder(MAX_TRACKED_NS, 3);
    Histogram recycled;

    LoopStats(final Thread owner)
    {
        this.owner = owner;
    }

    public void countResponse(final ResponseStatus status)
    {
        final int i = status.ordinal();
        responses.lazySet(i, responses.get(i) + 1);
    }

    /** Record one redirect's latency, from request decoded to response written. */
    public void recordRedirectLatency(final long nanos)
    {
        redirectLatency.recordValue(Math.min(Math.max(nanos, 1), MAX_TRACKED_NS));
    }
}
