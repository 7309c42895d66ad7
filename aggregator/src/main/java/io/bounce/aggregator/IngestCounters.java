package io.bounce.aggregator;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

import io.bounce.runtime.admin.Metrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** What ingest counts: files and events counted, files refused and why, failures. Any thread. */
final class IngestCounters
{
    /** Why a click file was refused at the door. */
    enum Refusal
    {
        /** A row broke the format, or the LZ4 frame does not read. */
        CORRUPT,
        /** Over the compressed or the decompressed cap. */
        TOO_LARGE,
        /** The backlog is full, or the same file is arriving on another connection: sent again later. */
        BUSY,
        /** A wrong or missing click token. */
        UNAUTHORIZED,
        /** Not a PUT to {@code /ingest/v1/clicks/<edge>/<seq>}. */
        BAD_REQUEST,
        /** The aggregator is stopping, or a disk or store failure: sent again later. */
        UNAVAILABLE;

        String label()
        {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    final AtomicLong files = new AtomicLong();
    final AtomicLong duplicates = new AtomicLong();
    final AtomicLong events = new AtomicLong();
    final AtomicLong batches = new AtomicLong();
    final AtomicLong rejectedAtLoad = new AtomicLong();
    final AtomicLong failures = new AtomicLong();
    private final AtomicLong[] refused = new AtomicLong[Refusal.values().length];

    IngestCounters()
    {
        for (int i = 0; i < refused.length; i++)
        {
            refused[i] = new AtomicLong();
        }
    }

    void refused(final Refusal why)
    {
        refused[why.ordinal()].incrementAndGet();
    }

    void register(final PrometheusRegistry registry)
    {
        Metrics.counter(registry, "bounce_aggregator_files_total", "Click files counted.", files::get);
        Metrics.counter(registry, "bounce_aggregator_duplicate_files_total", "Click files sent again and not counted again.", duplicates::get);
        Metrics.counter(registry, "bounce_aggregator_events_total", "Click events counted.", events::get);
        Metrics.counter(registry, "bounce_aggregator_batches_total", "Transactions that counted click files (files per batch = files / batches).",
            batches::get);
        Metrics.counters(registry, "bounce_aggregator_refused_files_total", "Click files refused, by reason.", "reason",
            Refusal.values(), Refusal::label, why -> refused[why.ordinal()].get());
        Metrics.counter(registry, "bounce_aggregator_rejected_files_total",
            "Click files accepted but refused by the store when counted; kept in rejected/.", rejectedAtLoad::get);
        Metrics.counter(registry, "bounce_aggregator_ingest_errors_total",
            "Store or disk failures while accepting or counting click files (retried).", failures::get);
    }
}
