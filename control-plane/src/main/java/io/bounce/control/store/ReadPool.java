package io.bounce.control.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.agrona.CloseHelper;

/**
 * The threads that answer API requests off the event loops. On SQLite each holds its own read-only connection (WAL
 * lets them read while the writer commits) and uses it for every read it serves; on PostgreSQL each read borrows a
 * connection from the store's pool ({@link Database#borrowReader()}) and returns it.
 */
public final class ReadPool implements AutoCloseable
{
    /** A read against the calling worker's connection. */
    @FunctionalInterface
    public interface Read<T>
    {
        T apply(Connection connection) throws SQLException;
    }

    private final Database database;
    private final ExecutorService executor;
    private final ThreadLocal<Connection> connection = new ThreadLocal<>();
    private final List<Connection> opened = new ArrayList<>();

    public ReadPool(final Database database, final int threads)
    {
        this.database = database;
        final AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(threads, r ->
        {
            final Thread t = new Thread(r, "control-worker-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    public ExecutorService executor()
    {
        return executor;
    }

    /** Run a read on the calling thread's connection (SQLite) or a pooled one (PostgreSQL); call from a pool thread. */
    public <T> T read(final Read<T> read) throws SQLException
    {
        if (database.postgres())
        {
            try (Connection pooled = database.borrowReader())
            {
                try
                {
                    return read.apply(pooled);
                }
                finally
                {
                    Queries.forget(pooled);
                }
            }
        }
        Connection c = connection.get();
        if (c == null)
        {
            c = database.openReader();
            connection.set(c);
            synchronized (opened)
            {
                opened.add(c);
            }
        }
        try
        {
            return read.apply(c);
        }
        catch (final SQLException ex)
        {
            if (c.isClosed())
            {
                // The connection broke: this thread's next read connects afresh.
                connection.remove();
                synchronized (opened)
                {
                    opened.remove(c);
                }
                Queries.forget(c);
                CloseHelper.quietClose(c);
            }
            throw ex;
        }
    }

    @Override
    public void close() throws InterruptedException
    {
        executor.shutdown();
        executor.awaitTermination(10, TimeUnit.SECONDS);
        synchronized (opened)
        {
            for (final Connection c : opened)
            {
                Queries.forget(c);
                CloseHelper.quietClose(c);
            }
        }
    }
}
