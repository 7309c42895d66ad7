package io.bounce.edge.replica;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import io.bounce.replication.link.LinkCodec;
import io.bounce.replication.link.LinkRecord;
import net.openhft.chronicle.map.ChronicleMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A snapshot being loaded into a second map ({@value LinkReplica#NEXT_PREFIX}{@code .N.cm3}), while the live one keeps
 * serving. {@link #commit} swaps it in; closing it uncommitted throws it away. On the follower's thread.
 */
final class SnapshotLoad implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotLoad.class);

    private final LinkReplica replica;
    private final ChronicleMap<byte[], byte[]> fresh;
    private final Path file;
    private KnownDomains domains = KnownDomains.NONE;
    private boolean committed;

    SnapshotLoad(final LinkReplica replica, final ChronicleMap<byte[], byte[]> fresh, final Path file)
    {
        this.replica = replica;
        this.fresh = fresh;
        this.file = file;
    }

    void put(final LinkRecord record)
    {
        domains = domains.with(record.domain());
        fresh.put(LinkReplica.key(record.domain(), record.code()), LinkCodec.encode(record));
    }

    void commit(final long sequence, final long committedAtMs) throws IOException
    {
        replica.commitSnapshot(fresh, file, domains, sequence, committedAtMs);
        committed = true;
    }

    @Override
    public void close()
    {
        if (!committed)
        {
            fresh.close();
            try
            {
                Files.deleteIfExists(file);
            }
            catch (final IOException ex)
            {
                LOG.warn("could not delete the abandoned snapshot load {}", file, ex);
            }
        }
    }
}
