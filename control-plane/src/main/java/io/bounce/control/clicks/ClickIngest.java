package io.bounce.control.clicks;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import io.bounce.admin.PrometheusText;
import io.bounce.replication.clicks.ClickFileFormat;
import net.jpountz.lz4.LZ4FrameInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads, checks and enriches one click file and counts it in the {@link ClickStore}. Runs on the one
 * ingest thread. Bounds: the decompressed text may not exceed {@code maxUncompressedBytes} (a
 * decompression bomb is cut off there, memory stays flat); every row must have every column and a
 * numeric time and status; any failure refuses the whole file, so a file is counted whole or not at all.
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
    /** Referrer URL → host, cached like user agents: a link's referrers repeat. Shared by the parse threads. */
    private final java.util.Map<String, String> referrerHosts = new java.util.concurrent.ConcurrentHashMap<>();
    private final AtomicLong files = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong events = new AtomicLong();
    private final AtomicLong refusedCorrupt = new AtomicLong();
    private final AtomicLong refusedTooLarge = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();

    public ClickIngest(final ClickStore store, final long maxUncompressedBytes)
    {
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
        return commit(parse(edge, sequence, body));
    }

    /** A file read, checked, enriched and rolled up: ready to commit. */
    public static final class Parsed
    {
        final String edge;
        final long sequence;
        final List<ClickStore.Event> rows;
        final ClickStore.Rollup rollup;

        Parsed(final String edge, final long sequence, final List<ClickStore.Event> rows)
        {
            this.edge = edge;
            this.sequence = sequence;
            this.rows = rows;
            this.rollup = ClickStore.aggregate(rows);
        }
    }

    /**
     * The part of ingest that needs no store: decompress (capped), check every row, enrich, roll up.
     * Safe on any thread, so files from several edges are read in parallel; only commits are serial.
     */
    public Parsed parse(final String edge, final long sequence, final byte[] body) throws Refused
    {
        final List<ClickStore.Event> rows = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(
            new Capped(new LZ4FrameInputStream(new ByteArrayInputStream(body)), maxUncompressedBytes), StandardCharsets.UTF_8)))
        {
            final String header = reader.readLine();
            if (header == null || !(header + "\n").equals(ClickFileFormat.HEADER))
            {
                throw corrupt("the first row is not the click-file header");
            }
            String line;
            int number = 1;
            while ((line = reader.readLine()) != null)
            {
                number++;
                rows.add(parse(line, number, edge));
            }
        }
        catch (final Capped.TooLarge ex)
        {
            refusedTooLarge.incrementAndGet();
            throw new Refused(413, "click file decompresses to more than " + maxUncompressedBytes + " bytes");
        }
        catch (final IOException ex)
        {
            throw corrupt("unreadable LZ4 frame: " + ex.getMessage());
        }
        return new Parsed(edge, sequence, rows);
    }

    /**
     * Count a parsed file in the store: on the one ingest thread.
     *
     * @return the events counted, or -1 if this file had been counted before.
     */
    public long commit(final Parsed parsed) throws java.sql.SQLException
    {
        final List<ClickStore.Event> rows = parsed.rows;
        try
        {
            if (!store.ingest(parsed.edge, parsed.sequence, rows, parsed.rollup))
            {
                duplicates.incrementAndGet();
                return -1;
            }
        }
        catch (final java.sql.SQLException ex)
        {
            failures.incrementAndGet();
            throw ex;
        }
        files.incrementAndGet();
        events.addAndGet(rows.size());
        return rows.size();
    }

    private ClickStore.Event parse(final String line, final int number, final String edge) throws Refused
    {
        final String[] f = ClickFileFormat.split(line);
        if (f == null)
        {
            throw corrupt("row " + number + " does not have the " + ClickFileFormat.COLUMNS.size() + " columns");
        }
        final long timeMs;
        final int status;
        try
        {
            timeMs = Long.parseLong(f[0]);
            status = Integer.parseInt(f[4]);
        }
        catch (final NumberFormatException ex)
        {
            throw corrupt("row " + number + ": time_ms and status must be numbers");
        }
        if (!f[1].equals(edge))
        {
            throw corrupt("row " + number + " names edge " + f[1] + ", the file is " + edge + "'s");
        }
        final boolean head = f[5].equals("HEAD");
        final UserAgents.Agent agent = agents.parse(f[8]);
        String host = referrerHosts.get(f[9]);
        if (host == null)
        {
            if (referrerHosts.size() >= 50_000)
            {
                referrerHosts.clear();
            }
            host = ClickStore.referrerHost(f[9]);
            referrerHosts.put(f[9], host);
        }
        return new ClickStore.Event(timeMs, f[1], f[2], f[3], status, head, f[6], f[7], host,
            agent.browser(), agent.os(), head ? "bot" : agent.device(), head || agent.bot());
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
