package io.bounce.edge.replica;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

import io.bounce.replication.link.LinkCodec;
import io.bounce.replication.link.LinkRecord;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge's copy of the whole link table: a persisted, memory-mapped Chronicle Map under the data
 * directory, keyed by {@code domain/code} in ASCII bytes, holding each link's {@link LinkCodec} bytes.
 *
 * <p>Readers on any thread look entries up through {@link #map()}; writes ({@link #put}) come from one
 * thread at a time (the importer now, the change-log applier later). Two more entries live in the map
 * under keys that start with a NUL byte, which no domain can: the last applied change-log sequence and
 * the set of known domains, so both persist with the links they describe.
 *
 * <p>Crash safety: {@value #LOCK_FILE} is locked for the life of the process, so no second process
 * can open the map; {@value #DIRTY_MARKER} exists while the map is open. Finding the marker at open
 * means the last owner died without closing, and the map is opened through Chronicle's recovery, which
 * releases the segment locks the dead process held and checks every entry.
 */
public final class LinkReplica implements AutoCloseable
{
    public static final String MAP_FILE = "links.cm3";
    public static final String LOCK_FILE = "edge.lock";
    public static final String DIRTY_MARKER = "replica.open";

    private static final Logger LOG = LoggerFactory.getLogger(LinkReplica.class);
    private static final byte[] SEQUENCE_KEY = {0, 's', 'e', 'q'};
    private static final byte[] DOMAINS_KEY = {0, 'd', 'o', 'm'};
    private static final int AVERAGE_KEY_BYTES = 24;
    private static final double MAX_BLOAT_FACTOR = 5.0;

    private final Path dataDir;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final ChronicleMap<byte[], byte[]> map;
    private final boolean recovered;
    private volatile byte[][] knownDomains;
    private boolean closed;

    private LinkReplica(
        final Path dataDir,
        final FileChannel lockChannel,
        final FileLock lock,
        final ChronicleMap<byte[], byte[]> map,
        final boolean recovered)
    {
        this.dataDir = dataDir;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.map = map;
        this.recovered = recovered;
        this.knownDomains = readDomains(map.get(DOMAINS_KEY));
    }

    /**
     * Open the replica in {@code dataDir}, creating it sized for {@code expectedLinks} if absent, and
     * recovering it if its last owner crashed.
     *
     * @throws ReplicaLockedException if another process has the data directory open.
     */
    public static LinkReplica open(final Path dataDir, final long expectedLinks, final int averageUrlBytes)
        throws IOException
    {
        Files.createDirectories(dataDir);
        final FileChannel lockChannel = FileChannel.open(
            dataDir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        final FileLock lock;
        try
        {
            lock = tryLock(lockChannel);
        }
        catch (final IOException | RuntimeException ex)
        {
            lockChannel.close();
            throw ex;
        }
        if (lock == null)
        {
            final String owner = readOwner(lockChannel);
            lockChannel.close();
            throw new ReplicaLockedException("data dir " + dataDir.toAbsolutePath() +
                " is in use by another edge process" + (owner.isEmpty() ? "" : " (pid " + owner + ")") +
                "; give each edge its own --data-dir");
        }
        try
        {
            writeOwner(lockChannel);
            final Path marker = dataDir.resolve(DIRTY_MARKER);
            final File mapFile = dataDir.resolve(MAP_FILE).toFile();
            final boolean crashed = Files.exists(marker) && mapFile.exists();
            final ChronicleMapBuilder<byte[], byte[]> builder = ChronicleMapBuilder.of(byte[].class, byte[].class)
                .name("bounce-links")
                .entries(expectedLinks)
                .averageKeySize(AVERAGE_KEY_BYTES)
                .averageValueSize(LinkCodec.HEADER_LENGTH + AVERAGE_KEY_BYTES + averageUrlBytes)
                .maxBloatFactor(MAX_BLOAT_FACTOR);
            final ChronicleMap<byte[], byte[]> map;
            if (crashed)
            {
                LOG.warn("replica in {} was not closed cleanly; recovering it", dataDir.toAbsolutePath());
                map = builder.recoverPersistedTo(mapFile, false);
            }
            else
            {
                map = builder.createPersistedTo(mapFile);
            }
            Files.write(marker, new byte[0]);
            return new LinkReplica(dataDir, lockChannel, lock, map, crashed);
        }
        catch (final IOException | RuntimeException ex)
        {
            lock.release();
            lockChannel.close();
            throw ex;
        }
    }

    /** @return true if this open had to recover the map after its last owner crashed. */
    public boolean recoveredFromCrash()
    {
        return recovered;
    }

    /** The map itself, for the redirect path's zero-copy lookups; keys are {@link #key(String, String)}. */
    public ChronicleMap<byte[], byte[]> map()
    {
        return map;
    }

    public static byte[] key(final String domain, final String code)
    {
        return (domain + '/' + code).getBytes(StandardCharsets.US_ASCII);
    }

    /** Store a record, replacing any record for the same domain and code. One writer thread at a time. */
    public void put(final LinkRecord record)
    {
        addDomain(record.domain());
        map.put(key(record.domain(), record.code()), LinkCodec.encode(record));
    }

    /** @return the record for {@code domain/code}, or null. Allocates: for tools and tests, not the hot path. */
    public LinkRecord get(final String domain, final String code)
    {
        final byte[] bytes = map.get(key(domain, code));
        return bytes == null ? null : LinkCodec.decode(bytes);
    }

    /** @return the last change-log sequence applied to this replica, 0 if none. */
    public long appliedSequence()
    {
        final byte[] bytes = map.get(SEQUENCE_KEY);
        return bytes == null ? 0 : ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    public void appliedSequence(final long sequence)
    {
        map.put(SEQUENCE_KEY, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(sequence).array());
    }

    /**
     * Whether {@code domain} (lower-case ASCII bytes) is a domain some link belongs to. Safe on any
     * thread and allocation-free: the set is a small array replaced whole when a domain is added.
     */
    public boolean isKnownDomain(final byte[] bytes, final int offset, final int length)
    {
        final byte[][] domains = knownDomains;
        for (final byte[] domain : domains)
        {
            if (domain.length == length && Arrays.equals(domain, 0, length, bytes, offset, offset + length))
            {
                return true;
            }
        }
        return false;
    }

    /** @return links held, not counting the replica's own bookkeeping entries. */
    public long linkCount()
    {
        long count = map.longSize();
        if (map.containsKey(SEQUENCE_KEY))
        {
            count--;
        }
        if (map.containsKey(DOMAINS_KEY))
        {
            count--;
        }
        return count;
    }

    /** @return bytes the map's file occupies on disk (it is sparse: less than its length). */
    public long fileBytes()
    {
        try
        {
            final Object blocks = Files.getAttribute(dataDir.resolve(MAP_FILE), "unix:blocks");
            return ((Number)blocks).longValue() * 512L;
        }
        catch (final IOException | UnsupportedOperationException | IllegalArgumentException ex)
        {
            return dataDir.resolve(MAP_FILE).toFile().length();
        }
    }

    public Path dataDir()
    {
        return dataDir;
    }

    /** Close the map, clear the crash marker and release the data directory. Idempotent. */
    @Override
    public synchronized void close() throws IOException
    {
        if (closed)
        {
            return;
        }
        closed = true;
        try
        {
            map.close();
            Files.deleteIfExists(dataDir.resolve(DIRTY_MARKER));
        }
        finally
        {
            lock.release();
            lockChannel.close();
        }
    }

    private void addDomain(final String domain)
    {
        final byte[] bytes = domain.getBytes(StandardCharsets.US_ASCII);
        if (isKnownDomain(bytes, 0, bytes.length))
        {
            return;
        }
        final byte[][] domains = Arrays.copyOf(knownDomains, knownDomains.length + 1);
        domains[domains.length - 1] = bytes;
        final StringBuilder joined = new StringBuilder();
        for (final byte[] d : domains)
        {
            joined.append(new String(d, StandardCharsets.US_ASCII)).append('\n');
        }
        map.put(DOMAINS_KEY, joined.toString().getBytes(StandardCharsets.US_ASCII));
        knownDomains = domains;
    }

    private static byte[][] readDomains(final byte[] stored)
    {
        if (stored == null || stored.length == 0)
        {
            return new byte[0][];
        }
        return Arrays.stream(new String(stored, StandardCharsets.US_ASCII).split("\n"))
            .filter(s -> !s.isEmpty())
            .map(s -> s.getBytes(StandardCharsets.US_ASCII))
            .toArray(byte[][]::new);
    }

    private static FileLock tryLock(final FileChannel channel) throws IOException
    {
        try
        {
            return channel.tryLock();
        }
        catch (final OverlappingFileLockException ex)
        {
            return null; // this very process holds it already: refused all the same
        }
    }

    private static void writeOwner(final FileChannel channel) throws IOException
    {
        channel.truncate(0);
        channel.write(ByteBuffer.wrap(Long.toString(ProcessHandle.current().pid()).getBytes(StandardCharsets.US_ASCII)), 0);
        channel.force(false);
    }

    private static String readOwner(final FileChannel channel)
    {
        try
        {
            final ByteBuffer buffer = ByteBuffer.allocate(32);
            final int n = channel.read(buffer, 0);
            return n <= 0 ? "" : new String(buffer.array(), 0, n, StandardCharsets.US_ASCII).trim();
        }
        catch (final IOException ex)
        {
            return "";
        }
    }
}
