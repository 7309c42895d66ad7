package io.bounce.aggregator;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import io.bounce.runtime.admin.Metrics;
import io.bounce.runtime.files.DurableFiles;
import io.bounce.runtime.http.Problem;
import io.bounce.replication.clicks.ClickFileFormat;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import net.jpountz.lz4.LZ4FrameInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The aggregator's way in: accepts click files from edges and has the {@link ClickStore} count them,
 * many files to a transaction.
 *
 * <p><b>Accepting</b> ({@link #accept}, on any thread) decompresses a file into {@code staging/},
 * never past {@code maxUncompressedBytes} (a decompression bomb is cut off there, memory stays
 * flat), checks every row as it streams ({@link ClickRows}), then writes the compressed file to
 * {@code inbox/} durably (fsync, rename, fsync of the directory). Only then does the edge hear 200,
 * and may delete its copy. A corrupt file is refused whole (400) and nothing of it is kept.
 *
 * <p><b>Loading</b> is the one thread {@code click-loader}: it takes every accepted file waiting (up
 * to {@code maxBatchBytes} of rows) and counts them in one DuckDB transaction, together with their
 * identities, then deletes them from the inbox. Counting in batches is what makes ingest fast: one
 * file per transaction ran at 250–290k events/s, batches of 10 at over 550k (bench/README.md). A
 * batch DuckDB refuses is retried file by file, so one bad file holds back no other; a file DuckDB
 * refuses alone (the row checks should make that impossible) moves to {@code rejected/}, counted,
 * never deleted. A store failure (disk full) is retried with backoff; the files wait in the inbox.
 *
 * <p><b>Exactly once</b>: the store records each counted identity in the same transaction as its
 * events, and a file is deleted from the inbox only after that commit. After a crash, {@link #start}
 * loads what the inbox holds again; files the store already counted are skipped. A file sent again
 * while it waits in the inbox, or after it was counted, is answered "duplicate".
 *
 * <p><b>Backpressure</b>: while more than {@code maxPendingBytes} of rows wait to be loaded, new
 * files are refused with 503 and {@code Retry-After}; edges keep them and retry.
 */
public final class ClickIngest implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(ClickIngest.class);
    private static final long RETRY_MIN_MS = 100;
    private static final long RETRY_MAX_MS = 10_000;

    /** A file decompressed into staging, its rows checked and counted. */
    private record Staged(Path tsv, long rows)
    {
    }

    /** An accepted file waiting to be counted: durable in the inbox, decompressed in staging. */
    private record Pending(ClickFileFormat.Identity identity, Path inboxFile, Path tsv, long rows, long tsvBytes, long acceptedAtMs)
    {
    }

    private final ClickStore store;
    private final long maxUncompressedBytes;
    private final long maxPendingBytes;
    private final long maxBatchBytes;
    private final Path inbox;
    private final Path staging;
    private final Path rejected;
    private final UserAgents agents = new UserAgents();
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    /** Identities in the inbox, not yet counted, with when they were accepted. */
    private final Map<ClickFileFormat.Identity, Long> pending = new ConcurrentHashMap<>();
    /** Identities being accepted right now, so two copies of one file are not taken at once. */
    private final Map<ClickFileFormat.Identity, Boolean> receiving = new ConcurrentHashMap<>();
    private final AtomicLong pendingBytes = new AtomicLong();
    private final Thread loader;
    private volatile boolean running = true;

    private final AtomicLong files = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong events = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong refusedCorrupt = new AtomicLong();
    private final AtomicLong refusedTooLarge = new AtomicLong();
    private final AtomicLong refusedBusy = new AtomicLong();
    private final AtomicLong rejectedAtLoad = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();

    /**
     * @param dir                  where {@code inbox/}, {@code staging/} and {@code rejected/} live.
     * @param maxUncompressedBytes the largest a file may decompress to.
     * @param maxPendingBytes      decompressed bytes waiting to be counted beyond which files are refused (503).
     * @param maxBatchBytes        decompressed bytes counted in one transaction at most (one file may be larger).
     */
    public ClickIngest(final ClickStore store, final Path dir, final long maxUncompressedBytes, final long maxPendingBytes,
        final long maxBatchBytes) throws IOException
    {
        this.store = store;
        this.maxUncompressedBytes = maxUncompressedBytes;
        this.maxPendingBytes = maxPendingBytes;
        this.maxBatchBytes = maxBatchBytes;
        this.inbox = Files.createDirectories(dir.resolve("inbox"));
        this.staging = Files.createDirectories(dir.resolve("staging"));
        this.rejected = Files.createDirectories(dir.resolve("rejected"));
        try (Stream<Path> old = Files.list(staging))
        {
            old.forEach(ClickIngest::delete); // a previous run's: its files are in the inbox
        }
        this.loader = new Thread(this::load, "click-loader");
        this.loader.setDaemon(true);
    }

    /**
     * Stage again what a previous run accepted but had not counted, then start loading. Staged
     * copies do not survive a restart (they are never fsynced; the constructor clears them); the
     * inbox's files do.
     */
    public void start() throws IOException
    {
        final List<Path> waiting = new ArrayList<>();
        try (Stream<Path> listed = Files.list(inbox))
        {
            listed.sorted().forEach(waiting::add);
        }
        for (final Path file : waiting)
        {
            final ClickFileFormat.Identity identity = ClickFileFormat.identityOf(file.getFileName().toString());
            if (identity == null)
            {
                delete(file); // a temporary file a crash left behind: its sender never heard 200
                continue;
            }
            if (pending.containsKey(identity))
            {
                continue; // accepted by this run already
            }
            try
            {
                final Staged staged = decompress(identity, Files.readAllBytes(file));
                enqueue(new Pending(identity, file, staged.tsv(), staged.rows(), Files.size(staged.tsv()),
                    Files.getLastModifiedTime(file).toMillis()));
            }
            catch (final Problem ex)
            {
                if (ex.status() >= 500)
                {
                    throw new IOException("cannot stage accepted click file " + file + ": " + ex.getMessage()); // it stays in the inbox
                }
                reject(file, ex.getMessage()); // it no longer reads as it did when accepted: a damaged disk
            }
        }
        if (!waiting.isEmpty())
        {
            LOG.info("{} accepted click files wait in {} from before the restart; counting them", pending.size(), inbox);
        }
        loader.start();
    }

    /**
     * Take one click file: on any thread. When this returns, the file is durable here and will be
     * counted exactly once.
     *
     * @return the events in it, or -1 if this file was accepted before.
     * @throws Problem for a file that is corrupt (400), too large once decompressed (413), or when
     *                 the aggregator cannot take it now (503: send it again later).
     */
    public long accept(final String edge, final long sequence, final byte[] body)
    {
        final ClickFileFormat.Identity identity = new ClickFileFormat.Identity(edge, sequence);
        if (!running)
        {
            throw Problem.unavailable("stopping", "the aggregator is stopping", 1);
        }
        if (receiving.putIfAbsent(identity, Boolean.TRUE) != null)
        {
            throw Problem.unavailable("busy", "this file is being received on another connection; send it again later", 1);
        }
        try
        {
            if (pending.containsKey(identity) || counted(identity))
            {
                duplicates.incrementAndGet();
                return -1;
            }
            if (pendingBytes.get() >= maxPendingBytes)
            {
                refusedBusy.incrementAndGet();
                throw Problem.unavailable("busy", "the aggregator has " + pendingBytes.get() + " bytes of clicks waiting to be counted; " +
                    "send it again later", 1);
            }
            final Staged staged = decompress(identity, body);
            final Path file = inbox.resolve(identity.fileName());
            try
            {
                DurableFiles.writeAtomically(file, body);
                enqueue(new Pending(identity, file, staged.tsv(), staged.rows(), Files.size(staged.tsv()), System.currentTimeMillis()));
            }
            catch (final IOException ex)
            {
                delete(staged.tsv());
                failures.incrementAndGet();
                LOG.error("could not keep click file {}: {}", identity.fileName(), ex.toString());
                throw Problem.unavailable("disk", "cannot keep the file: " + ex.getMessage(), 1);
            }
            return staged.rows();
        }
        finally
        {
            receiving.remove(identity);
        }
    }

    private boolean counted(final ClickFileFormat.Identity identity)
    {
        try
        {
            return store.counted(identity.edge(), identity.sequence());
        }
        catch (final SQLException ex)
        {
            failures.incrementAndGet();
            throw Problem.unavailable("store", "the click store failed: " + ex.getMessage(), 1);
        }
    }

    /** Decompress (capped) into {@code staging/}, checking the header and every row. */
    private Staged decompress(final ClickFileFormat.Identity identity, final byte[] body)
    {
        final Path tsv;
        try
        {
            tsv = Files.createTempFile(staging, identity.fileName() + ".", ".tsv");
        }
        catch (final IOException ex)
        {
            failures.incrementAndGet();
            throw Problem.unavailable("disk", "cannot stage the file: " + ex.getMessage(), 1);
        }
        final ClickRows rows = new ClickRows(identity.edge());
        try (InputStream in = new Capped(new LZ4FrameInputStream(new ByteArrayInputStream(body)), maxUncompressedBytes);
            OutputStream out = Files.newOutputStream(tsv))
        {
            final byte[] header = in.readNBytes(ClickFileFormat.HEADER.length());
            if (!new String(header, StandardCharsets.US_ASCII).equals(ClickFileFormat.HEADER))
            {
                throw corrupt("the first row is not the click-file header");
            }
            out.write(header);
            final byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) > 0; )
            {
                if (!rows.check(buffer, 0, n))
                {
                    throw corrupt(rows.problem());
                }
                out.write(buffer, 0, n);
            }
            if (!rows.finish())
            {
                throw corrupt(rows.problem());
            }
        }
        catch (final Capped.TooLarge ex)
        {
            delete(tsv);
            refusedTooLarge.incrementAndGet();
            throw new Problem(413, "click-file-too-large", "click file decompresses to more than " + maxUncompressedBytes + " bytes");
        }
        catch (final Problem ex)
        {
            delete(tsv);
            throw ex;
        }
        catch (final IOException ex)
        {
            delete(tsv);
            throw corrupt("unreadable LZ4 frame: " + ex.getMessage());
        }
        return new Staged(tsv, rows.rows());
    }

    private void enqueue(final Pending file)
    {
        pending.put(file.identity(), file.acceptedAtMs());
        pendingBytes.addAndGet(file.tsvBytes());
        queue.add(file);
    }

    /** The loader thread: batches of waiting files into the store, until closed. */
    private void load()
    {
        final List<Pending> batch = new ArrayList<>();
        while (running)
        {
            try
            {
                final Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null)
                {
                    continue;
                }
                batch.add(first);
                long bytes = first.tsvBytes();
                for (Pending next; (next = queue.peek()) != null && bytes + next.tsvBytes() <= maxBatchBytes; )
                {
                    batch.add(queue.poll());
                    bytes += next.tsvBytes();
                }
                countWithRetry(batch);
                batch.clear();
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Count a batch, retrying store failures with backoff for as long as the aggregator runs. */
    private void countWithRetry(final List<Pending> batch) throws InterruptedException
    {
        long backoffMs = RETRY_MIN_MS;
        while (running)
        {
            try
            {
                count(batch);
                return;
            }
            catch (final SQLException | RuntimeException ex)
            {
                failures.incrementAndGet();
                LOG.error("counting {} click files failed; retrying in {} ms: {}", batch.size(), backoffMs, ex.toString());
                synchronized (this)
                {
                    wait(backoffMs);
                }
                backoffMs = Math.min(RETRY_MAX_MS, backoffMs * 2);
            }
        }
    }

    private void count(final List<Pending> batch) throws SQLException, InterruptedException
    {
        final List<ClickStore.Batched> rows = new ArrayList<>(batch.size());
        for (final Pending file : batch)
        {
            rows.add(new ClickStore.Batched(file.identity().edge(), file.identity().sequence(), file.tsv(), file.rows()));
        }
        final long[] counted;
        try
        {
            counted = store.ingestBatch(rows, agents);
        }
        catch (final ClickStore.CorruptFile ex)
        {
            if (batch.size() > 1)
            {
                for (final Pending file : batch)
                {
                    countWithRetry(List.of(file)); // find the bad one; the others count
                }
            }
            else
            {
                final Pending file = batch.get(0);
                reject(file.inboxFile(), ex.getMessage());
                done(file);
            }
            return;
        }
        batches.incrementAndGet();
        for (int i = 0; i < batch.size(); i++)
        {
            if (counted[i] < 0)
            {
                duplicates.incrementAndGet();
            }
            else
            {
                files.incrementAndGet();
                events.addAndGet(counted[i]);
            }
            done(batch.get(i));
            delete(batch.get(i).inboxFile());
        }
    }

    private void done(final Pending file)
    {
        if (pending.remove(file.identity()) != null)
        {
            pendingBytes.addAndGet(-file.tsvBytes());
        }
        delete(file.tsv());
    }

    /** A file accepted earlier that cannot be counted: kept aside for a person, never deleted. */
    private void reject(final Path file, final String why)
    {
        rejectedAtLoad.incrementAndGet();
        try
        {
            Files.move(file, rejected.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            LOG.error("click file {} was accepted but cannot be counted ({}); moved to {}", file.getFileName(), why, rejected);
        }
        catch (final IOException ex)
        {
            LOG.error("click file {} was accepted but cannot be counted ({}) nor moved to {}: {}", file.getFileName(), why, rejected,
                ex.toString());
        }
    }

    private static void delete(final Path file)
    {
        try
        {
            Files.deleteIfExists(file);
        }
        catch (final IOException ex)
        {
            LOG.warn("could not delete {}: {}", file, ex.toString());
        }
    }

    private Problem corrupt(final String detail)
    {
        refusedCorrupt.incrementAndGet();
        LOG.warn("refused a click file: {}", detail);
        return Problem.badRequest("click-file-corrupt", detail);
    }

    /** @return files accepted and not yet counted. */
    public int pendingFiles()
    {
        return pending.size();
    }

    /** Stop loading after the batch in hand; what waits stays in the inbox for the next start. */
    @Override
    public void close() throws InterruptedException
    {
        running = false;
        synchronized (this)
        {
            notifyAll();
        }
        if (loader.isAlive())
        {
            loader.join();
        }
    }

    /** Expose ingest's counters and backlog in {@code registry}. */
    public void register(final PrometheusRegistry registry)
    {
        Metrics.counter(registry, "bounce_aggregator_files_total", "Click files counted.", files::get);
        Metrics.counter(registry, "bounce_aggregator_duplicate_files_total", "Click files sent again and not counted again.", duplicates::get);
        Metrics.counter(registry, "bounce_aggregator_events_total", "Click events counted.", events::get);
        Metrics.counter(registry, "bounce_aggregator_batches_total", "Transactions that counted click files (files per batch = files / batches).",
            batches::get);
        Metrics.gauge(registry, "bounce_aggregator_pending_files", "Click files accepted and waiting to be counted.", pending::size);
        Metrics.gauge(registry, "bounce_aggregator_pending_bytes", "Decompressed bytes of click files waiting to be counted.",
            pendingBytes::get);
        Metrics.gauge(registry, "bounce_aggregator_oldest_pending_seconds", "Age of the oldest click file waiting to be counted.", () ->
        {
            long oldest = Long.MAX_VALUE;
            for (final long acceptedAt : pending.values())
            {
                oldest = Math.min(oldest, acceptedAt);
            }
            return oldest == Long.MAX_VALUE ? 0 : Math.max(0, System.currentTimeMillis() - oldest) / 1000.0;
        });
        final AtomicLong[] refused = {refusedCorrupt, refusedTooLarge, refusedBusy};
        final String[] reasons = {"corrupt", "too_large", "busy"};
        Metrics.counters(registry, "bounce_aggregator_refused_files_total", "Click files refused, by reason.", "reason",
            new Integer[] {0, 1, 2}, i -> reasons[i], i -> refused[i].get());
        Metrics.counter(registry, "bounce_aggregator_rejected_files_total",
            "Click files accepted but refused by the store when counted; kept in rejected/.", rejectedAtLoad::get);
        Metrics.counter(registry, "bounce_aggregator_ingest_errors_total",
            "Store or disk failures while accepting or counting click files (retried).", failures::get);
    }

    /** Stops reading past a byte budget. */
    private static final class Capped extends java.io.FilterInputStream
    {
        static final class TooLarge extends IOException
        {
            TooLarge()
            {
                super("over the decompressed size cap");
            }
        }

        private final long cap;
        private long read;

        Capped(final InputStream in, final long cap)
        {
            super(in);
            this.cap = cap;
        }

        @Override
        public int read() throws IOException
        {
            final int b = super.read();
            if (b >= 0 && ++read > cap)
            {
                throw new TooLarge();
            }
            return b;
        }

        @Override
        public int read(final byte[] bytes, final int offset, final int length) throws IOException
        {
            final int n = super.read(bytes, offset, (int)Math.min(length, cap + 1 - read));
            if (n > 0)
            {
                read += n;
                if (read > cap)
                {
                    throw new TooLarge();
                }
            }
            return n;
        }
    }
}
