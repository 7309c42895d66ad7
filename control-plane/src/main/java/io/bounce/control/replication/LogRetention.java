package io.bounce.control.replication;

import java.util.concurrent.atomic.AtomicLong;

import io.bounce.control.store.GroupCommitter;
import io.bounce.runtime.admin.Metrics;
import io.bounce.runtime.agent.Agents;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.bounce.control.store.Queries;
import org.agrona.concurrent.AgentRunner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compacts the change log: a change is dropped once it is older than {@code retentionMs} or more than
 * {@code retentionRecords} behind the head, whichever comes first, so the log's size has a bound; the
 * head itself is always kept (it tells a restarted writer where to go on). A follower asking for a
 * dropped sequence gets 410 and bootstraps from the snapshot. Deletes go through the writer in chunks
 * of {@value #CHUNK} rows, so a big compaction never holds the write lock for long.
 */
public final class LogRetention implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(LogRetention.class);
    private static final int CHUNK = 50_000;

    private final GroupCommitter writer;
    private final long retentionMs;
    private final long retentionRecords;
    private AgentRunner runner;
    private final AtomicLong deleted = new AtomicLong();
    private final AtomicLong firstRetained = new AtomicLong();

    public LogRetention(final GroupCommitter writer, final long retentionMs, final long retentionRecords)
    {
        this.writer = writer;
        this.retentionMs = retentionMs;
        this.retentionRecords = retentionRecords;
    }

    /** Expose compaction's figures in {@code registry}. */
    public void register(final PrometheusRegistry registry)
    {
        Metrics.gauge(registry, "bounce_changelog_first_retained_sequence", "Oldest change-log sequence kept, as of the last compaction.",
            firstRetained::get);
        Metrics.counter(registry, "bounce_changelog_compacted_total", "Change-log entries dropped by retention.", deleted::get);
    }

    /**
     * Compact now and then every {@code intervalMs}, as the {@code log-retention} agent, while {@code leads} (the leader
     * compacts for everyone). A compaction that fails is logged and counted by the agent runner and tried again at the
     * next interval.
     */
    public LogRetention start(final long intervalMs, final Agents agents, final java.util.function.BooleanSupplier leads)
    {
        runner = agents.every("log-retention", intervalMs, () -> leads.getAsBoolean() && compact() > 0 ? 1 : 0);
        return this;
    }

    /**
     * Drop what the rules say may go.
     *
     * @return rows deleted.
     */
    public long compact() throws Exception
    {
        long total = 0;
        while (true)
        {
            final int n = writer.call(txn ->
            {
                final long head = Queries.changeLogHead(txn.connection());
                final long first = Queries.changeLogFirst(txn.connection());
                final long byCount = head - retentionRecords + 1;
                final long youngest = Queries.firstChangeSince(txn.connection(), txn.now() - retentionMs);
                final long byTime = youngest == 0 ? head : youngest;
                final long keepFrom = Math.min(head, Math.max(byCount, byTime));
                firstRetained.set(first);
                if (first == 0 || keepFrom <= first)
                {
                    return 0;
                }
                final int rows = Queries.deleteChangesBefore(txn.connection(), Math.min(keepFrom, first + CHUNK));
                firstRetained.set(Math.min(keepFrom, first + CHUNK));
                return rows;
            });
            total += n;
            if (n < CHUNK)
            {
                break;
            }
        }
        deleted.addAndGet(total);
        if (total > 0)
        {
            LOG.info("change log compacted: {} changes dropped, oldest kept is now {}", total, firstRetained.get());
        }
        return total;
    }

    public long deleted()
    {
        return deleted.get();
    }

    /** @return the oldest retained sequence as of the last compaction (0 before the first, or for an empty log). */
    public long firstRetained()
    {
        return firstRetained.get();
    }

    @Override
    public void close()
    {
        Agents.stop(runner, 30_000);
    }
}
