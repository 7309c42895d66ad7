package io.bounce.control.replication;

import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;

import io.bounce.control.store.AcmeQueries;
import io.bounce.control.store.CertificateQueries;
import io.bounce.control.store.Database;
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
    public String historyId()
    {
        return database.historyId();
    }

    @Override
    public Cursor openCursor() throws Exception
    {
        return new StoreCursor(database.openReader(), head);
    }

    private static final class StoreCursor implements Cursor
    {
        private static final long DURABLE_WAIT_MS = 10_000;

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

        /**
         * Changes up to the head, never past it: on PostgreSQL a commit is visible to readers while it still waits for the
         * synchronous standby, and the head moves only once the commit has returned, so no follower is sent a change a
         * failover could lose.
         */
        @Override
        public int read(final long from, final int max, final ChangeSink sink) throws Exception
        {
            final long upTo = head.sequence();
            return from > upTo ? 0 : Queries.readChanges(connection, from, (int)Math.min(max, upTo - from + 1), sink::change);
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
                sink.begin(sequence, committedAt, Queries.countLinks(connection) + small.size() + CertificateQueries.countLogged(connection));
                Queries.scanLinks(connection, row -> sink.record(row.seq, ReplicationFormat.TYPE_RECORD, LinkCodec.encode(row.toRecord())));
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
