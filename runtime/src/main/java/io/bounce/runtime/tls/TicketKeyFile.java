package io.bounce.runtime.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import io.bounce.runtime.log.LogThrottle;
import org.agrona.concurrent.Agent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Session-ticket keys shared by a fleet, from a file every edge holds the same copy of: one key a line,
 * 48 random bytes in base64 (16 name, 16 HMAC, 16 AES). The first key seals new tickets; every key in the
 * file opens them, so a client that resumes on another edge behind anycast skips the full handshake, and
 * a rotation (a new first line, the old key kept below it for a ticket lifetime) loses no session. The
 * file is looked at every few seconds and applied to every TLS context when it changes.
 */
public final class TicketKeyFile implements Agent
{
    private static final Logger LOG = LoggerFactory.getLogger(TicketKeyFile.class);
    /** Bytes of one key, and most keys read from the file. */
    public static final int KEY_BYTES = 48;
    public static final int MAX_KEYS = 16;

    private final Path file;
    private final ServerTls tls;
    private final AtomicLong refused = new AtomicLong();
    private final LogThrottle throttle = new LogThrottle();
    private String seen = "";

    public TicketKeyFile(final Path file, final ServerTls tls)
    {
        this.file = file;
        this.tls = tls;
    }

    /**
     * Parse a key file's text.
     *
     * @throws IOException naming what is wrong (never a key's bytes).
     */
    public static List<byte[]> parse(final String text) throws IOException
    {
        final List<byte[]> keys = new ArrayList<>();
        for (final String line : text.split("\n"))
        {
            final String trimmed = line.trim();
            if (trimmed.isEmpty() || trimmed.startsWith("#"))
            {
                continue;
            }
            final byte[] key;
            try
            {
                key = Base64.getDecoder().decode(trimmed);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IOException("line " + (keys.size() + 1) + " is not base64");
            }
            if (key.length != KEY_BYTES)
            {
                throw new IOException("a key is " + KEY_BYTES + " bytes (head -c 48 /dev/urandom | base64 -w0), not " + key.length);
            }
            keys.add(key);
        }
        if (keys.isEmpty() || keys.size() > MAX_KEYS)
        {
            throw new IOException("holds " + keys.size() + " keys; 1 to " + MAX_KEYS + " expected, the first the one that seals");
        }
        return keys;
    }

    /** Read the file now and apply its keys (before the port opens). */
    public void load() throws IOException
    {
        final String stamp = stamp();
        apply(read());
        seen = stamp;
    }

    /** @return reads of the file that were refused (unreadable, malformed, readable by others). */
    public long refused()
    {
        return refused.get();
    }

    @Override
    public int doWork()
    {
        final String stamp;
        try
        {
            stamp = stamp();
        }
        catch (final IOException ex)
        {
            refuse("cannot read it: " + ex.getMessage());
            return 0;
        }
        if (stamp.equals(seen))
        {
            return 0;
        }
        seen = stamp;
        try
        {
            apply(read());
            return 1;
        }
        catch (final IOException ex)
        {
            refuse(ex.getMessage() + "; keeping the keys read before");
            return 0;
        }
    }

    @Override
    public String roleName()
    {
        return "tls-ticket-keys";
    }

    private List<byte[]> read() throws IOException
    {
        final java.util.Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
        if (permissions.contains(PosixFilePermission.OTHERS_READ) || permissions.contains(PosixFilePermission.GROUP_READ))
        {
            throw new IOException(file + " may be read by others than its owner: chmod 0600 it (a ticket key opens every session it sealed)");
        }
        if (Files.size(file) > 64 * MAX_KEYS)
        {
            throw new IOException(file + " is larger than " + MAX_KEYS + " keys");
        }
        try
        {
            return parse(Files.readString(file, StandardCharsets.US_ASCII));
        }
        catch (final IOException ex)
        {
            throw new IOException(file + ": " + ex.getMessage());
        }
    }

    private void apply(final List<byte[]> keys)
    {
        tls.setTicketKeys(keys);
        LOG.info("TLS: {} session-ticket keys from {}", keys.size(), file);
        keys.forEach(key -> Arrays.fill(key, (byte)0));
    }

    private void refuse(final String why)
    {
        refused.incrementAndGet();
        if (throttle.tryAcquire())
        {
            LOG.warn("TLS: session-ticket keys not read: {}", why);
        }
    }

    private String stamp() throws IOException
    {
        final BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
        return attributes.size() + "@" + attributes.lastModifiedTime().toMillis();
    }
}
