package io.bounce.control.store;

import java.sql.Connection;
import java.sql.SQLException;

import io.bounce.replication.link.LinkCodec;
import io.bounce.replication.link.LinkRecord;
import io.bounce.replication.log.ReplicationFormat;
import io.bounce.replication.tls.TlsCodec;
import io.bounce.replication.tls.TlsRecord;

/** What a {@link GroupCommitter.Op} may do, on the writer thread: SQL on the writer's connection, and append to the change log. */
public final class WriteTxn
{
    private final GroupCommitter writer;
    private final long now;

    WriteTxn(final GroupCommitter writer, final long now)
    {
        this.writer = writer;
        this.now = now;
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
        Queries.appendChange(writer.connection(), expected, now, frameType, encoded);
        writer.appended();
    }
}
