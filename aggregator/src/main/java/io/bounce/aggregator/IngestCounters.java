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
        /** The LZ4 frame does not read (a failed checksum, a cut frame) or has no header row. */
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
    final AtomicLong rowsRepaired = new AtomicLong();
    private final AtomicLong[] rowsSetAside = new AtomicLong[ClickRows.Fault.values().length];
    private final AtomicLong[] refused = new AtomicLong[Refusal.values().length];

    IngestCounters()
    {
        for (int i = 0; i < refused.length; i++)
        {
            refused[i] = new AtomicLong();
        }
        for (int i = 0; i < rowsSetAside.length; i++)
        {
            rowsSetAside[i] = new AtomicLong();
        }
    }

    void refused(final Refusal why)
    {
        refused[why.ordinal()].incrementAndGet();
    }

    void setAside(final ClickRows.Fault why, final long rows)
    {
        rowsSetAside[why.ordinal()].addAndGet(rows);
    }

    void register(final PrometheusRegistry registry)
    {
        Metrics.counter(registry, "bounce_aggregator_rows_repaired_total",
            "Rows whose free text (country, user agent, referrer) had invalid UTF-8 or control bytes: cleaned and counted.",
            rowsRepaired::get);
        Metrics.counters(registry, "bounce_aggregator_rows_set_aside_total",
            "Rows that could not count (kept in set-aside/, not counted), by what was wrong; the file's other rows count.", "reason",
            ClickRows.Fault.values(), ClickRows.Fault::label, why -> rowsSetAside[why.ordinal()].get());
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
