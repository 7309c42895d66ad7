package io.bounce.control.store;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;

import io.bounce.runtime.agent.Agents;
import org.agrona.concurrent.EpochClock;

/**
 * The control plane's store as the services use it: the one writer ({@link GroupCommitter}) and the
 * readers ({@link ReadPool}) over one {@link Database}, opened together and closed in the order they
 * need (the writer first: its last futures complete on the readers' executor).
 */
public final class Store implements AutoCloseable
{
    private final Database database;
    private final ReadPool readers;
    private final GroupCommitter writer;
    private final Leadership leadership;

    private Store(final Database database, final ReadPool readers, final GroupCommitter writer, final Leadership leadership)
    {
        this.database = database;
        this.readers = readers;
        this.writer = writer;
        this.leadership = leadership;
    }

    /**
     * Open (creating or migrating) the store in {@code dataDir}.
     *
     * @param onCommit told the new change-log head after each commit that appended to it, on the writer thread.
     * @param agents   runs the writer.
     */
    public static Store open(final Path dataDir, final int readThreads, final int maxBatch, final EpochClock clock,
        final GroupCommitter.CommitListener onCommit, final Agents agents) throws IOException, SQLException
    {
        return open(dataDir, null, readThreads, maxBatch, clock, onCommit, agents);
    }

    /**
     * Open (creating or migrating) the store {@code options} names: PostgreSQL, or SQLite in {@code dataDir}.
     *
     * @param onCommit told the new change-log head after each commit that appended to it, on the writer thread.
     * @param agents   runs the writer.
     */
    public static Store open(final Path dataDir, final StoreOptions options, final int readThreads, final int maxBatch,
        final EpochClock clock, final GroupCommitter.CommitListener onCommit, final Agents agents) throws IOException, SQLException
    {
        final Database database = Database.open(dataDir, options);
        final ReadPool readers = new ReadPool(database, readThreads);
        final Leadership leadership = Leadership.of(database, options == null ? StoreOptions.DEFAULT_LEASE_MS : options.leaseMs());
        try
        {
            final GroupCommitter writer = new GroupCommitter(database, leadership, clock, maxBatch, readers.executor(), onCommit, agents);
            leadership.start(agents, writer::observed);
            return new Store(database, readers, writer, leadership);
        }
        catch (final SQLException | RuntimeException ex)
        {
            closeQuietly(readers);
            throw ex;
        }
    }

    public Database database()
    {
        return database;
    }

    public GroupCommitter writer()
    {
        return writer;
    }

    public ReadPool readers()
    {
        return readers;
    }

    /** Which control plane writes: this one always with SQLite; with PostgreSQL, the one holding the lease. */
    public Leadership leadership()
    {
        return leadership;
    }

    /** Finish the queued writes, hand the lease back, then stop the readers. */
    @Override
    public void close() throws InterruptedException
    {
        writer.close();
        leadership.close();
        readers.close();
        database.close();
    }

    private static void closeQuietly(final ReadPool readers)
    {
        try
        {
            readers.close();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
