package io.bounce.edge.replica;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.atomic.AtomicLong;

import io.bounce.replication.link.LinkCodec;
import io.bounce.replication.link.LinkRecord;
import io.bounce.replication.link.LinkView;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;
import org.agrona.CloseHelper;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge's copy of the whole link table: a persisted, memory-mapped Chronicle Map under the data
 * directory, keyed by {@code domain/code} in ASCII bytes, holding each link's {@link LinkCodec} bytes.
 *
 * <p>Readers on any thread look entries up through {@link #map()}; writes come from one thread at a
 * time (the importer, or the change-log follower through {@link ReplicaSink}). Two more entries live
 * in the map under keys that start with a NUL byte, which no domain can: the last applied change-log
 * sequence (with its commit time) and the set of known domains, so both persist with the links they
 * describe and a restarted edge resumes from exactly what its map holds.
 *
 * <p>A bootstrap loads a snapshot into a second map, {@code links.next.N.cm3} (a new name each time: Chronicle
 * keeps the files it has open by path, so a second load under the first one's name, renamed since, would write
 * into the live map), while the live one keeps serving; committing it renames the file over
 * {@value #MAP_FILE} (atomic) and swaps the reference the redirect path reads; a {@link MapRetirer} closes
 * the old one once no lookup can be on it. A crash mid-bootstrap leaves a partial one, deleted at the next open.
 *
 * <p>Crash safety: a {@link ReplicaDirectory} keeps any second process out of the data directory and
 * says whether the last owner died without closing. If it died in
 * this same boot and the {@link MapAccessTracker} says none of its threads was inside the map, it
 * held no Chronicle lock and had no write half done, and the map opens as it is. Otherwise (a thread
 * was inside, or the machine itself went down) the map is opened through Chronicle's recovery, which
 * releases the segment locks the dead process held and checks every entry. Every access to the map
 * goes through the tracker: {@link #enterMap}/{@link #exitMap} on the redirect path, inside this
 * class everywhere else.
 */
public final class LinkReplica implements AutoCloseable
{
    public static final String MAP_FILE = "links.cm3";
    public static final String LOCK_FILE = ReplicaDirectory.LOCK_FILE;
    public static final String DIRTY_MARKER = ReplicaDirectory.DIRTY_MARKER;
    /** What a snapshot load's file is named by ({@code links.next.N.cm3}). */
    public static final String NEXT_PREFIX = "links.next";

    private static final Logger LOG = LoggerFactory.getLogger(LinkReplica.class);
    private static final byte[] SEQUENCE_KEY = {0, 's', 'e', 'q'};
    private static final byte[] DOMAINS_KEY = {0, 'd', 'o', 'm'};
    private static final int AVERAGE_KEY_BYTES = 24;
    private static final double MAX_BLOAT_FACTOR = 5.0;

    private final Path dataDir;
    private final ReplicaDirectory directory;
    private final boolean recovered;
    private final boolean uncleanStop;
    private final MapAccessTracker tracker;
    private final long expectedLinks;
    private final int averageUrlBytes;
    private final AtomicLong skipped = new AtomicLong();
    /** What {@link #apply} reads an entry it may replace through; owned by the one thread that writes. */
    private final UnsafeBuffer existingBuffer = new UnsafeBuffer(0, 0);
    private final LinkView existingView = new LinkView();
    private final MapRetirer retirer = new MapRetirer();
    private volatile ChronicleMap<byte[], byte[]> map;
    private volatile KnownDomains knownDomains;
    private volatile Runnable afterSnapshot = () -> { };
    /**
     * What the bookkeeping entries hold, kept beside the map so that metrics and readiness never look
     * keys up in it. A lookup with a byte[] key from another thread (the admin port's scrape) showed
     * C2 a second key class in the compiled lookup the event loops share: the redirect path was
     * deoptimised and ran slower until recompiled, 4.7 ms p99 in the benchmark round after a scrape
     * (bench/README.md). Written only by the thread that writes those entries; read by any.
     */
    private volatile long appliedSequence;
    private volatile long appliedCommittedAtMs;
    /** Whether the map holds its bookkeeping entries, which are not links; once written, never removed. */
    private volatile boolean hasSequenceEntry;
    private volatile boolean hasDomainsEntry;
    private boolean closed;

    private LinkReplica(
        final Path dataDir,
        final ReplicaDirectory directory,
        final ChronicleMap<byte[], byte[]> map,
        final boolean recovered,
        final boolean uncleanStop,
        final MapAccessTracker tracker,
        final long expectedLinks,
        final int averageUrlBytes)
    {
        this.uncleanStop = uncleanStop;
        this.tracker = tracker;
        this.dataDir = dataDir;
        this.directory = directory;
        this.map = map;
        this.recovered = recovered;
        this.expectedLinks = expectedLinks;
        this.averageUrlBytes = averageUrlBytes;
        tracker.enter(MapAccessTracker.SHARED);
        try
        {
            final byte[] domains = map.get(DOMAINS_KEY);
            this.knownDomains = KnownDomains.decode(domains);
            final byte[] sequence = map.get(SEQUENCE_KEY);
            rememberSequence(sequence);
            this.hasDomainsEntry = domains != null;
            this.hasSequenceEntry = sequence != null;
        }
        finally
        {
            tracker.exit(MapAccessTracker.SHARED);
        }
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
        return open(dataDir, expectedLinks, averageUrlBytes, false);
    }

    /**
     * @param bootstrapPending the map, if it has to be created, will be replaced by a snapshot sized
     *                         for it: create a small one now. Chronicle writes out a new map's whole
     *                         file (2.4 GB, 4.5 s for ten million links), which would be wasted.
     */
    public static LinkReplica open(final Path dataDir, final long expectedLinks, final int averageUrlBytes,
        final boolean bootstrapPending) throws IOException
    {
        final ReplicaDirectory directory = ReplicaDirectory.claim(dataDir);
        try
        {
            final File mapFile = dataDir.resolve(MAP_FILE).toFile();
            final boolean crashed = directory.lastOwnerLeftItOpen() && mapFile.exists();
            final boolean sameBoot = crashed && directory.leftOpenInThisBoot();
            final boolean needsRecovery = crashed && (!sameBoot || MapAccessTracker.anyoneWasInside(dataDir));
            try (java.nio.file.DirectoryStream<Path> unfinished = Files.newDirectoryStream(dataDir, NEXT_PREFIX + "*.cm3"))
            {
                for (final Path file : unfinished)
                {
                    Files.delete(file);
                    LOG.warn("deleted a snapshot load that did not finish ({})", file);
                }
            }
            final ChronicleMapBuilder<byte[], byte[]> builder =
                builder(bootstrapPending && !mapFile.exists() ? Math.min(expectedLinks, 1024) : expectedLinks, averageUrlBytes);
            final ChronicleMap<byte[], byte[]> map;
            if (needsRecovery)
            {
                LOG.warn("replica in {} was not closed cleanly ({}); recovering it", dataDir.toAbsolutePath(),
                    sameBoot ? "a thread was inside the map" : "the machine restarted since");
                map = builder.recoverPersistedTo(mapFile, false);
            }
            else
            {
                if (crashed)
                {
                    LOG.warn("replica in {} was not closed cleanly, but no thread was inside the map: opening it as it is",
                        dataDir.toAbsolutePath());
                }
                map = builder.createPersistedTo(mapFile);
            }
            final MapAccessTracker tracker = MapAccessTracker.create(dataDir);
            directory.markOpen();
            return new LinkReplica(dataDir, directory, map, needsRecovery, crashed, tracker, expectedLinks, averageUrlBytes);
        }
        catch (final IOException | RuntimeException ex)
        {
            CloseHelper.quietClose(directory);
            throw ex;
        }
    }

    private static ChronicleMapBuilder<byte[], byte[]> builder(final long expectedLinks, final int averageUrlBytes)
    {
        return ChronicleMapBuilder.of(byte[].class, byte[].class)
            .name("bounce-links")
            .entries(expectedLinks)
            .averageKeySize(AVERAGE_KEY_BYTES)
            .averageValueSize(LinkView.HEADER_LENGTH + AVERAGE_KEY_BYTES + averageUrlBytes)
            .maxBloatFactor(MAX_BLOAT_FACTOR);
    }

    /** @return true if the last owner stopped without closing the replica (recovered or not). */
    public boolean stoppedUncleanly()
    {
        return uncleanStop;
    }

    /** @return a map-access slot for one event loop's own use with {@link #enterMap}/{@link #exitMap}. */
    public int claimAccessSlot()
    {
        return tracker.claimSlot();
    }

    /** Call before a lookup on {@link #map()} from the thread that owns {@code slot}. */
    public void enterMap(final int slot)
    {
        tracker.enter(slot);
    }

    /** Call once the lookup's context is closed. */
    public void exitMap(final int slot)
    {
        tracker.exit(slot);
    }

    /** @return true if this open had to recover the map after its last owner crashed. */
    public boolean recoveredFromCrash()
    {
        return recovered;
    }

    /**
     * The live map, for the redirect path's zero-copy lookups; keys are {@link #key(String, String)}.
     * Read it once per lookup: a bootstrap replaces it.
     */
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
        tracker.enter(MapAccessTracker.SHARED);
        try
        {
            final ChronicleMap<byte[], byte[]> live = map;
            addDomain(live, record.domain());
            live.put(key(record.domain(), record.code()), LinkCodec.encode(record));
        }
        finally
        {
            tracker.exit(MapAccessTracker.SHARED);
        }
    }

    /** @return the record for {@code domain/code}, or null. Allocates: for tools and tests, not the hot path. */
    public LinkRecord get(final String domain, final String code)
    {
        final byte[] bytes = read(key(domain, code));
        return bytes == null ? null : LinkCodec.decode(bytes);
    }

    /** One {@code get} on the live map, tracked. */
    private byte[] read(final byte[] key)
    {
        tracker.enter(MapAccessTracker.SHARED);
        try
        {
            return map.get(key);
        }
        finally
        {
            tracker.exit(MapAccessTracker.SHARED);
        }
    }

    /** @return the last change-log sequence applied to this replica, 0 if none. */
    public long appliedSequence()
    {
        return appliedSequence;
    }

    /** @return the commit time of {@link #appliedSequence()}, 0 if unknown. */
    public long appliedCommittedAtMs()
    {
        return appliedCommittedAtMs;
    }

    /** The fields from the map's sequence entry, at open. */
    private void rememberSequence(final byte[] bytes)
    {
        appliedSequence = bytes == null ? 0 : ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        appliedCommittedAtMs = bytes == null || bytes.length < 16 ? 0 : ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(8);
    }

    /** Persist that every change up to {@code sequence} is applied. */
    public void checkpoint(final long sequence, final long committedAtMs)
    {
        tracker.enter(MapAccessTracker.SHARED);
        try
        {
            map.put(SEQUENCE_KEY, sequenceValue(sequence, committedAtMs));
            hasSequenceEntry = true;
            appliedSequence = sequence;
            appliedCommittedAtMs = committedAtMs;
        }
        finally
        {
            tracker.exit(MapAccessTracker.SHARED);
        }
    }

    private static byte[] sequenceValue(final long sequence, final long committedAtMs)
    {
        return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(sequence).putLong(committedAtMs).array();
    }

    /**
     * Apply one change from the log: stored unless the map already holds this link at the same or a
     * later sequence (a change handed over again after a crash, counted in {@link #skippedChanges()}).
     */
    public void apply(final LinkRecord record)
    {
        final byte[] key = key(record.domain(), record.code());
        tracker.enter(MapAccessTracker.SHARED);
        try
        {
            final byte[] existing = map.get(key);
            if (existing != null && hasSameOrLater(existing, record.sequence()))
            {
                skipped.incrementAndGet();
                return;
            }
            addDomain(map, record.domain());
            map.put(key, LinkCodec.encode(record));
        }
        finally
        {
            tracker.exit(MapAccessTracker.SHARED);
        }
    }

    /** @return true if {@code existing} is a record this build reads, from {@code sequence} or later. */
    private boolean hasSameOrLater(final byte[] existing, final long sequence)
    {
        existingBuffer.wrap(existing);
        return existingView.wrap(existingBuffer, 0, existing.length).isReadable() && existingView.sequence() >= sequence;
    }

    /** @return changes handed over again (after a restart) and skipped because the map already had them. */
    public long skippedChanges()
    {
        return skipped.get();
    }

    /**
     * Load a snapshot into a new {@code links.next.N.cm3}, sized for the larger of the configured link count and
     * 1.25 times the snapshot's, beside the live map.
     */
    SnapshotLoad beginBootstrap(final long expectedRecords) throws IOException
    {
        final Path next = dataDir.resolve(NEXT_PREFIX + "." + System.nanoTime() + ".cm3");
        final long entries = Math.max(expectedLinks, expectedRecords + expectedRecords / 4 + 1024);
        return new SnapshotLoad(this, builder(entries, averageUrlBytes).createPersistedTo(next.toFile()), next);
    }

    /**
     * A snapshot load is done: {@code fresh} gets the bookkeeping entries, its file is renamed over the
     * live map's (atomic) and it becomes the map the redirect path reads. On the follower's thread.
     */
    void commitSnapshot(final ChronicleMap<byte[], byte[]> fresh, final Path file, final KnownDomains domains, final long sequence,
        final long committedAtMs) throws IOException
    {
        fresh.put(DOMAINS_KEY, domains.encode());
        fresh.put(SEQUENCE_KEY, sequenceValue(sequence, committedAtMs));
        Files.move(file, dataDir.resolve(MAP_FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        swapIn(fresh, domains);
        hasDomainsEntry = true;
        hasSequenceEntry = true;
        appliedSequence = sequence;
        appliedCommittedAtMs = committedAtMs;
    }

    private synchronized void swapIn(final ChronicleMap<byte[], byte[]> fresh, final KnownDomains domains)
    {
        final ChronicleMap<byte[], byte[]> old = map;
        knownDomains = domains;
        map = fresh;
        retirer.retire(old);
        afterSnapshot.run();
    }

    /** Run {@code check} after every snapshot is swapped in (the domains may have changed whole). */
    public void onSnapshot(final Runnable check)
    {
        afterSnapshot = check;
    }

    /** How many domains the links belong to. */
    public int domainCount()
    {
        return knownDomains.size();
    }

    /** The domains the links belong to, comma-separated. */
    public String domains()
    {
        return knownDomains.toString();
    }

    /**
     * Whether {@code domain} (lower-case ASCII bytes) is a domain some link belongs to. Safe on any
     * thread and allocation-free: the set is a small array replaced whole when a domain is added.
     */
    public boolean isKnownDomain(final byte[] bytes, final int offset, final int length)
    {
        return knownDomains.contains(bytes, offset, length);
    }

    /** @return links held, not counting the replica's own bookkeeping entries. */
    public long linkCount()
    {
        tracker.enter(MapAccessTracker.SHARED);
        try
        {
            final ChronicleMap<byte[], byte[]> live = map;
            return live.longSize() - (hasSequenceEntry ? 1 : 0) - (hasDomainsEntry ? 1 : 0);
        }
        finally
        {
            tracker.exit(MapAccessTracker.SHARED);
        }
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
        retirer.close();
        try
        {
            map.close();
            tracker.close();
            directory.markClosed();
        }
        finally
        {
            directory.close();
        }
    }

    private void addDomain(final ChronicleMap<byte[], byte[]> live, final String domain)
    {
        final KnownDomains more = knownDomains.with(domain);
        if (more != knownDomains)
        {
            live.put(DOMAINS_KEY, more.encode());
            hasDomainsEntry = true;
            knownDomains = more;
        }
    }
}
