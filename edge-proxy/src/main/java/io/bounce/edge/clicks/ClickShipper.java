package io.bounce.edge.clicks;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import javax.net.ssl.SSLContext;

import io.bounce.runtime.agent.Backoff;
import org.agrona.concurrent.Agent;
import io.bounce.replication.clicks.ClickFileFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ships finished click files, oldest first, to the aggregator: {@code PUT} with the token; a 2xx means
 * the aggregator has it durably, and only then is the file deleted. A 400 means the aggregator found
 * it corrupt (413: too large to ever take): the file moves to {@code quarantine/} and is counted, never deleted. Anything else
 * (refused connection, 5xx, timeout) is retried with exponential backoff and jitter, forever. One
 * thread.
 */
final class ClickShipper implements Agent
{
    private static final Logger LOG = LoggerFactory.getLogger(ClickShipper.class);

    private final String edgeId;
    private final Path outbox;
    private final Path quarantine;
    private final URI aggregator;
    private final String token;
    private final AtomicLong pendingBytes;
    private final ClickStats stats;
    private final HttpClient http;
    private volatile long oldestPendingMs;
    private volatile int pendingFiles;
    private final Backoff backoff;

    ClickShipper(final String edgeId, final Path clicksDir, final URI aggregator, final String token, final long backoffMaxMs,
        final AtomicLong pendingBytes, final ClickStats stats, final SSLContext trust) throws IOException
    {
        final HttpClient.Builder client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5));
        if (trust != null)
        {
            client.sslContext(trust); // an https:// aggregator signed by --control-plane-ca
        }
        this.http = client.build();
        this.edgeId = edgeId;
        this.outbox = Files.createDirectories(clicksDir.resolve("outbox"));
        this.quarantine = Files.createDirectories(clicksDir.resolve("quarantine"));
        this.aggregator = aggregator;
        this.token = token;
        this.backoff = new Backoff(100, backoffMaxMs);
        this.pendingBytes = pendingBytes;
        this.stats = stats;
        long bytes = 0;
        for (final Path file : pending())
        {
            bytes += Files.size(file);
        }
        pendingBytes.set(bytes);
    }

    @Override
    public String roleName()
    {
        return "click-shipper";
    }

    /** Ship what the outbox holds, unless a failure's backoff is not over yet. */
    @Override
    public int doWork()
    {
        if (!backoff.isDue(System.currentTimeMillis()))
        {
            return 0;
        }
        final long shippedBefore = stats.shipped.get();
        if (!shipAll(Long.MAX_VALUE))
        {
            backoff.failed(System.currentTimeMillis());
        }
        return (int)(stats.shipped.get() - shippedBefore);
    }

    /**
     * Ship what is in the outbox, oldest first, until it is empty or {@code deadlineNs} passes.
     *
     * @return false if a file could not be shipped (the caller backs off).
     */
    boolean shipAll(final long deadlineNs)
    {
        final List<Path> files;
        try
        {
            files = pending();
        }
        catch (final IOException ex)
        {
            LOG.warn("cannot list the click outbox {}", outbox, ex);
            return false;
        }
        pendingFiles = files.size();
        oldestPendingMs = files.isEmpty() ? 0 : lastModified(files.get(0));
        for (final Path file : files)
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                return false;
            }
            if (!ship(file))
            {
                return false;
            }
            pendingFiles--;
        }
        oldestPendingMs = 0;
        return true;
    }

    private boolean ship(final Path file)
    {
        final long sequence = ClickFileFormat.sequenceOf(file.getFileName().toString(), edgeId);
        try
        {
            final long size = Files.size(file);
            final HttpRequest request = HttpRequest.newBuilder(aggregator.resolve(
                    ClickFileFormat.INGEST_PATH.substring(1) + edgeId + "/" + sequence))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/vnd.bounce.clicks+lz4")
                .timeout(Duration.ofSeconds(60))
                .PUT(HttpRequest.BodyPublishers.ofFile(file))
                .build();
            final HttpResponse<String> response;
            try
            {
                response = http.send(request, HttpResponse.BodyHandlers.ofString());
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt(); // stopping: the file stays for the next attempt
                return false;
            }
            final int status = response.statusCode();
            if (status / 100 == 2)
            {
                Files.delete(file);
                pendingBytes.addAndGet(-size);
                stats.shipped.incrementAndGet();
                backoff.reset();
                return true;
            }
            if (status == 400 || status == 413)
            {
                Files.move(file, quarantine.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                pendingBytes.addAndGet(-size);
                stats.quarantined.incrementAndGet();
                LOG.error("aggregator refused click file {} as corrupt; moved to {}: {}", file.getFileName(), quarantine,
                    response.body());
                return true;
            }
            stats.shipFailures.incrementAndGet();
            LOG.warn("aggregator answered {} for click file {}; will retry", status, file.getFileName());
            return false;
        }
        catch (final IOException ex)
        {
            stats.shipFailures.incrementAndGet();
            if (backoff.isClear())
            {
                LOG.warn("cannot ship click file {} to {}: {}; will retry", file.getFileName(), aggregator, ex.toString());
            }
            return false;
        }
    }

    private List<Path> pending() throws IOException
    {
        final List<Path> files = new ArrayList<>();
        try (Stream<Path> list = Files.list(outbox))
        {
            list.filter(p -> ClickFileFormat.sequenceOf(p.getFileName().toString(), edgeId) >= 0).forEach(files::add);
        }
        files.sort((a, b) -> Long.compare(ClickFileFormat.sequenceOf(a.getFileName().toString(), edgeId),
            ClickFileFormat.sequenceOf(b.getFileName().toString(), edgeId)));
        return files;
    }

    private static long lastModified(final Path file)
    {
        try
        {
            return Files.getLastModifiedTime(file).toMillis();
        }
        catch (final IOException ex)
        {
            return 0;
        }
    }

    int pendingFiles()
    {
        return pendingFiles;
    }

    long oldestPendingMs()
    {
        return oldestPendingMs;
    }


}
