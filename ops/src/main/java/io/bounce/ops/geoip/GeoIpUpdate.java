package io.bounce.ops.geoip;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bounce.edge.geo.GeoIp;
import io.bounce.runtime.launch.RoleLauncher;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bounce geoip update}: fetch the CC0 country database {@value #PACKAGE} (countries by address, from the regional
 * registries' WHOIS and ASN data) from the npm registry, check the tarball against the registry's SHA-512, check that the
 * file opens as an MMDB database, and move it into place atomically, where a running edge's {@code --geoip-db} picks it up.
 */
@Command(name = "bounce geoip update", mixinStandardHelpOptions = true, version = "bounce geoip update 0.1.0", sortOptions = false,
    description = "Fetch the CC0 country database (@ip-location-db/geo-whois-asn-country-mmdb) from the npm registry into --out.")
public final class GeoIpUpdate
{
    static final String PACKAGE = "@ip-location-db/geo-whois-asn-country-mmdb";
    private static final String FILE_IN_PACKAGE = "package/geo-whois-asn-country.mmdb";
    private static final long MAX_BYTES = 256L << 20;

    @Option(names = "--out", paramLabel = "FILE", defaultValue = "./data/geoip/country.mmdb",
        description = "Where the database goes (an edge's --geoip-db). Default: ${DEFAULT-VALUE}")
    Path out;

    @Option(names = "--registry", paramLabel = "URL", defaultValue = "https://registry.npmjs.org",
        description = "The npm registry to fetch from. Default: ${DEFAULT-VALUE}")
    String registry;

    private GeoIpUpdate()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        System.exit(run(args, System.getenv(), System.out, System.err));
    }

    public static int run(final String[] args, final Map<String, String> environment, final PrintStream out, final PrintStream err)
        throws Exception
    {
        final GeoIpUpdate command = new GeoIpUpdate();
        final Integer exit = RoleLauncher.parse(new CommandLine(command), args, environment, out, err, () -> { });
        if (exit != null)
        {
            return exit;
        }
        try
        {
            command.update(out);
            return 0;
        }
        catch (final IOException ex)
        {
            err.println("bounce geoip update: " + ex.getMessage());
            return 1;
        }
    }

    private void update(final PrintStream said) throws IOException, InterruptedException
    {
        final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(Duration.ofSeconds(20))
            .build();
        final String base = registry.endsWith("/") ? registry.substring(0, registry.length() - 1) : registry;
        final JsonNode latest = new ObjectMapper().readTree(fetch(http, base + "/" + PACKAGE.replace("/", "%2F") + "/latest"));
        final String version = latest.path("version").asText();
        final String tarball = latest.path("dist").path("tarball").asText();
        final String integrity = latest.path("dist").path("integrity").asText();
        if (tarball.isEmpty() || !integrity.startsWith("sha512-"))
        {
            throw new IOException("the registry's answer for " + PACKAGE + " names no tarball with a sha512 integrity");
        }
        final byte[] packed = fetch(http, tarball);
        final byte[] digest;
        try
        {
            digest = MessageDigest.getInstance("SHA-512").digest(packed);
        }
        catch (final java.security.NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException(ex);
        }
        if (!MessageDigest.isEqual(digest, Base64.getDecoder().decode(integrity.substring(7))))
        {
            throw new IOException("the tarball of " + PACKAGE + " " + version + " does not match the registry's SHA-512; nothing changed");
        }
        final byte[] database = fileInTar(new GZIPInputStream(new java.io.ByteArrayInputStream(packed)), FILE_IN_PACKAGE);
        final Path target = out.toAbsolutePath();
        Files.createDirectories(target.getParent());
        final Path tmp = target.resolveSibling(target.getFileName() + ".download");
        Files.write(tmp, database);
        try (GeoIp check = GeoIp.open(tmp))
        {
            // it opens: an edge can use it
        }
        catch (final IOException ex)
        {
            Files.deleteIfExists(tmp);
            throw ex;
        }
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        said.println("geoip: " + target + " (" + PACKAGE + " " + version + ", " + database.length + " bytes, CC0)");
    }

    private static byte[] fetch(final HttpClient http, final String url) throws IOException, InterruptedException
    {
        final HttpResponse<InputStream> answer = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(2)).build(),
            HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = answer.body())
        {
            if (answer.statusCode() != 200)
            {
                throw new IOException(url + " answered HTTP " + answer.statusCode());
            }
            final byte[] bytes = body.readNBytes((int)MAX_BYTES + 1);
            if (bytes.length > MAX_BYTES)
            {
                throw new IOException(url + " is larger than " + (MAX_BYTES >> 20) + " MiB");
            }
            return bytes;
        }
    }

    /** @return the bytes of {@code name} in a tar stream (ustar headers of 512 bytes, contents padded to 512). */
    static byte[] fileInTar(final InputStream tar, final String name) throws IOException
    {
        final byte[] header = new byte[512];
        while (tar.readNBytes(header, 0, 512) == 512)
        {
            final String entry = text(header, 345, 155).isEmpty() ? text(header, 0, 100) : text(header, 345, 155) + "/" + text(header, 0, 100);
            if (entry.isEmpty())
            {
                break; // the end-of-archive blocks
            }
            final long size;
            try
            {
                size = Long.parseLong(text(header, 124, 12).trim(), 8);
            }
            catch (final NumberFormatException ex)
            {
                throw new IOException("not a tar archive (entry " + entry + ")");
            }
            if (size < 0 || size > MAX_BYTES)
            {
                throw new IOException("tar entry " + entry + " has an impossible size " + size);
            }
            final byte[] content = tar.readNBytes((int)size);
            tar.skipNBytes((512 - size % 512) % 512);
            if (entry.equals(name))
            {
                return content;
            }
        }
        throw new IOException("the package has no " + name);
    }

    private static String text(final byte[] header, final int from, final int length)
    {
        int end = from;
        while (end < from + length && header[end] != 0)
        {
            end++;
        }
        return new String(header, from, end - from, StandardCharsets.US_ASCII);
    }
}
