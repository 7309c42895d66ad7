package io.bounce.control.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;

import io.bounce.runtime.admin.Metrics;
import io.bounce.runtime.agent.Agents;
import io.bounce.runtime.http.Problem;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.agrona.CloseHelper;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.EpochClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only writer of the store. Write requests queue here; one thread takes every request waiting (up
 * to {@code maxBatch}), runs them in one transaction, commits once (one fsync for the whole batch:
 * group commit) and only then completes their futures, so an answer is never sent for a change that
 * is not durable. Futures complete on the {@code completions} executor, so whatever the caller chains
 * on them (rendering JSON, say) never runs on, and never slows, the writer thread.
 *
 * <p>No savepoints: an operation may refuse (throw a {@link Problem}) only before it has
 * written anything, so a refusal needs no undo. Any other failure rolls the whole batch back and its
 * operations are run again one transaction each, so one broken write cannot take the others down
 * (why not savepoints: control-plane/README.md).
 *
 * <p>Change-log sequences are handed out here and nowhere else, so they are dense and increasing: a
 * rolled-back batch or operation gives its numbers back. Every transaction first fences on the writer's lease
 * ({@link Leadership}): while another control plane leads, writes are answered 503 {@code not-leader}, and the first
 * transaction under a new fencing token reads the log's head afresh, after whatever the previous leader committed.
 */
