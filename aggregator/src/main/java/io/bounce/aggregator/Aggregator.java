package io.bounce.aggregator;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import io.netty.channel.ChannelHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.bounce.runtime.agent.Agents;
import org.agrona.CloseHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The aggregator's working parts, wherever it runs: the {@link ClickStore}, the {@link ClickIngest} that
 * feeds it, and the threads that take files in. The control plane embeds one (its API port then serves
 * the ingest path); {@link AggregatorNode} runs one as a process of its own, with a port of its own.
 */
public final class Aggregator implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(Aggregator.class);

    private final ClickStore store;
    private final ClickIngest ingest;
    private final ExecutorService acceptPool;
    private final String clickToken;
    private final long maxFileBytes;
    private boolean closed;

    private Aggregator(final ClickStore store, final ClickIngest ingest, final ExecutorService acceptPool, final String clickToken,
        final long maxFileBytes)
    {
        this.store = store;
        this.ingest = ingest;
        this.acceptPool = acceptPool;
        this.clickToken = clickToken;
        this.maxFileBytes = maxFileBytes;
    }

    /**
     * Open the store under {@code dataDir} ({@value ClickStore#FILE}, {@code click-ingest/}), count what
     * a previous run accepted and had not counted yet, and start taking files.
     *
     * @param clickToken the token edges must present.
     * @param agents     runs the loader that counts accepted files.
     */
    public static Aggregator start(final Path dataDir, final ClickIngestOptions options, final String clickToken, final Agents agents)
        throws IOException, SQLException
    {
        ClickStore store = null;
        ClickIngest ingest = null;
        // Decompressing, checking and keeping click files runs here, in parallel; counting them is ClickIngest's loader.
        final ExecutorService acceptPool = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()), r ->
        {
            final Thread thread = new Thread(r, "click-accept");
            thread.setDaemon(true);
            return thread;
        });
        try
        {
            store = new ClickStore(dataDir);
            ingest = new ClickIngest(store, dataDir.resolve("click-ingest"), options.maxClickFileUncompressedBytes(),
                options.maxClickPendingBytes(), options.maxClickBatchBytes(), agents);
            ingest.start();
            return new Aggregator(store, ingest, acceptPool, clickToken, options.maxClickFileBytes());
        }
        catch (final IOException | SQLException | RuntimeException ex)
        {
            acceptPool.shutdownNow();
            CloseHelper.quietCloseAll(ingest, store);
            throw ex;
        }
    }

    /** A handler for one connection's ingest requests ({@code PUT /ingest/v1/clicks/…}); it passes every other request on. */
    public ChannelHandler newIngestHandler()
    {
        return new IngestHandler(ingest, acceptPool, clickToken, maxFileBytes);
    }

    /** Where reports come from: the store itself. */
    public ClickAnalytics analytics()
    {
        return store;
    }

    public ClickStore store()
    {
        return store;
    }

    /** @return click files accepted and not yet counted. */
    public int pendingFiles()
    {
        return ingest.pendingFiles();
    }

    /** Expose the aggregator's metrics in {@code registry}. */
    public void register(final PrometheusRegistry registry)
    {
        ingest.register(registry);
    }

    /**
     * Stop taking files, let those being accepted finish (30 s at most), count the batch in hand and
     * close the store; files still waiting are counted after the next start. Idempotent.
     */
    @Override
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        acceptPool.shutdown();
        try
        {
            if (!acceptPool.awaitTermination(30, TimeUnit.SECONDS))
            {
                LOG.warn("click files still being accepted after 30 s; their senders will send them again");
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        CloseHelper.closeAll(ingest, store);
    }
}
