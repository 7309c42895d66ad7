package io.bounce.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

import io.bounce.edge.geo.GeoIp;

/**
 * GeoIP lookup cost: {@link GeoIp#country} (what the click writer calls per click) over random public IPv4 addresses in
 * the given MMDB file, after a warm-up; five rounds of {@code LOOKUPS}, the median reported in ns per lookup, and the
 * share of addresses that had a country.
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
            run(geoIp, addresses, lookups); // warm-up
            final double[] ns = new double[5];
            long found = 0;
            for (int round = 0; round < ns.length; round++)
            {
                final long started = System.nanoTime();
                found = run(geoIp, addresses, lookups);
                ns[round] = (System.nanoTime() - started) / (double)lookups;
            }
            final double[] sorted = ns.clone();
            Arrays.sort(sorted);
            System.out.printf("geoip: %d lookups a round, rounds %s ns/lookup, median %.0f ns; %.1f%% of random addresses had a country%n",
                lookups, Arrays.toString(Arrays.stream(ns).mapToLong(Math::round).toArray()), sorted[2], 100.0 * found / lookups);
        }
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
}
