package io.bounce.control.links;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Destination domains nobody may link to, from a file of one domain a line ({@code #} comments).
 * A listed domain blocks its subdomains too. The file is checked for changes at most once a second
 * and reread when its modification time or size changes; a file that cannot be read keeps the last
 * good list (and says so in the log) rather than letting everything through.
 */
public final class Blocklist
{
    private static final Logger LOG = LoggerFactory.getLogger(Blocklist.class);
    private static final long CHECK_INTERVAL_NS = 1_000_000_000L;

    private final Path file;
    private volatile Set<String> domains = Set.of();
    private volatile long checkedAtNs = Long.MIN_VALUE;
    private FileTime loadedModified;
    private long loadedSize = -1;

    /** @param file the list, or null for none. */
    public Blocklist(final Path file)
    {
        this.file = file;
        if (file != null)
        {
            reloadIfChanged();
        }
    }

    /** @return the listed domain that blocks {@code host} (itself or a parent), or null. */
    public String blocking(final String host)
    {
        if (file == null)
        {
            return null;
        }
        final long now = System.nanoTime();
        if (now - checkedAtNs > CHECK_INTERVAL_NS)
        {
            checkedAtNs = now;
            reloadIfChanged();
        }
        final Set<String> current = domains;
        String candidate = host;
        while (true)
        {
            if (current.contains(candidate))
            {
                return candidate;
            }
            final int dot = candidate.indexOf('.');
            if (dot < 0)
            {
                return null;
            }
            candidate = candidate.substring(dot + 1);
        }
    }

    private synchronized void reloadIfChanged()
    {
        try
        {
            final FileTime modified = Files.getLastModifiedTime(file);
            final long size = Files.size(file);
            if (modified.equals(loadedModified) && size == loadedSize)
            {
                return;
            }
            final Set<String> loaded = new HashSet<>();
            for (final String line : Files.readAllLines(file, StandardCharsets.UTF_8))
            {
                final String trimmed = line.strip().toLowerCase(Locale.ROOT);
                if (!trimmed.isEmpty() && !trimmed.startsWith("#"))
                {
                    loaded.add(trimmed.endsWith(".") ? trimmed.substring(0, trimmed.length() - 1) : trimmed);
                }
            }
            domains = Set.copyOf(loaded);
            loadedModified = modified;
            loadedSize = size;
            LOG.info("blocklist {}: {} domains", file, loaded.size());
        }
        catch (final IOException ex)
        {
            LOG.warn("blocklist {} could not be read ({}); keeping the {} domains loaded before", file, ex.toString(), domains.size());
        }
    }
}
