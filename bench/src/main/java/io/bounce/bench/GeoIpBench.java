package io.bounce.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

import io.bounce.edge.geo.GeoIp;

/**
 * GeoIP lookup cost over random public IPv4 addresses in the given MMDB file, after a warm-up; five rounds of
 * {@code LOOKUPS}, the median reported in ns per lookup, and the share of addresses that had a country. Two lookups:
 * {@link GeoIp#country} (what the click writer calls per click, through MaxMind's reader) and {@link GeoIp#countryCode}
 * (what an event loop calls for a link with a country rule: the search tree walked in place, a loop's cache of records),
 * with the heap each allocates per lookup.
 *
 * <p>Usage (bench/bin/geoip): {@code GeoIpBench MMDB_FILE LOOKUPS}
 */
public final class GeoIpBench
{
    private GeoIpBench()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final Path file = Path.of(args[0]);
        final int lookups = Integer.parseInt(args[1]);
        final byte[][] addresses = new byte[1 << 16][];
        final SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < addresses.length; i++)
        {
            final int ip = random.nextInt();
            addresses[i] = new byte[] {(byte)(ip >>> 24), (byte)(ip >>> 16), (byte)(ip >>> 8), (byte)ip};
        }
        try (GeoIp geoIp = GeoIp.open(file))
        {
            final GeoIp.Cache cache = new GeoIp.Cache();
            measure("country (click writer)", lookups, () -> run(geoIp, addresses, lookups));
            measure("countryCode (event loop)", lookups, () -> runCodes(geoIp, cache, addresses, lookups));
        }
    }

    private static void measure(final String what, final int lookups, final java.util.function.LongSupplier oneRound)
    {
        oneRound.getAsLong(); // warm-up
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)java.lang.management.ManagementFactory.getThreadMXBean();
        final double[] ns = new double[5];
        long found = 0;
        final long allocatedBefore = threads.getCurrentThreadAllocatedBytes();
        for (int round = 0; round < ns.length; round++)
        {
            final long started = System.nanoTime();
            found = oneRound.getAsLong();
            ns[round] = (System.nanoTime() - started) / (double)lookups;
        }
        final double allocated = (threads.getCurrentThreadAllocatedBytes() - allocatedBefore) / (double)lookups / ns.length;
        final double[] sorted = ns.clone();
        Arrays.sort(sorted);
        System.out.printf("geoip %s: %d lookups a round, rounds %s ns/lookup, median %.0f ns, %.2f bytes allocated a lookup; " +
            "%.1f%% of random addresses had a country%n", what, lookups, Arrays.toString(Arrays.stream(ns).mapToLong(Math::round).toArray()),
            sorted[2], allocated, 100.0 * found / lookups);
    }

    private static long run(final GeoIp geoIp, final byte[][] addresses, final int lookups)
    {
        long found = 0;
        for (int i = 0; i < lookups; i++)
        {
            if (geoIp.country(addresses[i & (addresses.length - 1)], 4, 0) != null)
            {
                found++;
            }
        }
        return found;
    }

    private static long runCodes(final GeoIp geoIp, final GeoIp.Cache cache, final byte[][] addresses, final int lookups)
    {
        long found = 0;
        for (int i = 0; i < lookups; i++)
        {
            if (geoIp.countryCode(addresses[i & (addresses.length - 1)], 4, 0, cache) != 0)
            {
                found++;
            }
        }
        return found;
    }
}