public final class GroupCommitter implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(GroupCommitter.class);

    /**
     * One write request: runs on the writer thread inside the batch's transaction. It may throw a
     * {@link Problem} only before its first write.
     */
    @FunctionalInterface
    public interface Op<T>
    {
        T apply(WriteTxn txn) throws Exception;
    }

    /** Told the new change-log head and its commit time after every commit that appended to it, on the writer thread. */
    @FunctionalInterface
    public interface CommitListener
    {
        void committed(long head, long committedAtMs);
    }

    private final Database database;
    private final Leadership leadership;
    /** The fencing token the writer last wrote under: a new one means another leader may have written since. */
    private long writingUnder;
    /** The writer's connection: replaced after a failure that may have left it broken. Writer thread only. */
    private Connection connection;
    private final EpochClock clock;
    private final int maxBatch;
    private final BlockingQueue<PendingWrite<?>> queue;
    private final List<PendingWrite<?>> batch;
    private final AgentRunner runner;
    private final AtomicLong head = new AtomicLong();
    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong committedOps = new AtomicLong();
    private final CommitListener onCommit;
    private volatile long headCommittedAtMs;
    private final Executor completions;
    private long nextSeq;
    /** The clock reading of the last transaction that committed (the writer thread's own). */
    private long lastCommitTime;
    private volatile boolean running = true;
    private final StoreTrouble trouble;

    /**
     * @param completions where the futures of committed writes complete (never this writer's thread).
     * @param onCommit    told the new change-log head after each commit that appended to it.
     * @param agents      runs the writer's agent.
     */
    public GroupCommitter(final Database database, final Leadership leadership, final EpochClock clock, final int maxBatch,
        final Executor completions, final CommitListener onCommit, final Agents agents) throws SQLException
    {
        this.completions = completions;
        this.database = database;
        this.leadership = leadership;
        this.trouble = new StoreTrouble(database.postgres() ? null : database.file(), clock);
        this.connection = database.openWriter();
        leadership.configureWriter(connection);
        this.clock = clock;
        this.maxBatch = maxBatch;
        this.queue = new ArrayBlockingQueue<>(Math.max(1024, maxBatch * 4));
        this.onCommit = onCommit;
        this.nextSeq = Queries.changeLogHead(connection) + 1;
        this.headCommittedAtMs = Queries.changeCommittedAt(connection, nextSeq - 1);
        connection.commit();
        head.set(nextSeq - 1);
        batch = new ArrayList<>(maxBatch);
        runner = agents.start(new Writer(), Agents.backoff());
    }

    /** The writer's connection, for the transaction in hand (writer thread). */
    Connection connection()
    {
        return connection;
    }

    /** @return the sequence the next change gets (writer thread). */
    long nextSequence()
    {
        return nextSeq;
    }

    /** The change numbered {@link #nextSequence()} was appended (writer thread). */
    void appended()
    {
        nextSeq++;
    }

    /** Queue a write. The future completes after the transaction that ran it has committed. */
    public <T> CompletableFuture<T> submit(final Op<T> op)
    {
        final PendingWrite<T> pending = new PendingWrite<>(op);
        if (!running)
        {
            pending.future.completeExceptionally(new IllegalStateException("the store is closing"));
            return pending.future;
        }
        try
        {
            queue.put(pending);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            pending.future.completeExceptionally(ex);
        }
        return pending.future;
    }

    /** Run a write and wait for it to commit. */
    public <T> T call(final Op<T> op) throws Exception
    {
        try
        {
            return submit(op).get();
        }
        catch (final java.util.concurrent.ExecutionException ex)
        {
            if (ex.getCause() instanceof Exception)
            {
                throw (Exception)ex.getCause();
            }
            throw ex;
        }
    }

    /** @return true until {@link #close()}: the writer thread is taking writes. */
    public boolean isRunning()
    {
        return running && !runner.isClosed();
    }

    /** @return true while the writer runs and the store can write: what the control plane's {@code /readyz} reports. */
    public boolean isReady()
    {
        return isRunning() && trouble.cause() == null;
    }

    /** The log's head as the lease thread read it while another control plane writes (the log this one serves): only forward. */
    void observed(final long newHead, final long committedAtMs)
    {
        if (newHead > head.get())
        {
            headCommittedAtMs = committedAtMs;
            head.set(newHead);
            onCommit.committed(newHead, committedAtMs);
        }
    }

    /** @return the last committed change-log sequence. */
    public long head()
    {
        return head.get();
    }

    /** @return when the last committed change committed (epoch ms), 0 for an empty log. */
    public long headCommittedAtMs()
    {
        return headCommittedAtMs;
    }

    /** Expose the writer's figures in {@code registry}. */
    public void register(final PrometheusRegistry registry)
    {
        Metrics.gauge(registry, "bounce_changelog_head_sequence", "Last committed change-log sequence.", head::get);
        Metrics.counter(registry, "bounce_store_commits_total", "Transactions committed (one fsync each).", commits::get);
        Metrics.counter(registry, "bounce_store_committed_writes_total",
            "Write requests committed (writes / commits = group-commit batch).", committedOps::get);
        trouble.register(registry);
    }

    /**
     * The writer's duty cycle: take every write waiting (up to {@code maxBatch}) and commit it as one
     * transaction. Closing finishes what is queued first, then closes the connection.
     */
    private final class Writer implements Agent
    {
        @Override
        public int doWork()
        {
            final int work = commitWaiting();
            if (work == 0)
            {
                trouble.probe();
            }
            return work;
        }

        @Override
        public void onClose()
        {
            while (commitWaiting() > 0)
            {
                // finish what was queued before close
            }
            Queries.forget(connection);
            try
            {
                connection.close();
            }
            catch (final SQLException ex)
            {
                LOG.warn("closing the writer connection failed", ex);
            }
        }

        @Override
        public String roleName()
        {
            return "control-writer";
        }
    }

    private int commitWaiting()
    {
        queue.drainTo(batch, maxBatch);
        final int count = batch.size();
        if (count > 0)
        {
            try
            {
                commitBatch(batch);
                final List<PendingWrite<?>> done = List.copyOf(batch); // committed, failed or refused: each is answered
                completions.execute(() -> done.forEach(PendingWrite::complete));
            }
            finally
            {
                batch.clear();
            }
        }
        return count;
    }

    private void commitBatch(final List<PendingWrite<?>> batch)
    {
        if (!begin(batch))
        {
            return; // each was failed with the refusal
        }
        final long seqAtStart = nextSeq;
        final WriteTxn txn = new WriteTxn(this, clock.time(), database.postgres());
        boolean failed = false;
        SQLException commitFailure = null;
        for (final PendingWrite<?> pending : batch)
        {
            if (!apply(txn, pending))
            {
                failed = true;
                break;
            }
        }
        if (!failed)
        {
            try
            {
                txn.flush();
                connection.commit();
                lastCommitTime = txn.now();
            }
            catch (final SQLException ex)
            {
                LOG.error("group commit of {} writes failed", batch.size(), ex);
                commitFailure = ex;
                failed = true;
            }
        }
        if (failed)
        {
            final StoreTrouble.Cause cause = StoreTrouble.classify(batch, commitFailure);
            txn.discard();
            recover(cause);
            nextSeq = seqAtStart;
            if (cause != null)
            {
                // The disk, not one write: running each alone would only fail them one by one.
                failAll(batch, cause);
            }
            else
            {
                for (final PendingWrite<?> pending : batch)
                {
                    pending.result = null;
                    pending.failure = null;
                    runAlone(pending);
                }
            }
        }
        else
        {
            trouble.cleared();
        }
        final long newHead = nextSeq - 1;
        if (newHead > head.get())
        {
            headCommittedAtMs = lastCommitTime;
            head.set(newHead);
            onCommit.committed(newHead, headCommittedAtMs);
        }
        commits.incrementAndGet();
        committedOps.addAndGet(batch.size());
    }

    /** @return false if the operation failed in a way that may have left writes behind. */
    private static <T> boolean apply(final WriteTxn txn, final PendingWrite<T> pending)
    {
        try
        {
            pending.result = pending.op.apply(txn);
            return true;
        }
        catch (final Exception | Error ex)
        {
            pending.failure = ex;
            return ex instanceof Problem; // a refusal comes before any write: nothing needs undoing
        }
    }

    /**
     * Open the transaction with the lease's fence. @return true to go on writing; false when this process does not lead
     * or the store did not answer, each write of {@code ops} then failed with the 503 that says so.
     */
    private boolean begin(final List<PendingWrite<?>> ops)
    {
        Problem refusal;
        try
        {
            final long token = leadership.fence(connection);
            if (token != writingUnder)
            {
                // Another leader may have written since this writer last did; its head is visible now the lease is locked.
                nextSeq = Queries.changeLogHead(connection) + 1;
                writingUnder = token;
            }
            return true;
        }
        catch (final Problem notLeader)
        {
            refusal = notLeader;
        }
        catch (final SQLException ex)
        {
            final StoreTrouble.Cause cause = java.util.Objects.requireNonNullElse(StoreTrouble.classify(ex), StoreTrouble.Cause.UNREACHABLE);
            LOG.warn("the writer could not fence on the lease: {}", ex.getMessage());
            trouble.failed(cause);
            reopen();
            refusal = Problem.unavailable(cause.rule(), cause.detail(), 5);
        }
        for (final PendingWrite<?> pending : ops)
        {
            pending.result = null;
            pending.failure = refusal;
        }
        return false;
    }

    /** Run one operation in a transaction of its own. */
    private void runAlone(final PendingWrite<?> pending)
    {
        if (!begin(List.of(pending)))
        {
            return;
        }
        final long seqBefore = nextSeq;
        final WriteTxn txn = new WriteTxn(this, clock.time(), database.postgres());
        if (apply(txn, pending))
        {
            try
            {
                txn.flush();
                connection.commit();
                lastCommitTime = txn.now();
                return;
            }
            catch (final SQLException ex)
            {
                pending.failure = ex;
            }
        }
        LOG.warn("write failed and was rolled back", pending.failure);
        final StoreTrouble.Cause cause = StoreTrouble.classify(List.of(pending), null);
        txn.discard();
        recover(cause);
        nextSeq = seqBefore;
        if (cause != null)
        {
            failAll(List.of(pending), cause);
        }
        else
        {
            trouble.otherFailure();
        }
    }

    /** Every write of the batch that was not refused fails with the store's trouble, as a 503 the client may retry. */
    private void failAll(final List<PendingWrite<?>> batch, final StoreTrouble.Cause cause)
    {
        trouble.failed(cause);
        for (final PendingWrite<?> pending : batch)
        {
            if (!(pending.failure instanceof Problem))
            {
                pending.result = null;
                pending.failure = Problem.unavailable(cause.rule(), cause.detail(), 5);
            }
        }
    }

    /**
     * Undo the failed transaction. After a disk failure SQLite may have rolled it back itself, and the
     * driver then believes no transaction is open ("cannot rollback - no transaction is active"), which
     * broke every later write until a restart: so after a disk failure, or a rollback that fails, the
     * writer starts over on a new connection.
     */
    private void recover(final StoreTrouble.Cause cause)
    {
        boolean fresh = cause != null;
        try
        {
            connection.rollback();
        }
        catch (final SQLException ex)
        {
            LOG.warn("rollback failed ({}); opening a new writer connection", ex.toString());
            fresh = true;
        }
        if (fresh)
        {
            reopen();
        }
    }

    private void reopen()
    {
        Queries.forget(connection);
        CloseHelper.quietClose(connection);
        try
        {
            connection = database.openWriter();
            leadership.configureWriter(connection);
            nextSeq = Queries.changeLogHead(connection) + 1;
            connection.commit();
        }
        catch (final SQLException ex)
        {
            LOG.error("could not open a new writer connection; the next write tries again", ex);
        }
    }

    /** Finish what is queued, then stop; a write that slipped in as it stopped is failed, never left waiting. */
    @Override
    public void close()
    {
        running = false;
        Agents.stop(runner, 30_000);
        for (PendingWrite<?> late; (late = queue.poll()) != null; )
        {
            late.future.completeExceptionally(new IllegalStateException("the store is closing"));
        }
    }
}
