package io.bounce.aggregator;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import io.bounce.runtime.admin.Metrics;
import io.bounce.runtime.agent.Agents;
import io.bounce.runtime.files.DurableFiles;
import io.bounce.runtime.http.Problem;
import io.bounce.replication.clicks.ClickFileFormat;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.agrona.concurrent.AgentRunner;
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
 * <p><b>Loading</b> is the {@link ClickLoader} agent: it counts waiting files in batches, one DuckDB
 * transaction each, then deletes them from the inbox.
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

    /** A file decompressed into staging, its rows checked and counted. */
    private record Staged(Path tsv, long rows)
    {
    }

    private final ClickStore store;
    private final long maxUncompressedBytes;
    private final long maxPendingBytes;
    private final Path inbox;
    private final Path staging;
    /** Rows that could not count, kept for a person, one file per click file that had any. */
    private final Path setAside;
    private final Agents agents;
    private final IngestCounters counters = new IngestCounters();
    private final ClickLoader loader;
    private AgentRunner loading;
    /** Identities in the inbox, not yet counted, with when they were accepted. */
    private final Map<ClickFileFormat.Identity, Long> pending = new ConcurrentHashMap<>();
    /** Identities being accepted right now, so two copies of one file are not taken at once. */
    private final Map<ClickFileFormat.Identity, Boolean> receiving = new ConcurrentHashMap<>();
    private final AtomicLong pendingBytes = new AtomicLong();
    private volatile boolean running = true;

    /**
     * @param dir                  where {@code inbox/}, {@code staging/} and {@code rejected/} live.
     * @param maxUncompressedBytes the largest a file may decompress to.
     * @param maxPendingBytes      decompressed bytes waiting to be counted beyond which files are refused (503).
     * @param maxBatchBytes        decompressed bytes counted in one transaction at most (one file may be larger).
     * @param agents               runs the {@link ClickLoader} from {@link #start()} on.
     */
    public ClickIngest(final ClickStore store, final Path dir, final long maxUncompressedBytes, final long maxPendingBytes,
        final long maxBatchBytes, final Agents agents) throws IOException
    {
        this.store = store;
        this.maxUncompressedBytes = maxUncompressedBytes;
        this.maxPendingBytes = maxPendingBytes;
        this.agents = agents;
        this.inbox = Files.createDirectories(dir.resolve("inbox"));
        this.staging = Files.createDirectories(dir.resolve("staging"));
        this.setAside = Files.createDirectories(dir.resolve("set-aside"));
        this.loader = new ClickLoader(store, maxBatchBytes, Files.createDirectories(dir.resolve("rejected")), counters, this::done);
        try (Stream<Path> old = Files.list(staging))
        {
            old.forEach(ClickLoader::delete); // a previous run's: its files are in the inbox
        }
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
                ClickLoader.delete(file); // a temporary file a crash left behind: its sender never heard 200
                continue;
            }
            if (pending.containsKey(identity))
            {
                continue; // accepted by this run already
            }
            try
            {
                final Staged staged = decompress(identity, Files.readAllBytes(file));
                enqueue(new AcceptedFile(identity, file, staged.tsv(), staged.rows(), Files.size(staged.tsv()),
                    Files.getLastModifiedTime(file).toMillis()));
            }
            catch (final Problem ex)
            {
                if (ex.status() >= 500)
                {
                    throw new IOException("cannot stage accepted click file " + file + ": " + ex.getMessage()); // it stays in the inbox
                }
                loader.reject(file, ex.getMessage()); // it no longer reads as it did when accepted: a damaged disk
            }
        }
        if (!waiting.isEmpty())
        {
            LOG.info("{} accepted click files wait in {} from before the restart; counting them", pending.size(), inbox);
        }
        loading = agents.start(loader, Agents.sleeping(5));
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
            counters.refused(IngestCounters.Refusal.UNAVAILABLE);
            throw Problem.unavailable("stopping", "the aggregator is stopping", 1);
        }
        if (receiving.putIfAbsent(identity, Boolean.TRUE) != null)
        {
            counters.refused(IngestCounters.Refusal.BUSY);
            throw Problem.unavailable("busy", "this file is being received on another connection; send it again later", 1);
        }
        try
        {
            if (pending.containsKey(identity) || counted(identity))
            {
                counters.duplicates.incrementAndGet();
                return -1;
            }
            if (pendingBytes.get() >= maxPendingBytes)
            {
                counters.refused(IngestCounters.Refusal.BUSY);
                throw Problem.unavailable("busy", "the aggregator has " + pendingBytes.get() + " bytes of clicks waiting to be counted; " +
                    "send it again later", 1);
            }
            final Staged staged = decompress(identity, body);
            final Path file = inbox.resolve(identity.fileName());
            try
            {
                DurableFiles.writeAtomically(file, body);
                enqueue(new AcceptedFile(identity, file, staged.tsv(), staged.rows(), Files.size(staged.tsv()), System.currentTimeMillis()));
            }
            catch (final IOException ex)
            {
                cleanUp(staged.tsv(), setAside.resolve(identity.fileName() + ".tsv"));
                throw diskFailure("cannot keep click file " + identity.fileName(), ex);
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
            counters.failures.incrementAndGet();
            throw Problem.unavailable("store", "the click store failed: " + ex.getMessage(), 1);
        }
    }

    /**
     * Decompress (capped) into {@code staging/}, passing every row through {@link ClickRows}: rows
     * that count to the staged copy, rows that cannot count to {@code set-aside/}. Only the frame
     * itself decides whether the file is corrupt (a checksum that fails, a cut frame, no header row):
     * 400. A failure to write here (a full disk) is the aggregator's, not the file's: 503, sent again.
     */
    private Staged decompress(final ClickFileFormat.Identity identity, final byte[] body)
    {
        final Path tsv;
        try
        {
            tsv = Files.createTempFile(staging, identity.fileName() + ".", ".tsv");
        }
        catch (final IOException ex)
        {
            throw diskFailure("cannot stage the file", ex);
        }
        final Path asideFile = setAside.resolve(identity.fileName() + ".tsv");
        try (InputStream in = new CappedInputStream(new LZ4FrameInputStream(new ByteArrayInputStream(body)), maxUncompressedBytes);
            LocalOutput out = new LocalOutput(tsv, false);
            LocalOutput aside = new LocalOutput(asideFile, true))
        {
            // Version 1's header is a prefix of version 2's but for its last column: read it, then the rest if it goes on.
            final byte[] start = in.readNBytes(ClickFileFormat.HEADER_V1.length());
            final boolean version1 = new String(start, StandardCharsets.US_ASCII).equals(ClickFileFormat.HEADER_V1);
            if (!version1)
            {
                final byte[] rest = in.readNBytes(ClickFileFormat.HEADER.length() - start.length);
                if (!(new String(start, StandardCharsets.US_ASCII) + new String(rest, StandardCharsets.US_ASCII)).equals(ClickFileFormat.HEADER))
                {
                    throw corrupt("the first row is not the click-file header");
                }
            }
            final ClickRows rows = new ClickRows(identity.edge(), out, aside, version1);
            out.write(ClickFileFormat.HEADER.getBytes(StandardCharsets.US_ASCII)); // staged as version 2, whatever came
            final byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) > 0; )
            {
                rows.write(buffer, 0, n);
            }
            rows.finish();
            counters.rowsRepaired.addAndGet(rows.repaired());
            rows.faults().forEach(counters::setAside);
            if (rows.setAside() > 0)
            {
                LOG.warn("click file {}: {} rows set aside in {} ({}); {} rows count", identity.fileName(), rows.setAside(), asideFile,
                    rows.faults(), rows.rows());
            }
            return new Staged(tsv, rows.rows());
        }
        catch (final CappedInputStream.TooLarge ex)
        {
            cleanUp(tsv, asideFile);
            counters.refused(IngestCounters.Refusal.TOO_LARGE);
            throw new Problem(413, "click-file-too-large", "click file decompresses to more than " + maxUncompressedBytes + " bytes");
        }
        catch (final LocalOutput.Failed ex)
        {
            cleanUp(tsv, asideFile);
            throw diskFailure("cannot stage the file", ex.getCause());
        }
        catch (final Problem ex)
        {
            cleanUp(tsv, asideFile);
            throw ex;
        }
        catch (final IOException ex)
        {
            cleanUp(tsv, asideFile);
            throw corrupt("unreadable LZ4 frame: " + ex.getMessage());
        }
    }

    private static void cleanUp(final Path tsv, final Path asideFile)
    {
        ClickLoader.delete(tsv);
        ClickLoader.delete(asideFile);
    }

    /** A local failure (a full disk, say): counted, logged, answered 503 so the edge keeps the file and sends it again. */
    private Problem diskFailure(final String what, final Throwable cause)
    {
        counters.failures.incrementAndGet();
        counters.refused(IngestCounters.Refusal.UNAVAILABLE);
        LOG.error("{}: {}", what, cause.toString());
        return Problem.unavailable("disk", what + ": " + cause.getMessage(), 1);
    }

    private void enqueue(final AcceptedFile file)
    {
        pending.put(file.identity(), file.acceptedAtMs());
        pendingBytes.addAndGet(file.tsvBytes());
        loader.add(file);
    }

    private void done(final AcceptedFile file)
    {
        if (pending.remove(file.identity()) != null)
        {
            pendingBytes.addAndGet(-file.tsvBytes());
        }
        ClickLoader.delete(file.tsv());
    }

    private Problem corrupt(final String detail)
    {
        counters.refused(IngestCounters.Refusal.CORRUPT);
        LOG.warn("refused a click file: {}", detail);
        return Problem.badRequest("click-file-corrupt", detail);
    }

    /** Count a file refused before it reached {@link #accept} (at the HTTP layer). */
    void refused(final IngestCounters.Refusal why)
    {
        counters.refused(why);
    }

    /** @return files accepted and not yet counted. */
    public int pendingFiles()
    {
        return pending.size();
    }

    /** Stop loading after the batch in hand; what waits stays in the inbox for the next start. */
    @Override
    public void close()
    {
        running = false;
        Agents.stop(loading, 60_000);
    }

    /** Expose ingest's counters and backlog in {@code registry}. */
    public void register(final PrometheusRegistry registry)
    {
        counters.register(registry);
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
    }
}
