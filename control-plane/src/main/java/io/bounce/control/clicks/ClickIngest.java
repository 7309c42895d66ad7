package io.bounce.control.clicks;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

import io.bounce.admin.PrometheusText;
import io.bounce.replication.clicks.ClickFileFormat;
import net.jpountz.lz4.LZ4FrameInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes one click file from the wire into the {@link ClickStore}: {@link #stage} decompresses it (on
 * any thread) into a temporary file under {@code stagingDir}, never past {@code maxUncompressedBytes}
 * (a decompression bomb is cut off there, memory stays flat), and checks the header row;
 * {@link #commit} (on the one ingest thread) has the store read, check and count it. Any failure
 * refuses the whole file, so a file is counted whole or not at all.
 */
public final class ClickIngest
{
    private static final Logger LOG = LoggerFactory.getLogger(ClickIngest.class);

    /** Why a file was refused: the HTTP status to answer, and the detail. */
    public static final class Refused extends Exception
    {
        public final int status;

        Refused(final int status, final String message)
        {
            super(message);
            this.status = status;
        }
    }

    private final ClickStore store;
    private final long maxUncompressedBytes;
    private final UserAgents agents = new UserAgents();
    private final AtomicLong files = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong events = new AtomicLong();
    private final AtomicLong refusedCorrupt = new AtomicLong();
    private final AtomicLong refusedTooLarge = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();

    private final java.nio.file.Path stagingDir;

    public ClickIngest(final ClickStore store, final long maxUncompressedBytes, final java.nio.file.Path stagingDir) throws IOException
    {
        this.stagingDir = java.nio.file.Files.createDirectories(stagingDir);
        try (java.util.stream.Stream<java.nio.file.Path> old = java.nio.file.Files.list(this.stagingDir))
        {
            old.forEach(ClickIngest::delete);
        }
        this.store = store;
        this.maxUncompressedBytes = maxUncompressedBytes;
    }

    /**
     * Count one file.
     *
     * @return the events counted, or -1 if this file had been counted before.
     * @throws Refused for a file that is corrupt (400) or too large once decompressed (413).
     */
    public long ingest(final String edge, final long sequence, final byte[] body) throws Refused, java.sql.SQLException
    {
        return commit(stage(edge, sequence, body));
    }

    /** A click file decompressed to a temporary TSV on disk (its header checked): ready for DuckDB. */
    public static final class Staged
    {
        final String edge;
        final long sequence;
        final java.nio.file.Path tsv;

        Staged(final String edge, final long sequence, final java.nio.file.Path tsv)
        {
            this.edge = edge;
            this.sequence = sequence;
            this.tsv = tsv;
        }
    }

    /**
     * Decompress (capped) into a temporary file and check the header row: on any thread. What the rows
     * hold is DuckDB's to read and check, at commit.
     */
    public Staged stage(final String edge, final long sequence, final byte[] body) throws Refused
    {
        final java.nio.file.Path tsv;
        try
        {
            tsv = java.nio.file.Files.createTempFile(stagingDir, "click-", ".tsv");
        }
        catch (final IOException ex)
        {
            throw new Refused(503, "cannot stage the file: " + ex.getMessage());
        }
        try (InputStream in = new Capped(new LZ4FrameInputStream(new ByteArrayInputStream(body)), maxUncompressedBytes);
            java.io.OutputStream out = java.nio.file.Files.newOutputStream(tsv))
        {
            final byte[] header = in.readNBytes(ClickFileFormat.HEADER.length());
            if (!new String(header, StandardCharsets.US_ASCII).equals(ClickFileFormat.HEADER))
            {
                throw corrupt("the first row is not the click-file header");
            }
            out.write(header);
            in.transferTo(out);
        }
        catch (final Capped.TooLarge ex)
        {
            delete(tsv);
            refusedTooLarge.incrementAndGet();
            throw new Refused(413, "click file decompresses to more than " + maxUncompressedBytes + " bytes");
        }
        catch (final Refused ex)
        {
            delete(tsv);
            throw ex;
        }
        catch (final IOException ex)
        {
            delete(tsv);
            throw corrupt("unreadable LZ4 frame: " + ex.getMessage());
        }
        return new Staged(edge, sequence, tsv);
    }

    /** Count a staged file: on the one ingest thread. @return the events counted, or -1 for a file counted before. */
    public long commit(final Staged staged) throws Refused, java.sql.SQLException
    {
        try
        {
            final long n = store.ingestTsv(staged.edge, staged.sequence, staged.tsv, agents);
            if (n < 0)
            {
                duplicates.incrementAndGet();
            }
            else
            {
                files.incrementAndGet();
                events.addAndGet(n);
            }
            return n;
        }
        catch (final ClickStore.CorruptFile ex)
        {
            throw corrupt(ex.getMessage());
        }
        catch (final java.sql.SQLException ex)
        {
            failures.incrementAndGet();
            throw ex;
        }
        finally
        {
            delete(staged.tsv);
        }
    }

    private static void delete(final java.nio.file.Path file)
    {
        try
        {
            java.nio.file.Files.deleteIfExists(file);
        }
        catch (final IOException ignored)
        {
            // a temp file left behind is cleared at the next start
        }
    }

    private Refused corrupt(final String detail)
    {
        refusedCorrupt.incrementAndGet();
        LOG.warn("refused a click file: {}", detail);
        return new Refused(400, detail);
    }

    public void scrape(final StringBuilder out)
    {
        PrometheusText.counter(out, "bounce_aggregator_files_total", "Click files counted.", files.get());
        PrometheusText.counter(out, "bounce_aggregator_duplicate_files_total", "Click files sent again and not counted again.",
            duplicates.get());
        PrometheusText.counter(out, "bounce_aggregator_events_total", "Click events counted.", events.get());
        out.append("# HELP bounce_aggregator_refused_files_total Click files refused, by reason.\n")
            .append("# TYPE bounce_aggregator_refused_files_total counter\n")
            .append("bounce_aggregator_refused_files_total{reason=\"corrupt\"} ").append(refusedCorrupt.get()).append('\n')
            .append("bounce_aggregator_refused_files_total{reason=\"too_large\"} ").append(refusedTooLarge.get()).append('\n');
        PrometheusText.counter(out, "bounce_aggregator_ingest_errors_total", "Ingests that failed in the store (retried by the edge).",
            failures.get());
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
