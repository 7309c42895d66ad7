package io.bounce.replication.log;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import io.bounce.runtime.admin.Metrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** What a {@link LogFollower} counts; written by its thread, read by the admin scrape. */
public final class FollowerStats
{
    final AtomicLong appliedSequence = new AtomicLong();
    final AtomicLong appliedCommittedAtMs = new AtomicLong();
    final AtomicLong leaderHead = new AtomicLong();
    final AtomicLong leaderHeadCommittedAtMs = new AtomicLong();
    final AtomicLong recordsApplied = new AtomicLong();
    final AtomicLong bootstraps = new AtomicLong();
    final AtomicLong bootstrapRecords = new AtomicLong();
    final AtomicLong reconnects = new AtomicLong();
    final AtomicLong leaderSwitches = new AtomicLong();
    final AtomicLong timeouts = new AtomicLong();
    final AtomicLong goneAnswers = new AtomicLong();
    final AtomicLong historyChanges = new AtomicLong();
    final AtomicLong unauthorized = new AtomicLong();
    final AtomicLongArray protocolErrors = new AtomicLongArray(ProtocolException.Reason.values().length);
    volatile boolean connected;
    volatile boolean caughtUpOnce;

    public long appliedSequence()
    {
        return appliedSequence.get();
    }

    public long leaderHead()
    {
        return leaderHead.get();
    }

    public long lagRecords()
    {
        return Math.max(0, leaderHead.get() - appliedSequence.get());
    }

    /** @return commit-time distance between the leader's head and the last applied change (both leader clock). */
    public long lagMs()
    {
        if (lagRecords() == 0)
        {
            return 0;
        }
        return Math.max(0, leaderHeadCommittedAtMs.get() - appliedCommittedAtMs.get());
    }

    public boolean connected()
    {
        return connected;
    }

    /** @return true once this process has seen its replica reach the leader's head. */
    public boolean caughtUpOnce()
    {
        return caughtUpOnce;
    }

    public long historyChanges()
    {
        return historyChanges.get();
    }

    public long bootstraps()
    {
        return bootstraps.get();
    }

    public long reconnects()
    {
        return reconnects.get();
    }

    /** @return times the follower moved on to the next control plane of its list after a failed session. */
    public long leaderSwitches()
    {
        return leaderSwitches.get();
    }

    public long recordsApplied()
    {
        return recordsApplied.get();
    }

    public long protocolErrors(final ProtocolException.Reason reason)
    {
        return protocolErrors.get(reason.ordinal());
    }

    /** Expose the follower's counters in {@code registry}. */
    public void register(final PrometheusRegistry registry)
    {
        Metrics.gauge(registry, "bounce_replication_applied_sequence", "Last change-log sequence applied to the replica.",
            appliedSequence::get);
        Metrics.gauge(registry, "bounce_replication_leader_head_sequence", "Leader's head as last heard.", leaderHead::get);
        Metrics.gauge(registry, "bounce_replication_lag_records", "Changes the leader has that the replica has not applied.",
            this::lagRecords);
        Metrics.gauge(registry, "bounce_replication_lag_seconds", "Commit-time distance from the last applied change to the leader's head.",
            () -> lagMs() / 1000.0);
        Metrics.gauge(registry, "bounce_replication_connected", "1 while a log stream from the leader is open.", () -> connected ? 1 : 0);
        Metrics.counter(registry, "bounce_replication_records_applied_total", "Log records applied.", recordsApplied::get);
        Metrics.counter(registry, "bounce_replication_bootstraps_total", "Snapshots loaded and swapped in.", bootstraps::get);
        Metrics.counter(registry, "bounce_replication_bootstrap_records_total", "Records loaded from snapshots.", bootstrapRecords::get);
        Metrics.counter(registry, "bounce_replication_reconnects_total", "Times the follower reconnected after losing its stream.",
            reconnects::get);
        Metrics.counter(registry, "bounce_replication_leader_switches_total",
            "Times the follower moved on to the next control plane of its --control-plane list after a failed session.", leaderSwitches::get);
        Metrics.counter(registry, "bounce_replication_timeouts_total", "Streams dropped for silence (no bytes nor heartbeat).", timeouts::get);
        Metrics.counter(registry, "bounce_replication_gone_total", "410 answers: the log no longer had what was asked, so re-bootstrap.",
            goneAnswers::get);
        Metrics.counter(registry, "bounce_replication_history_changes_total",
            "Leaders met with another store history than the replica's (a restored backup, another cluster): bootstrapped afresh " +
                "(also in bounce_replication_gone_total).", historyChanges::get);
        Metrics.counter(registry, "bounce_replication_unauthorized_total", "Leader refused the replication token.", unauthorized::get);
        Metrics.counter(registry, "bounce_replication_checksum_failures_total", "Frames whose CRC32C did not match.",
            () -> protocolErrors(ProtocolException.Reason.CHECKSUM));
        Metrics.counters(registry, "bounce_replication_protocol_errors_total", "Streams refused, by reason.", "reason",
            ProtocolException.Reason.values(), reason -> reason.name().toLowerCase(Locale.ROOT).replace('_', '-'), this::protocolErrors);
    }
}
