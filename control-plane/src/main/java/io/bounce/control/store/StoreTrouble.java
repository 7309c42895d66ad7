package io.bounce.control.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicLong;

import io.bounce.runtime.admin.Metrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.agrona.concurrent.EpochClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What keeps the store from writing, as the last failed write said, and how it learns that the disk
 * has room again. Written by the {@link GroupCommitter}'s thread only; {@link #cause()} may be read
 * from any thread (readiness, metrics).
 */
public final class StoreTrouble
{
    private static final Logger LOG = LoggerFactory.getLogger(StoreTrouble.class);

    /** Room the store's disk must have again before the writer reports ready after a full disk. */
    private static final long ROOM_BYTES = 16L << 20;
    private static final long PROBE_INTERVAL_MS = 1_000;

    /** A cause from the disk, with the problem type the API answers while it lasts. */
    public enum Cause
    {
        /** SQLITE_FULL, or PostgreSQL's disk_full (53100): the disk (or its quota) is full. */
        DISK_FULL("store-full", "the store's disk is full; writes resume by themselves once space is freed"),
        /** SQLITE_IOERR, or PostgreSQL's io_error (58030): the disk failed a read or a write. */
        IO_ERROR("store-io-error", "the store's disk failed a write; writes resume by themselves once it works again"),
        /** PostgreSQL's connection exceptions (class 08): the database server does not answer. */
        UNREACHABLE("store-unreachable", "the store's database server does not answer; writes resume by themselves once it does");

        private final String rule;
        private final String detail;

        Cause(final String rule, final String detail)
        {
            this.rule = rule;
            this.detail = detail;
        }

        /** @return the problem type's last segment, as in {@code /problems/store-full}. */
        public String rule()
        {
            return rule;
        }

        /** @return the problem detail a client reads. */
        public String detail()
        {
            return detail;
        }
    }

    private final Path storeFile;
    private final EpochClock clock;
    private volatile Cause cause;
    private long nextProbeMs;
    private final AtomicLong diskFull = new AtomicLong();
    private final AtomicLong ioError = new AtomicLong();
    private final AtomicLong unreachable = new AtomicLong();
    private final AtomicLong other = new AtomicLong();

    StoreTrouble(final Path storeFile, final EpochClock clock)
    {
        this.storeFile = storeFile;
        this.clock = clock;
    }

    /** SQLite's result code in the failure's chain: 13 (SQLITE_FULL) is a full disk, 10 (SQLITE_IOERR) a failing one. */
    static Cause classify(final Throwable failure)
    {
        for (Throwable c = failure; c != null; c = c.getCause())
        {
            if (c instanceof SQLException)
            {
                final String state = String.valueOf(((SQLException)c).getSQLState());
                if (state.equals("53100"))
                {
                    return Cause.DISK_FULL;
                }
                if (state.equals("58030"))
                {
                    return Cause.IO_ERROR;
                }
                if (state.startsWith("08"))
                {
                    return Cause.UNREACHABLE;
                }
                final int code = ((SQLException)c).getErrorCode() & 0xFF;
                final String message = String.valueOf(c.getMessage());
                if (code == 13 || message.contains("SQLITE_FULL"))
                {
                    return Cause.DISK_FULL;
                }
                if (code == 10 || message.contains("SQLITE_IOERR"))
                {
                    return Cause.IO_ERROR;
                }
            }
        }
        return null;
    }

    /** @return the store's trouble if a failure in {@code batch} (or its commit) came from the disk or the server, else null. */
    static Cause classify(final java.util.List<PendingWrite<?>> batch, final SQLException commitFailure)
    {
        Cause found = classify(commitFailure);
        for (final PendingWrite<?> pending : batch)
        {
            found = found != null ? found : classify(pending.failure);
        }
        return found;
    }

    /** @return what kept the last write from the disk, or null while the store writes. */
    public Cause cause()
    {
        return cause;
    }

    void register(final PrometheusRegistry registry)
    {
        Metrics.gauge(registry, "bounce_store_full", "1 while the store cannot write for a full disk (writes answer 503 store-full).",
            () -> cause == Cause.DISK_FULL ? 1 : 0);
        Metrics.gauge(registry, "bounce_store_io_error", "1 while the store cannot write for a failing disk.",
            () -> cause == Cause.IO_ERROR ? 1 : 0);
        Metrics.counters(registry, "bounce_store_write_failures_total", "Transactions that failed inside the store, by cause.", "cause",
            new String[] {"disk_full", "io_error", "unreachable", "other"}, name -> name,
            name -> (name.equals("disk_full") ? diskFull : name.equals("io_error") ? ioError : name.equals("unreachable") ? unreachable : other).get());
    }

    /** A write failed for the disk: the store is in trouble until a write commits or the probe finds room. */
    void failed(final Cause newCause)
    {
        if (cause == null)
        {
            LOG.error("the store cannot write ({}); answering 503 {} until it can", newCause, newCause.rule);
        }
        cause = newCause;
        nextProbeMs = clock.time() + PROBE_INTERVAL_MS;
        (newCause == Cause.DISK_FULL ? diskFull : newCause == Cause.IO_ERROR ? ioError : unreachable).incrementAndGet();
    }

    /** A write failed for a reason of its own (not the disk). */
    void otherFailure()
    {
        other.incrementAndGet();
    }

    /** A transaction committed: whatever the trouble was, it is over. */
    void cleared()
    {
        cause = null;
    }

    /**
     * While the store is in trouble and idle: is there room on its disk again? Then it is ready for writes. (A PostgreSQL
     * store, {@code storeFile} null: ready again after the probe interval.)
     */
    void probe()
    {
        if (cause == null)
        {
            return;
        }
        final long now = clock.time();
        if (now < nextProbeMs)
        {
            return;
        }
        nextProbeMs = now + PROBE_INTERVAL_MS;
        if (storeFile == null)
        {
            // A database server's disk or link cannot be probed from here: the next write finds out.
            LOG.info("trying the store's database server again for the next write");
            cause = null;
            return;
        }
        try
        {
            final long usable = Files.getFileStore(storeFile).getUsableSpace();
            if (usable >= ROOM_BYTES)
            {
                LOG.info("the store's disk has {} MiB free again; taking writes", usable >> 20);
                cause = null;
            }
        }
        catch (final IOException ex)
        {
            LOG.debug("cannot read the store's free space: {}", ex.toString());
        }
    }
}
