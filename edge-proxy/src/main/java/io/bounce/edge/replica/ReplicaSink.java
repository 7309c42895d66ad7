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
    /** The history id of the leader whose changes the replica holds, in {@code <data-dir>/replica.history}. */
    public static final String HISTORY_FILE = "replica.history";

    private final LinkReplica links;
    private final TlsReplica tls;
    private final java.nio.file.Path historyFile;
    private String historyId;

    public ReplicaSink(final java.nio.file.Path dataDir, final LinkReplica links, final TlsReplica tls) throws IOException
    {
        this.links = links;
        this.tls = tls;
        this.historyFile = dataDir.resolve(HISTORY_FILE);
        this.historyId = java.nio.file.Files.exists(historyFile) ? java.nio.file.Files.readString(historyFile).strip() : null;
        if (historyId != null && historyId.isEmpty())
        {
            historyId = null;
        }
    }

    @Override
    public String historyId()
    {
        return historyId;
    }

    /**
     * Written whole after the snapshot's swap: a crash between the two leaves the old history with the new data, which the
     * next connection takes for another history and bootstraps again (work, never wrong data).
     */
    @Override
    public void history(final String id)
    {
        if (id == null || id.equals(historyId))
        {
            return;
        }
        try
        {
            io.bounce.runtime.files.DurableFiles.writeAtomically(historyFile, (id + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            historyId = id;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("could not keep the leader's history id in " + historyFile, ex);
        }
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
