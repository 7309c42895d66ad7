package io.bounce.control.store;

import java.sql.Connection;
import java.sql.SQLException;

import io.bounce.replication.link.LinkCodec;
import io.bounce.replication.link.LinkRecord;
import io.bounce.replication.log.ReplicationFormat;
import io.bounce.replication.tls.TlsCodec;
import io.bounce.replication.tls.TlsRecord;

/**
 * What a {@link GroupCommitter.Op} may do, on the writer thread: SQL on the writer's connection, and append to the change
 * log. On PostgreSQL the appends are batched and sent together just before the commit ({@link #flush}), one round trip
 * for the whole transaction's changes instead of one each; an op reading the log in the same transaction does not see
 * its own appends before then (log retention, the only reader, then keeps a little more).
 */
public final class WriteTxn
{
    private final GroupCommitter writer;
    private final long now;
    private final boolean batched;
    private int queued;

    WriteTxn(final GroupCommitter writer, final long now, final boolean batched)
    {
        this.writer = writer;
        this.now = now;
        this.batched = batched;
    }

    public Connection connection()
    {
        return writer.connection();
    }

    /** The batch's clock reading, the commit time recorded in the change log. */
    public long now()
    {
        return now;
    }

    /** @return the sequence the next change will get: store it in the row before {@link #append}. */
    public long nextSequence()
    {
        return writer.nextSequence();
    }

    /** Append the change that {@code record} describes; its sequence must be {@link #nextSequence()}. */
    public void append(final LinkRecord record) throws SQLException
    {
        append(record.sequence(), ReplicationFormat.TYPE_RECORD, LinkCodec.encode(record));
    }

    /** Append a TLS change (a domain's policy, a certificate, the ticket keys); its sequence must be {@link #nextSequence()}. */
    public void append(final TlsRecord record) throws SQLException
    {
        append(record.sequence(), record.frameType(), TlsCodec.encode(record));
    }

    private void append(final long sequence, final byte frameType, final byte[] encoded) throws SQLException
    {
        final long expected = writer.nextSequence();
        if (sequence != expected)
        {
            throw new IllegalStateException("change carries sequence " + sequence + ", expected " + expected);
        }
        if (batched)
        {
            Queries.changeInsert(writer.connection(), expected, now, frameType, encoded).addBatch();
            queued++;
        }
        else
        {
            Queries.appendChange(writer.connection(), expected, now, frameType, encoded);
        }
        writer.appended();
    }

    /** Send the appends queued in this transaction; before its commit. */
    void flush() throws SQLException
    {
        if (queued > 0)
        {
            queued = 0;
            // One round trip: PostgreSQL's driver sends the batch as multi-row inserts (reWriteBatchedInserts).
            final java.sql.PreparedStatement ps = Queries.prepare(writer.connection(), Queries.INSERT_CHANGE);
            try
            {
                ps.executeBatch();
            }
            finally
            {
                ps.clearBatch();
            }
        }
    }

    /** Forget the appends queued in a transaction that is being rolled back, so no later transaction sends them. */
    void discard()
    {
        if (queued > 0)
        {
            queued = 0;
            try
            {
                Queries.prepare(writer.connection(), Queries.INSERT_CHANGE).clearBatch();
            }
            catch (final SQLException ex)
            {
                Queries.forget(writer.connection()); // the statement is unusable: the next append prepares a new one
            }
        }
    }
}
