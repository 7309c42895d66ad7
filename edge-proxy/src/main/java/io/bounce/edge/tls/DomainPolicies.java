package io.bounce.edge.tls;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collection;

import io.bounce.replication.tls.DomainPolicy;
import io.netty.util.AsciiString;

/**
 * The domains that are HTTPS only, as the redirect path asks: by the domain's bytes, with no allocation and
 * no lock. Immutable: a change builds a new table, swapped in whole. Open addressing over a power-of-two
 * table at most half full, so a lookup is a hash of the name and, in practice, one or two comparisons,
 * whatever the number of domains.
 */
public final class DomainPolicies
{
    public static final DomainPolicies EMPTY = new DomainPolicies(new byte[1][], new byte[1][], new AsciiString[1], 0);

    private final byte[][] domains;
    private final byte[][] hstsLines;
    private final AsciiString[] hstsValues;
    private final int mask;
    private final int size;

    private DomainPolicies(final byte[][] domains, final byte[][] hstsLines, final AsciiString[] hstsValues, final int size)
    {
        this.domains = domains;
        this.hstsLines = hstsLines;
        this.hstsValues = hstsValues;
        this.mask = domains.length - 1;
        this.size = size;
    }

    /** @return a table of the policies that are {@code httpsOnly}; the others need no entry. */
    public static DomainPolicies of(final Collection<DomainPolicy> policies)
    {
        final int count = (int)policies.stream().filter(DomainPolicy::httpsOnly).count();
        if (count == 0)
        {
            return EMPTY;
        }
        final int capacity = Integer.highestOneBit(count * 2 - 1) << 1; // a power of two, at most half full
        final byte[][] domains = new byte[capacity][];
        final byte[][] lines = new byte[capacity][];
        final AsciiString[] values = new AsciiString[capacity];
        for (final DomainPolicy policy : policies)
        {
            if (!policy.httpsOnly())
            {
                continue;
            }
            final byte[] domain = policy.domain().getBytes(StandardCharsets.US_ASCII);
            int slot = hash(domain, 0, domain.length) & (capacity - 1);
            while (domains[slot] != null)
            {
                slot = (slot + 1) & (capacity - 1);
            }
            domains[slot] = domain;
            lines[slot] = ("Strict-Transport-Security: " + policy.hstsValue() + "\r\n").getBytes(StandardCharsets.US_ASCII);
            values[slot] = AsciiString.cached(policy.hstsValue());
        }
        return new DomainPolicies(domains, lines, values, count);
    }

    /** @return true when no domain is HTTPS only: the redirect path then skips the lookup. */
    public boolean isEmpty()
    {
        return size == 0;
    }

    public int size()
    {
        return size;
    }

    /** @return the slot of {@code length} bytes of {@code name} from 0 when that domain is HTTPS only, else -1. */
    public int find(final byte[] name, final int length)
    {
        int slot = hash(name, 0, length) & mask;
        for (byte[] domain; (domain = domains[slot]) != null; slot = (slot + 1) & mask)
        {
            if (domain.length == length && Arrays.equals(domain, 0, length, name, 0, length))
            {
                return slot;
            }
        }
        return -1;
    }

    /** @return the whole {@code Strict-Transport-Security: ...\r\n} line of a slot {@link #find} gave. */
    public byte[] hstsLine(final int slot)
    {
        return hstsLines[slot];
    }

    /** @return the same header's value, for HTTP/2. */
    public AsciiString hstsValue(final int slot)
    {
        return hstsValues[slot];
    }

    /** FNV-1a. */
    private static int hash(final byte[] bytes, final int offset, final int length)
    {
        int h = 0x811c9dc5;
        for (int i = offset; i < offset + length; i++)
        {
            h ^= bytes[i];
            h *= 0x01000193;
        }
        return h ^ (h >>> 16);
    }
}
