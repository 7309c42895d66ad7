package io.bounce.aggregator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

import io.bounce.runtime.agent.Backoff;
import org.agrona.concurrent.Agent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent that counts accepted click files ({@code click-loader}): it takes every file waiting, up to
 * {@code maxBatchBytes} of rows, and has the {@link ClickStore} count them in one transaction with their
 * identities; then each is done (its staged rows deleted, its inbox file deleted). Counting in batches
 * is what makes ingest fast: one file per transaction ran at 250–290k events/s, batches of 10 at over
 * 550k (bench/README.md).
 *
 * <p>A batch the store refuses as corrupt is split and its files counted one by one, so one bad file
 * holds back no other; a file refused alone (the row checks should make that impossible) moves to
 * {@code rejected/}, counted, never deleted. A store failure (a full disk) keeps the batch in hand and
 * tries it again with backoff, counted; the files wait in the inbox meanwhile.
 */
final class ClickLoader implements Agent
{
    private static final Logger LOG = LoggerFactory.getLogger(ClickLoader.class);

    private final ClickStore store;
    private final long maxBatchBytes;
    private final Path rejected;
    private final IngestCounters counters;
    private final Consumer<AcceptedFile> done;
    private final UserAgents userAgents = new UserAgents();
    private final Queue<AcceptedFile> queue = new ConcurrentLinkedQueue<>();
    /** Files of a batch the store refused as corrupt, counted one at a time to find the bad one. */
    private final Queue<AcceptedFile> alone = new ArrayDeque<>();
    private final List<AcceptedFile> batch = new ArrayList<>();
    private final Backoff backoff = new Backoff(100, 10_000);

    /**
     * @param rejected where a file the store refuses alone is kept for a person.
     * @param done     told of each file counted (or rejected), so its staged rows and its place in the backlog go.
     */
    ClickLoader(final ClickStore store, final long maxBatchBytes, final Path rejected, final IngestCounters counters,
        final Consumer<AcceptedFile> done)
    {
        this.store = store;
        this.maxBatchBytes = maxBatchBytes;
        this.rejected = rejected;
        this.counters = counters;
        this.done = done;
    }

    /** Queue an accepted file to be counted: any thread. */
    void add(final AcceptedFile file)
    {
        queue.add(file);
    }

    @Override
    public String roleName()
    {
        return "click-loader";
    }

    @Override
    public int doWork()
    {
        if (!backoff.isDue(System.currentTimeMillis()))
        {
            return 0;
        }
        if (batch.isEmpty())
        {
            fill();
            if (batch.isEmpty())
            {
                return 0;
            }
        }
        final int size = batch.size();
        try
        {
            count();
            batch.clear();
            backoff.reset();
            return size;
        }
        catch (final SQLException | RuntimeException ex)
        {
            counters.failures.incrementAndGet();
            final long delayMs = backoff.failed(System.currentTimeMillis());
            LOG.error("counting {} click files failed; retrying in {} ms: {}", size, delayMs, ex.toString());
            return 0;
        }
    }

    /** The next batch: a file of a split batch alone, else every file waiting up to the byte budget (one at least). */
    private void fill()
    {
        if (!alone.isEmpty())
        {
            batch.add(alone.poll());
            return;
        }
        long bytes = 0;
        for (AcceptedFile next; (next = queue.peek()) != null && (batch.isEmpty() || bytes + next.tsvBytes() <= maxBatchBytes); )
        {
            batch.add(queue.poll());
            bytes += next.tsvBytes();
        }
    }

    private void count() throws SQLException
    {
        final List<ClickStore.Batched> rows = new ArrayList<>(batch.size());
        for (final AcceptedFile file : batch)
        {
            rows.add(new ClickStore.Batched(file.identity().edge(), file.identity().sequence(), file.tsv(), file.rows()));
        }
        final long[] counted;
        try
        {
            counted = store.ingestBatch(rows, userAgents);
        }
        catch (final ClickStore.CorruptFile ex)
        {
            if (batch.size() > 1)
            {
                alone.addAll(batch); // find the bad one; the others count
            }
            else
            {
                final AcceptedFile file = batch.get(0);
                reject(file.inboxFile(), ex.getMessage());
                done.accept(file);
            }
            return;
        }
        counters.batches.incrementAndGet();
        for (int i = 0; i < batch.size(); i++)
        {
            if (counted[i] < 0)
            {
                counters.duplicates.incrementAndGet();
            }
            else
            {
                counters.files.incrementAndGet();
                counters.events.addAndGet(counted[i]);
            }
            done.accept(batch.get(i));
            delete(batch.get(i).inboxFile());
        }
    }

    /** A file accepted earlier that cannot be counted: kept aside for a person, never deleted. */
    void reject(final Path file, final String why)
    {
        counters.rejectedAtLoad.incrementAndGet();
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

    static void delete(final Path file)
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
}
