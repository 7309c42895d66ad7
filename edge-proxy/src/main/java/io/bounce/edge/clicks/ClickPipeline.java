package io.bounce.edge.clicks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

import io.bounce.edge.EdgeConfig;
import io.bounce.runtime.admin.Metrics;
import io.bounce.runtime.agent.Agents;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.EpochClock;

/**
 * The edge's click path, put together: the {@link ClickRecorder} the event loops write to, the
 * {@link ClickFileWriter} thread, and the {@link ClickShipper} thread. Closing it drains the ring,
 * finishes the open file, and gives the shipper {@code shipDeadlineMs} to send what is left; what it
 * cannot send ships after the next start.
 */
public final class ClickPipeline implements AutoCloseable
{
    private final EdgeConfig config;
    private final ClickRecorder recorder;
    private final ClickFileWriter writer;
    private final ClickShipper shipper;
    private final AgentRunner writing;
    private final AgentRunner shipping;
    private final ClickStats stats = new ClickStats();
    private final AtomicLong pendingBytes = new AtomicLong();
    private final EpochClock clock;
    private boolean closed;

    /**
     * @param config the edge id, the aggregator and its token (also the fleet secret visitor ids are keyed
     *               with), trusted proxies, and the ring, rotation, disk budget and shipping deadline.
     * @param geoIp  countries from {@code --geoip-db}, or null (the node owns it).
     */
    public ClickPipeline(final EdgeConfig config, final EpochClock clock, final Agents agents, final io.bounce.edge.geo.GeoIp geoIp)
        throws IOException
    {
        this.config = config;
        this.clock = clock;
        final Path clicksDir = config.dataDir().resolve("clicks");
        this.recorder = new ClickRecorder(config.clicks().ringBytes());
        this.shipper = new ClickShipper(config.edgeId(), clicksDir, config.clicks().aggregator(), config.clicks().clickToken(), 30_000, pendingBytes, stats,
            config.controlPlaneTrust());
        this.writer = new ClickFileWriter(config, recorder, clicksDir, clock,
            new VisitorHasher(config.clicks().clickToken().getBytes(StandardCharsets.UTF_8)), pendingBytes, stats, geoIp);
        this.writing = agents.start(writer, Agents.sleeping(1));
        this.shipping = agents.start(shipper, Agents.sleeping(100));
    }

    public ClickRecorder recorder()
    {
        return recorder;
    }

    /** Expose the click path's counters in {@code registry}. */
    public void register(final PrometheusRegistry registry)
    {
        Metrics.counter(registry, "bounce_clicks_recorded_total", "Events the event loops put in the ring.", recorder::recorded);
        Metrics.counter(registry, "bounce_clicks_written_total",
            "Events in finished click files (fsynced, to ship). Once the ring is drained: recorded = written + dropped.",
            stats.written::get);
        Metrics.counter(registry, "bounce_clicks_salvaged_total", "Rows a previous run left in an unfinished file (a crash), recovered at start.",
            stats.salvaged::get);
        Metrics.counters(registry, "bounce_clicks_dropped_total", "Events dropped, by reason.", "reason",
            new String[] {"ring_full", "disk_budget", "write_error"}, reason -> reason, reason -> reason.equals("ring_full")
                ? recorder.droppedRingFull() : reason.equals("disk_budget") ? stats.droppedDiskBudget.get() : stats.droppedWriteError.get());
        Metrics.counter(registry, "bounce_clicks_files_total", "Click files finished.", stats.files::get);
        Metrics.counter(registry, "bounce_clicks_files_shipped_total", "Click files the aggregator took.", stats.shipped::get);
        Metrics.counter(registry, "bounce_clicks_ship_failures_total", "Failed attempts to ship a click file.", stats.shipFailures::get);
        Metrics.counter(registry, "bounce_clicks_files_quarantined_total", "Click files refused as corrupt, kept in quarantine/.",
            stats.quarantined::get);
        Metrics.gauge(registry, "bounce_clicks_files_pending", "Finished click files not yet shipped.", shipper::pendingFiles);
        Metrics.gauge(registry, "bounce_clicks_bytes_pending", "Bytes of finished click files not yet shipped.", pendingBytes::get);
        Metrics.gauge(registry, "bounce_clicks_disk_budget_bytes", "Most bytes of unshipped files before events are dropped.",
            config.clicks()::diskBudgetBytes);
        Metrics.gauge(registry, "bounce_clicks_oldest_unshipped_age_seconds", "Age of the oldest unshipped click file.", () ->
        {
            final long oldest = shipper.oldestPendingMs();
            return oldest == 0 ? 0 : Math.max(0, clock.time() - oldest) / 1000.0;
        });
        Metrics.gauge(registry, "bounce_clicks_writer_up", "1 while the click writer writes; 0 while a write failure's backoff runs.",
            () -> writer.isFailing() ? 0 : 1);
        Metrics.counter(registry, "bounce_clicks_write_errors_total", "Failed writes of a click file (the writer backs off and salvages).",
            stats.writeErrors::get);
    }

    /** Drain, finish the file, ship what can be shipped before the deadline. Idempotent. */
    @Override
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        recorder.stopAccepting();
        Agents.stop(writing, 30_000); // its close drains the ring and finishes the file
        Agents.stop(shipping, 5_000);
        shipper.shipAll(System.nanoTime() + config.clicks().shipDeadlineMs() * 1_000_000L);
    }
}
