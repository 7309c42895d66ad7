package io.bounce.runtime.tls;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

import io.bounce.runtime.log.LogThrottle;
import org.agrona.concurrent.Agent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Certificates kept as files in a directory, the way certbot, cert-manager or a config-management tool
 * leave them: each {@code NAME.pem} (the chain) beside {@code NAME.key} (its key). An agent looks at the
 * directory every few seconds; when a file's size or modification time changes it reads them all again
 * and replaces the {@link ServerTls}'s {@code dir} source whole, so a renewed certificate is served from
 * the next handshake on. A pair that does not parse or match is skipped, logged and counted; the
 * certificates that do are served, and a file that read well before keeps serving what it held (a pair
 * caught half rewritten is read again when its second file lands). Replace files by renaming new ones over them.
 */
public final class CertificateDirectory implements Agent
{
    private static final Logger LOG = LoggerFactory.getLogger(CertificateDirectory.class);
    /** Most certificate pairs read from the directory. */
    public static final int MAX_PAIRS = 100_000;

    private final Path directory;
    private final ServerTls tls;
    private final AtomicLong refused = new AtomicLong();
    private final LogThrottle throttle = new LogThrottle();
    private Map<String, String> seen = Map.of();
    /** The last certificate read well from each chain file: kept while a rewrite of its pair is half done or broken. */
    private Map<String, ServerCertificate> good = Map.of();

    public CertificateDirectory(final Path directory, final ServerTls tls)
    {
        this.directory = directory;
        this.tls = tls;
    }

    /** Read the directory now (before the port opens); later changes are found by {@link #doWork()}. */
    public void load() throws IOException
    {
        final Map<String, String> now = listing();
        read(now);
    }

    /** @return pairs skipped because they did not parse, did not match or could not be read. */
    public long refused()
    {
        return refused.get();
    }

    @Override
    public int doWork() throws IOException
    {
        final Map<String, String> now = listing();
        if (now.equals(seen))
        {
            return 0;
        }
        read(now);
        return 1;
    }

    @Override
    public String roleName()
    {
        return "tls-directory";
    }

    private void read(final Map<String, String> listing) throws IOException
    {
        final Map<String, ServerCertificate> read = new TreeMap<>();
        for (final String file : listing.keySet())
        {
            if (!file.endsWith(".pem"))
            {
                continue;
            }
            final String name = file.substring(0, file.length() - 4);
            final Path chain = directory.resolve(file);
            final Path key = directory.resolve(name + ".key");
            if (!listing.containsKey(name + ".key"))
            {
                refuse(file, "no " + name + ".key beside it", read);
                continue;
            }
            final ServerCertificate unchanged = good.get(file);
            if (unchanged != null && Objects.equals(listing.get(file), seen.get(file)) &&
                Objects.equals(listing.get(name + ".key"), seen.get(name + ".key")))
            {
                read.put(file, unchanged); // neither file changed: not parsed and checked again
                continue;
            }
            try
            {
                read.put(file, ServerCertificate.read(chain, key));
            }
            catch (final ServerCertificate.Refused ex)
            {
                refuse(file, ex.getMessage(), read);
            }
            catch (final IOException ex)
            {
                refuse(file, "cannot read it: " + ex.getMessage(), read);
            }
        }
        tls.replace("dir", new ArrayList<>(read.values()));
        good = read;
        seen = listing; // a pair caught half rewritten changes the listing again when its second file lands
    }

    private void refuse(final String file, final String why, final Map<String, ServerCertificate> read)
    {
        refused.incrementAndGet();
        final ServerCertificate before = good.get(file);
        if (before != null)
        {
            read.put(file, before);
        }
        if (throttle.tryAcquire())
        {
            LOG.warn("TLS: skipping {} in {}: {}{}", file, directory, why, before != null ? "; serving the one read before" : "");
        }
    }

    /** Each .pem and .key file with its size and modification time. */
    private Map<String, String> listing() throws IOException
    {
        final Map<String, String> files = new TreeMap<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory))
        {
            for (final Path path : stream)
            {
                final String name = path.getFileName().toString();
                if ((name.endsWith(".pem") || name.endsWith(".key")) && files.size() < 2 * MAX_PAIRS)
                {
                    final BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
                    files.put(name, attributes.size() + "@" + attributes.lastModifiedTime().toMillis());
                }
            }
        }
        return files;
    }
}
