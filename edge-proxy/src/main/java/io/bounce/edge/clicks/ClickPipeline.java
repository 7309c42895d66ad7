package io.bounce.edge.clicks;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import io.bounce.runtime.admin.Metrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.agrona.concurrent.EpochClock;

/**
 * The edge's click path, put together: the {@link ClickRecorder} the event loops write to, the
 * {@link ClickFileWriter} thread, and the {@link ClickShipper} thread. Closing it drains the ring,
 * finishes the open file, and gives the shipper {@code shipDeadlineMs} to send what is left; what it
 * cannot send ships after the next start.
 */
public final class ClickPipeline implements AutoCloseable
{
    /** Everything the pipeline needs to know. */
    public record Settings(
        String edgeId, Path clicksDir, URI aggregator, String token, byte[] visitorSecret, List<String> trustedProxies,
        int ringBytes, long rotateMs, long rotateBytes, long diskBudgetBytes, long shipDeadlineMs)
    {
    }

    private final Settings settings;
    private final ClickRecorder recorder;
    private final ClickFileWriter writer;
    private final ClickShipper shipper;
    private final Thread writerThread;
    private final Thread shipperThread;
    private final ClickStats stats = new ClickStats();
    private final AtomicLong pendingBytes = new AtomicLong();
    private final EpochClock clock;
    private boolean closed;

    public ClickPipeline(final Settings settings, final EpochClock clock) throws IOException
    {
        this.settings = settings;
        this.clock = clock;
        this.recorder = new ClickRecorder(settings.ringBytes());
        this.shipper = new ClickShipper(settings.edgeId(), settings.clicksDir(), settings.aggregator(), settings.token(), 30_000,
            pendingBytes, stats);
        this.writer = new ClickFileWriter(recorder, settings.edgeId(), settings.clicksDir(), clock, settings.rotateMs(),
            settings.rotateBytes(), settings.diskBudgetBytes(), new VisitorHasher(settings.visitorSecret()),
            new TrustedProxies(settings.trustedProxies()), pendingBytes, stats);
        this.writerThread = new Thread(writer, "click-writer");
        this.shipperThread = new Thread(shipper, "click-shipper");
        writerThread.setDaemon(true);
        shipperThread.setDaemon(true);
        writerThread.start();
        shipperThread.start();
    }

    public ClickRecorder recorder()
    {
        return recorder;
    }

    /** Expose the click path's counters in {@code registry}. */
    public void register(final PrometheusRegistry registry)
    {
        Metrics.counter(registry, "bounce_clicks_recorded_total", "Events the event loops put in the ring.", recorder::recorded);
        Metrics.counter(registry, "bounce_clicks_written_total", "Events written to click files.", stats.written::get);
        Metrics.counters(registry, "bounce_clicks_dropped_total", "Events dropped, by reason.", "reason",
            new String[] {"ring_full", "disk_budget"}, reason -> reason,
            reason -> reason.equals("ring_full") ? recorder.droppedRingFull() : stats.droppedDiskBudget.get());
        Metrics.counter(registry, "bounce_clicks_files_total", "Click files finished.", stats.files::get);
        Metrics.counter(registry, "bounce_clicks_files_shipped_total", "Click files the aggregator took.", stats.shipped::get);
        Metrics.counter(registry, "bounce_clicks_ship_failures_total", "Failed attempts to ship a click file.", stats.shipFailures::get);
        Metrics.counter(registry, "bounce_clicks_files_quarantined_total", "Click files refused as corrupt, kept in quarantine/.",
            stats.quarantined::get);
        Metrics.gauge(registry, "bounce_clicks_files_pending", "Finished click files not yet shipped.", shipper::pendingFiles);
        Metrics.gauge(registry, "bounce_clicks_bytes_pending", "Bytes of finished click files not yet shipped.", pendingBytes::get);
        Metrics.gauge(registry, "bounce_clicks_disk_budget_bytes", "Most bytes of unshipped files before events are dropped.",
            settings::diskBudgetBytes);
        Metrics.gauge(registry, "bounce_clicks_oldest_unshipped_age_seconds", "Age of the oldest unshipped click file.", () ->
        {
            final long oldest = shipper.oldestPendingMs();
            return oldest == 0 ? 0 : Math.max(0, clock.time() - oldest) / 1000.0;
        });
        Metrics.gauge(registry, "bounce_clicks_writer_up", "1 while the click writer runs.", () -> stats.writerFailed ? 0 : 1);
    }

    /** Drain, finish the file, ship what can be shipped before the deadline. Idempotent. */
    @Override
    public synchronized void close() throws InterruptedException
    {
        if (closed)
        {
            return;
        }
        closed = true;
        writer.stop(writerThread, 30_000);
        shipper.stop();
        shipperThread.interrupt();
        shipperThread.join(5_000);
        shipper.shipAll(System.nanoTime() + settings.shipDeadlineMs() * 1_000_000L);
    }
}
