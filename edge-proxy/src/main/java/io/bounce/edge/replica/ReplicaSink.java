package io.bounce.edge.replica;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

import io.bounce.edge.tls.TlsReplica;
import io.bounce.replication.link.LinkRecord;
import io.bounce.replication.log.FollowerSink;
import io.bounce.replication.tls.TlsRecord;

/**
 * Where the edge's follower applies the change log: links into the {@link LinkReplica}, TLS records into the
 * {@link TlsReplica}. A checkpoint first hands the TLS records to the serving side, then records the sequence;
 * a snapshot loads both beside the live ones and swaps the TLS records in first, then the links (a crash
 * between leaves TLS records newer than the links' sequence, which the replay skips, never older ones).
 */
public final class ReplicaSink implements FollowerSink
{
    private final LinkReplica links;
    private final TlsReplica tls;

    public ReplicaSink(final LinkReplica links, final TlsReplica tls)
    {
        this.links = links;
        this.tls = tls;
    }

    @Override
    public long appliedSequence()
    {
        return links.appliedSequence();
    }

    @Override
    public long appliedCommittedAtMs()
    {
        return links.appliedCommittedAtMs();
    }

    @Override
    public void apply(final LinkRecord record)
    {
        links.apply(record);
    }

    /** A record that cannot be written ends the stream (the follower retries); nothing past it is checkpointed. */
    @Override
    public void apply(final TlsRecord record)
    {
        try
        {
            tls.apply(record);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("could not keep " + record, ex);
        }
    }

    @Override
    public void checkpoint(final long sequence, final long committedAtMs)
    {
        tls.publish();
        links.checkpoint(sequence, committedAtMs);
    }

    @Override
    public Bootstrap beginBootstrap(final long expectedRecords) throws IOException
    {
        final SnapshotLoad load = links.beginBootstrap(expectedRecords);
        final Path next;
        try
        {
            next = tls.beginSnapshot();
        }
        catch (final IOException | RuntimeException ex)
        {
            load.close();
            throw ex;
        }
        return new Bootstrap()
        {
            private boolean committed;

            @Override
            public void put(final LinkRecord record)
            {
                load.put(record);
            }

            @Override
            public void put(final TlsRecord record)
            {
                try
                {
                    TlsReplica.put(next, record);
                }
                catch (final IOException ex)
                {
                    throw new UncheckedIOException("could not keep " + record, ex);
                }
            }

            @Override
            public void commit(final long sequence, final long committedAtMs) throws IOException
            {
                tls.commitSnapshot(next);
                load.commit(sequence, committedAtMs);
                committed = true;
                tls.publish();
            }

            @Override
            public void close()
            {
                load.close();
                if (!committed)
                {
                    tls.abandonSnapshot(next);
                }
            }
        };
    }
}
