package io.bounce.edge.geo;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import com.maxmind.db.CHMCache;
import com.maxmind.db.Reader;
import io.bounce.runtime.admin.Metrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A visitor's country from an MMDB database ({@code --geoip-db}), read with MaxMind's reader, memory-mapped. It takes
 * both ways databases key the country: {@code country_code} (the CC0 {@code @ip-location-db} files that
 * {@code bounce geoip update} fetches) and {@code country.iso_code} (MaxMind's GeoLite2 and GeoIP2). The file is
 * looked at every {@value #CHECK_MS} ms and reopened when it changed (a new download moved into place); a file that does
 * not open keeps the one in use. Used by one thread (the click writer's).
 */
public final class GeoIp implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(GeoIp.class);
    static final long CHECK_MS = 10_000;

    private final Path file;
    private final AtomicLong lookups = new AtomicLong();
    private final AtomicLong found = new AtomicLong();
    private final AtomicLong reloads = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private Reader reader;
    private FileTime modified;
    private long size;
    private long checkAtMs;
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

    private void reopen() throws IOException
    {
        final FileTime time = Files.getLastModifiedTime(file);
        final long length = Files.size(file);
        final Reader next;
        try
        {
            next = new Reader(file.toFile(), Reader.FileMode.MEMORY_MAPPED, new CHMCache());
        }
        catch (final IOException | RuntimeException ex)
        {
            throw new IOException(file + " is not an MMDB database: " + ex.getMessage(), ex);
        }
        final Reader old = reader;
        reader = next;
        modified = time;
        size = length;
        buildEpochSeconds = next.getMetadata().buildTime().getEpochSecond();
        if (old != null)
        {
            old.close(); // this thread was its only reader
        }
    }

    /** Reopen the file if it changed since it was opened, at most every {@value #CHECK_MS} ms. */
    private void checkForChange(final long nowMs)
    {
        if (nowMs < checkAtMs)
        {
            return;
        }
        checkAtMs = nowMs + CHECK_MS;
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
        lookups.incrementAndGet();
        try
        {
            final Map<?, ?> record = reader.get(InetAddress.getByAddress(Arrays.copyOf(address, length)), Map.class);
            final String country = record == null ? null : countryOf(record);
            if (country != null)
            {
                found.incrementAndGet();
            }
            return country;
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
        Metrics.counter(registry, "bounce_geoip_lookups_total", "Client addresses looked up in the GeoIP database.", lookups::get);
        Metrics.counter(registry, "bounce_geoip_found_total", "Lookups that found a country.", found::get);
        Metrics.counter(registry, "bounce_geoip_reloads_total", "Times the GeoIP database was reopened after its file changed.", reloads::get);
        Metrics.counter(registry, "bounce_geoip_errors_total",
            "Lookups that failed, and changed files that did not open (the database in use stays).", failures::get);
        Metrics.gauge(registry, "bounce_geoip_build_seconds", "When the GeoIP database in use was built (Unix time).",
            () -> buildEpochSeconds);
    }

    @Override
    public void close() throws IOException
    {
        if (reader != null)
        {
            reader.close();
        }
    }
}
