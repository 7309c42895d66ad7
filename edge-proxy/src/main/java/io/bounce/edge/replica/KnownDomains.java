package io.bounce.edge.replica;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The domains some link in the replica belongs to, as lower-case ASCII bytes. Immutable: adding a
 * domain makes a new set, swapped in whole, so the redirect path reads it on any thread without a
 * lock and without allocating. Persisted in the replica as newline-separated text. A handful of
 * entries in practice (branded domains), so a linear scan beats a hash.
 */
final class KnownDomains
{
    static final KnownDomains NONE = new KnownDomains(new byte[0][]);

    private final byte[][] domains;

    private KnownDomains(final byte[][] domains)
    {
        this.domains = domains;
    }

    boolean contains(final byte[] bytes, final int offset, final int length)
    {
        for (final byte[] domain : domains)
        {
            if (domain.length == length && Arrays.equals(domain, 0, length, bytes, offset, offset + length))
            {
                return true;
            }
        }
        return false;
    }

    /** @return this set with {@code domain} in it: this same set when it already was. */
    KnownDomains with(final String domain)
    {
        final byte[] bytes = domain.getBytes(StandardCharsets.US_ASCII);
        if (contains(bytes, 0, bytes.length))
        {
            return this;
        }
        final byte[][] more = Arrays.copyOf(domains, domains.length + 1);
        more[domains.length] = bytes;
        return new KnownDomains(more);
    }

    int size()
    {
        return domains.length;
    }

    /** The domains, comma-separated, for a log line. */
    @Override
    public String toString()
    {
        return new String(encode(), StandardCharsets.US_ASCII).strip().replace('\n', ',');
    }

    byte[] encode()
    {
        final StringBuilder joined = new StringBuilder();
        for (final byte[] domain : domains)
        {
            joined.append(new String(domain, StandardCharsets.US_ASCII)).append('\n');
        }
        return joined.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** @param stored what {@link #encode()} wrote, or null for none. */
    static KnownDomains decode(final byte[] stored)
    {
        if (stored == null || stored.length == 0)
        {
            return NONE;
        }
        return new KnownDomains(Arrays.stream(new String(stored, StandardCharsets.US_ASCII).split("\n"))
            .filter(domain -> !domain.isEmpty())
            .map(domain -> domain.getBytes(StandardCharsets.US_ASCII))
            .toArray(byte[][]::new));
    }
}
