package io.bounce.edge.geo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.bounce.runtime.testing.TestMmdb;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GeoIpTest
{
    @TempDir
    Path dir;

    private static byte[] ip(final String address) throws IOException
    {
        return InetAddress.getByName(address).getAddress();
    }

    @Test
    void readsTheCountryKeyedEitherWayAndNothingForAnAddressItDoesNotHold() throws Exception
    {
        final Path file = new TestMmdb()
            .network("203.0.113.0/24", Map.of("country_code", "nz"))
            .network("198.51.100.0/24", Map.of("country", Map.of("iso_code", "DE", "names", Map.of("en", "Germany"))))
            .network("192.0.2.0/24", Map.of("country_code", "not-a-country"))
            .write(dir.resolve("country.mmdb"));
        try (GeoIp geoIp = GeoIp.open(file))
        {
            assertEquals("NZ", geoIp.country(ip("203.0.113.7"), 4, 0), "ip-location-db's country_code");
            assertEquals("DE", geoIp.country(ip("198.51.100.200"), 4, 0), "GeoLite2's country.iso_code");
            assertNull(geoIp.country(ip("192.0.2.1"), 4, 0), "a value that is not a country code is none");
            assertNull(geoIp.country(ip("10.1.2.3"), 4, 0), "an address the database does not hold");

            // The event loops' lookup: the search tree walked in place, each data record decoded once per cache.
            final GeoIp.Cache cache = new GeoIp.Cache();
            assertEquals('N' << 8 | 'Z', geoIp.countryCode(ip("203.0.113.7"), 4, 0, cache));
            assertEquals('N' << 8 | 'Z', geoIp.countryCode(ip("203.0.113.200"), 4, 0, cache));
            assertEquals('D' << 8 | 'E', geoIp.countryCode(ip("198.51.100.1"), 4, 0, cache));
            assertEquals(0, geoIp.countryCode(ip("192.0.2.1"), 4, 0, cache));
            assertEquals(0, geoIp.countryCode(ip("10.1.2.3"), 4, 0, cache));
            assertEquals(0, geoIp.countryCode(new byte[16], 16, 0, cache), "an IPv6 address in an IPv4 database");
        }
    }

    @Test
    void reopensTheFileWhenItChangesAndKeepsTheOldOneWhenTheNewDoesNotOpen() throws Exception
    {
        final Path file = new TestMmdb().network("127.0.0.0/8", Map.of("country_code", "NZ")).write(dir.resolve("country.mmdb"));
        try (GeoIp geoIp = GeoIp.open(file))
        {
            assertEquals("NZ", geoIp.country(ip("127.0.0.1"), 4, 1_000));
            new TestMmdb().network("127.0.0.0/8", Map.of("country_code", "FR")).network("10.0.0.0/8", Map.of("country_code", "BE"))
                .write(file);
            assertEquals("NZ", geoIp.country(ip("127.0.0.1"), 4, 2_000), "looked at only every " + GeoIp.CHECK_MS + " ms");
            assertEquals("FR", geoIp.country(ip("127.0.0.1"), 4, 1_000 + GeoIp.CHECK_MS), "the new file, once looked at");
            Files.writeString(file.resolveSibling("broken.tmp"), "not a database, and longer than the old one was, by far");
            Files.move(file.resolveSibling("broken.tmp"), file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            assertEquals("FR", geoIp.country(ip("127.0.0.1"), 4, 1_000 + 2 * GeoIp.CHECK_MS), "a broken file keeps the one in use");
        }
    }

    @Test
    void aFileThatIsNotADatabaseIsRefusedByName() throws Exception
    {
        final Path file = Files.writeString(dir.resolve("junk.mmdb"), "junk");
        final IOException refused = assertThrows(IOException.class, () -> GeoIp.open(file));
        assertEquals(true, refused.getMessage().contains("junk.mmdb is not an MMDB database"), refused.getMessage());
    }
}
