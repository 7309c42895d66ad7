package io.bounce.edge.geo;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import com.maxmind.db.CHMCache;
import com.maxmind.db.Metadata;
import com.maxmind.db.Reader;
import io.bounce.runtime.admin.Metrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.agrona.collections.Int2IntHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A visitor's country from an MMDB database ({@code --geoip-db}), read with MaxMind's reader, memory-mapped. It takes
 * both ways databases key the country: {@code country_code} (the CC0 {@code @ip-location-db} files that
 * {@code bounce geoip update} fetches) and {@code country.iso_code} (MaxMind's GeoLite2 and GeoIP2). The file is
 * looked at every {@value #CHECK_MS} ms and reopened when it changed (a new download moved into place); a file that does
 * not open keeps the one in use. Thread-safe: the click writer and every event loop share one.
 *
 * <p>Event loops ask through {@link #countryCode(byte[], int, long, Cache)}, which allocates nothing: it walks the
 * database's search tree itself, in its own read-only mapping of the file (the MMDB format's binary trie), to the
 * offset of the address's data record, and looks that offset up in the loop's {@link Cache}. A database holds a few
 * hundred distinct records at most (one per country), so the reader decodes each one once per loop and never again.
 */
public final class GeoIp implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(GeoIp.class);
    static final long CHECK_MS = 10_000;
    /** Bytes between the search tree and the data section (MMDB spec: sixteen zero bytes). */
    private static final int DATA_SECTION_SEPARATOR = 16;

    /** One opened file: what a lookup needs, replaced whole when the file changes. */
    private static final class Generation
    {
        final Reader reader;
        final ByteBuffer tree;
        final int nodeCount;
        final int recordSize;
        final int ipVersion;
        /** The node an IPv4 address starts at: the root, or in an IPv6 tree the end of 96 zero bits. */
        final int ipv4Start;

        Generation(final Reader reader, final ByteBuffer tree, final Metadata metadata)
        {
            this.reader = reader;
            this.tree = tree;
            this.nodeCount = (int)metadata.nodeCount();
            this.recordSize = metadata.recordSize();
            this.ipVersion = metadata.ipVersion();
            int node = 0;
            if (ipVersion == 6)
            {
                for (int i = 0; i < 96 && node < nodeCount; i++)
                {
                    node = record(node, 0);
                }
            }
            this.ipv4Start = node;
        }

        /** @return the left (bit 0) or right (bit 1) record of {@code node} (MMDB: 24, 28 or 32 bits a record, big-endian). */
        int record(final int node, final int bit)
        {
            switch (recordSize)
            {
                case 24:
                {
                    final int at = node * 6 + bit * 3;
                    return (tree.get(at) & 0xFF) << 16 | (tree.get(at + 1) & 0xFF) << 8 | tree.get(at + 2) & 0xFF;
                }
                case 28:
                {
                    final int at = node * 7;
                    if (bit == 0)
                    {
                        return (tree.get(at + 3) & 0xF0) << 20 | (tree.get(at) & 0xFF) << 16 | (tree.get(at + 1) & 0xFF) << 8 |
                            tree.get(at + 2) & 0xFF;
                    }
                    return (tree.get(at + 3) & 0x0F) << 24 | (tree.get(at + 4) & 0xFF) << 16 | (tree.get(at + 5) & 0xFF) << 8 |
                        tree.get(at + 6) & 0xFF;
                }
                default:
                    return tree.getInt(node * 8 + bit * 4);
            }
        }

        /** @return the record (above {@link #nodeCount}) the address's bits lead to, or -1 when the database has none. */
        int walk(final byte[] address, final int length)
        {
            if (length == 16 && ipVersion == 4)
            {
                return -1;
            }
            int node = length == 4 ? ipv4Start : 0;
            final int bits = length * 8;
            for (int i = 0; i < bits && node < nodeCount; i++)
            {
                node = record(node, (address[i >>> 3] >>> (7 - (i & 7))) & 1);
            }
            return node > nodeCount ? node : -1;
        }
    }

    /**
     * One event loop's memory of which data record holds which country, for the generation it was filled from.
     * Owned by that loop's thread.
     */
    public static final class Cache
    {
        private static final int MISSING = -1;
        private final Int2IntHashMap countries = new Int2IntHashMap(256, 0.65f, MISSING);
        private Generation generation;
    }

    private final Path file;
    /** Counted by every event loop that looks a country up: adders, so the loops do not contend for one word. */
    private final LongAdder lookups = new LongAdder();
    private final LongAdder found = new LongAdder();
    private final AtomicLong reloads = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong checkAtMs = new AtomicLong();
    private volatile Generation current;
    private FileTime modified;
    private long size;
    private volatile long buildEpochSeconds;

    private GeoIp(final Path file)
    {
        this.file = file;
    }

    /** Open {@code file}; @throws IOException naming it when it is missing or not an MMDB database. */
    public static GeoIp open(final Path file) throws IOException
    {
        final GeoIp geoIp = new GeoIp(file);
        geoIp.reopen();
        return geoIp;
    }

    private synchronized void reopen() throws IOException
    {
        final FileTime time = Files.getLastModifiedTime(file);
        final long length = Files.size(file);
        final Generation next;
        try
        {
            final Reader reader = new Reader(file.toFile(), Reader.FileMode.MEMORY_MAPPED, new CHMCache());
            final Metadata metadata = reader.getMetadata();
            final long treeBytes = metadata.nodeCount() * (long)metadata.recordSize() / 4;
            if (metadata.recordSize() != 24 && metadata.recordSize() != 28 && metadata.recordSize() != 32 ||
                treeBytes + DATA_SECTION_SEPARATOR > length || treeBytes > Integer.MAX_VALUE)
            {
                reader.close();
                throw new IOException("its search tree (" + metadata.nodeCount() + " nodes of " + metadata.recordSize() +
                    "-bit records) does not fit the file");
            }
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
            {
                next = new Generation(reader, channel.map(FileChannel.MapMode.READ_ONLY, 0, treeBytes), metadata);
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            throw new IOException(file + " is not an MMDB database: " + ex.getMessage(), ex);
        }
        final Generation old = current;
        current = next;
        modified = time;
        size = length;
        buildEpochSeconds = next.reader.getMetadata().buildTime().getEpochSecond();
        if (old != null)
        {
            // A loop may still be inside the old one: a lookup it makes after this fails, is counted, and its next uses
            // the new generation. The old tree's mapping stays valid until collected.
            old.reader.close();
        }
    }

    /** Reopen the file if it changed since it was opened, at most every {@value #CHECK_MS} ms, on whichever thread gets there first. */
    private void checkForChange(final long nowMs)
    {
        final long at = checkAtMs.get();
        if (nowMs < at || !checkAtMs.compareAndSet(at, nowMs + CHECK_MS))
        {
            return;
        }
        try
        {
            if (!Files.getLastModifiedTime(file).equals(modified) || Files.size(file) != size)
            {
                reopen();
                reloads.incrementAndGet();
                LOG.info("reloaded the GeoIP database {}", file);
            }
        }
        catch (final IOException ex)
        {
            failures.incrementAndGet();
            LOG.warn("the GeoIP database {} changed but does not open ({}); keeping the one in use", file, ex.getMessage());
        }
    }

    /**
     * @param address the client's address: 4 or 16 bytes.
     * @return its country as two upper-case letters, or null when the database has none for it.
     */
    public String country(final byte[] address, final int length, final long nowMs)
    {
        checkForChange(nowMs);
        lookups.increment();
        final String country = decode(current, address, length);
        if (country != null)
        {
            found.increment();
        }
        return country;
    }

    /**
     * The same as {@link #country(byte[], int, long)} without allocating, for an event loop.
     *
     * @param cache the calling loop's own.
     * @return the country's two upper-case letters as {@code first << 8 | second}, or 0 when the database has none.
     */
    public int countryCode(final byte[] address, final int length, final long nowMs, final Cache cache)
    {
        checkForChange(nowMs);
        lookups.increment();
        final Generation generation = current;
        if (cache.generation != generation)
        {
            cache.countries.clear();
            cache.generation = generation;
        }
        final int record = length == 4 || length == 16 ? generation.walk(address, length) : -1;
        if (record < 0)
        {
            return 0;
        }
        int code = cache.countries.get(record);
        if (code == Cache.MISSING)
        {
            // Once per data record per loop: the reader decodes it (this allocates), and the loop remembers the answer.
            final String country = decode(generation, address, length);
            code = country == null ? 0 : country.charAt(0) << 8 | country.charAt(1);
            cache.countries.put(record, code);
        }
        if (code != 0)
        {
            found.increment();
        }
        return code;
    }

    private String decode(final Generation generation, final byte[] address, final int length)
    {
        try
        {
            final Map<?, ?> record = generation.reader.get(InetAddress.getByAddress(Arrays.copyOf(address, length)), Map.class);
            return record == null ? null : countryOf(record);
        }
        catch (final IOException | RuntimeException ex)
        {
            failures.incrementAndGet();
            return null;
        }
    }

    private static String countryOf(final Map<?, ?> record)
    {
        Object code = record.get("country_code");
        if (code == null && record.get("country") instanceof Map<?, ?> country)
        {
            code = country.get("iso_code");
        }
        if (code instanceof String text && text.length() == 2 && Character.isLetter(text.charAt(0)) && Character.isLetter(text.charAt(1)))
        {
            return text.toUpperCase(java.util.Locale.ROOT);
        }
        return null;
    }

    public void register(final PrometheusRegistry registry)
    {
        Metrics.counter(registry, "bounce_geoip_lookups_total", "Client addresses looked up in the GeoIP database.", lookups::sum);
        Metrics.counter(registry, "bounce_geoip_found_total", "Lookups that found a country.", found::sum);
        Metrics.counter(registry, "bounce_geoip_reloads_total", "Times the GeoIP database was reopened after its file changed.", reloads::get);
        Metrics.counter(registry, "bounce_geoip_errors_total",
            "Lookups that failed, and changed files that did not open (the database in use stays).", failures::get);
        Metrics.gauge(registry, "bounce_geoip_build_seconds", "When the GeoIP database in use was built (Unix time).",
            () -> buildEpochSeconds);
    }

    @Override
    public void close() throws IOException
    {
        final Generation generation = current;
        if (generation != null)
        {
            generation.reader.close();
        }
    }
}
