package io.bounce.control.replication;

import java.sql.Connection;

import io.bounce.control.store.Database;
import io.bounce.control.store.Queries;
import io.bounce.replication.link.LinkCodec;
import io.bounce.replication.log.ChangeLogSource;
import io.bounce.replication.log.LogHead;

/**
 * The control plane's change log as a {@link ChangeLogSource}: each follower's cursor reads the store
 * through a read-only connection of its own (WAL lets it read while the writer commits), and the
 * writer moves the {@link LogHead} after every commit, which wakes the streams waiting on it.
 */
public final class StoreChangeLog implements ChangeLogSource
{
    private final Database database;
    private final LogHead head;

    public StoreChangeLog(final Database database, final LogHead head)
    {
        this.database = database;
        this.head = head;
    }

    @Override
    public LogHead head()
    {
        return head;
    }

    @Override
    public Cursor openCursor() throws Exception
    {
        return new StoreCursor(database.openReader(), head);
    }

    private static final class StoreCursor implements Cursor
    {
        private final Connection connection;
        private final LogHead head;

        StoreCursor(final Connection connection, final LogHead head)
        {
            this.connection = connection;
            this.head = head;
        }

        @Override
        public long firstRetained() throws Exception
        {
            final long first = Queries.changeLogFirst(connection);
            return first == 0 ? head.sequence() + 1 : first;
        }

        @Override
        public int read(final long from, final int max, final ChangeSink sink) throws Exception
        {
            return Queries.readChanges(connection, from, max, sink::change);
        }

        /**
         * One read transaction: the head and every link row as of the same moment (WAL snapshot
         * isolation), tombstones included so a new edge answers 410 for deleted codes as old ones do.
         * Rows stream out one at a time; the table is never held in memory.
         */
        @Override
        public void snapshot(final SnapshotSink sink) throws Exception
        {
            connection.setAutoCommit(false);
            try
            {
                final long sequence = Queries.changeLogHead(connection);
                final long committedAt = Queries.changeCommittedAt(connection, sequence);
                final long records = Queries.countLinks(connection);
                sink.begin(sequence, committedAt, records);
                Queries.scanLinks(connection, row -> sink.record(row.seq, LinkCodec.encode(row.toRecord())));
            }
            finally
            {
                connection.rollback();
                connection.setAutoCommit(true);
            }
        }

        @Override
        public void close() throws Exception
        {
            Queries.forget(connection);
            connection.close();
        }
    }
}
