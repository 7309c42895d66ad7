package io.bounce.control.replication;

import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;

import io.bounce.control.store.AcmeQueries;
import io.bounce.control.store.CertificateQueries;
import io.bounce.control.store.Database;
import io.bounce.control.store.LinkQueries;
import io.bounce.control.store.Queries;
import io.bounce.control.store.TlsQueries;
import io.bounce.replication.link.LinkCodec;
import io.bounce.replication.log.ChangeLogSource;
import io.bounce.replication.log.LogHead;
import io.bounce.replication.log.ReplicationFormat;
import io.bounce.replication.tls.CertificateRecord;
import io.bounce.replication.tls.TicketKeys;
import io.bounce.replication.tls.TlsCodec;
import io.bounce.replication.tls.TlsRecord;

/**
 * The control plane's change log as a {@link ChangeLogSource}: each follower's cursor reads the store through a
 * read-only connection (SQLite: one of its own, which WAL lets read while the writer commits; PostgreSQL: one borrowed
 * from the store's pool for each read, so followers are not server connections), and the writer moves the
 * {@link LogHead} after every commit, which wakes the streams waiting on it.
 */
public final class StoreChangeLog implements ChangeLogSource
{
    /** Changes kept in memory for the streams: a few MiB, and more than a stream's read batch. */
    private static final int TAIL_CHANGES = 8192;

    private final Database database;
    private final LogHead head;
    /** The newest changes, read once from the store for every follower. */
    private final LogTail tail = new LogTail(TAIL_CHANGES);

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
    public String historyId()
    {
        return database.historyId();
    }

    @Override
    public Cursor openCursor() throws Exception
    {
        return new StoreCursor(database, head, tail);
    }

    private static final class StoreCursor implements Cursor
    {
        private static final long DURABLE_WAIT_MS = 10_000;

        private final Database database;
        private final LogHead head;
        private final LogTail tail;
        /** SQLite: the cursor's own connection, held for its life. PostgreSQL: null, a pooled one is borrowed per read. */
        private final Connection own;

        StoreCursor(final Database database, final LogHead head, final LogTail tail) throws java.sql.SQLException
        {
            this.database = database;
            this.head = head;
            this.tail = tail;
            this.own = database.postgres() ? null : database.openReader();
        }

        private Connection connection() throws java.sql.SQLException
        {
            return own != null ? own : database.borrowReader();
        }

        private void done(final Connection connection) throws java.sql.SQLException
        {
            if (connection != own)
            {
                Queries.forget(connection);
                connection.close(); // back to the pool
            }
        }

        @Override
        public long firstRetained() throws Exception
        {
            final Connection connection = connection();
            try
            {
                final long first = Queries.changeLogFirst(connection);
                return first == 0 ? head.sequence() + 1 : first;
            }
            finally
            {
                done(connection);
            }
        }

        /**
         * Changes up to the head, never past it: on PostgreSQL a commit is visible to readers while it still waits for the
         * synchronous standby, and the head moves only once the commit has returned, so no follower is sent a change a
         * failover could lose.
         */
        @Override
        public int read(final long from, final int max, final ChangeSink sink) throws Exception
        {
            final long upTo = head.sequence();
            if (from > upTo)
            {
                return 0;
            }
            final int limit = (int)Math.min(max, upTo - from + 1);
            List<LogTail.Change> changes = tail.get(from, limit);
            if (changes == null)
            {
                // From the store, then kept for the other streams. A pooled connection goes back before the changes go
                // out: a slow follower must not hold it.
                final List<LogTail.Change> read = new ArrayList<>(limit);
                final Connection connection = connection();
                try
                {
                    Queries.readChanges(connection, from, limit,
                        (seq, at, type, record) -> read.add(new LogTail.Change(seq, at, type, record)));
                }
                finally
                {
                    done(connection);
                }
                tail.put(read);
                changes = read;
            }
            for (final LogTail.Change change : changes)
            {
                sink.change(change.sequence(), change.committedAtMs(), change.type(), change.record());
            }
            return changes.size();
        }

        /**
         * One read transaction: the head and every link row as of the same moment (WAL snapshot
         * isolation), tombstones included so a new edge answers 410 for deleted codes as old ones do,
         * then the domains' policies, the ticket keys and the live ACME challenges, then the certificates, as changes last
     * carried them.
         * Link and certificate rows stream out one at a time; neither table is ever held in memory.
         */
        @Override
        public void snapshot(final SnapshotSink sink) throws Exception
        {
            // Its own connection, not the pool's: a snapshot streams for as long as the follower takes to read it.
            final Connection connection = own != null ? own : database.openReader();
            connection.setAutoCommit(false);
            try
            {
                final long sequence = Queries.changeLogHead(connection);
                if (head.awaitBeyond(sequence - 1, DURABLE_WAIT_MS) < sequence)
                {
                    // As read() above: what this snapshot holds must have returned from its commit (the standby has it).
                    throw new java.io.IOException("change " + sequence + " has not returned from its commit within " + DURABLE_WAIT_MS +
                        " ms; the follower retries");
                }
                final long committedAt = Queries.changeCommittedAt(connection, sequence);
                final List<TlsRecord> small = new ArrayList<>(TlsQueries.policies(connection, true));
                final TicketKeys keys = TlsQueries.ticketKeys(connection);
                if (keys != null)
                {
                    small.add(keys);
                }
                small.addAll(AcmeQueries.liveChallenges(connection, System.currentTimeMillis()));
                sink.begin(sequence, committedAt, LinkQueries.countLinks(connection) + small.size() + CertificateQueries.countLogged(connection));
                LinkQueries.scanLinks(connection, row -> sink.record(row.seq, ReplicationFormat.TYPE_RECORD, LinkCodec.encode(row.toRecord())));
                for (final TlsRecord record : small)
                {
                    sink.record(record.sequence(), record.frameType(), TlsCodec.encode(record));
                }
                CertificateQueries.scanLogged(connection, row ->
                {
                    final CertificateRecord record = row.toRecord();
                    sink.record(record.sequence(), record.frameType(), TlsCodec.encode(record));
                });
            }
            finally
            {
                connection.rollback();
                connection.setAutoCommit(true);
                if (connection != own)
                {
                    Queries.forget(connection);
                    connection.close();
                }
            }
        }

        @Override
        public void close() throws Exception
        {
            if (own != null)
            {
                Queries.forget(own);
                own.close();
            }
        }
    }
}
