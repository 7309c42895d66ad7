package io.bounce.control.links;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * A block of IP addresses written as CIDR ({@code 203.0.113.0/24}, {@code 2001:db8::/32}) or as one
 * address. IPv4 blocks hold IPv4 addresses only: an IPv4-mapped IPv6 address is read as the IPv4
 * address it carries before it is compared (the JDK does that when it parses one).
 */
public final class AddressRange
{
    private final byte[] network;
    private final int bits;
    private final String text;

    private AddressRange(final byte[] network, final int bits, final String text)
    {
        this.network = network;
        this.bits = bits;
        this.text = text;
    }

    /**
     * @param cidr an address literal with an optional {@code /bits}; never a name (nothing is looked up).
     * @throws IllegalArgumentException naming what is wrong with it.
     */
    public static AddressRange parse(final String cidr)
    {
        final String trimmed = cidr.trim();
        final int slash = trimmed.indexOf('/');
        final String address = slash < 0 ? trimmed : trimmed.substring(0, slash);
        final byte[] bytes = literal(address);
        if (bytes == null)
        {
            throw new IllegalArgumentException("not an IP address or CIDR block: " + cidr);
        }
        int bits = bytes.length * 8;
        if (slash >= 0)
        {
            try
            {
                bits = Integer.parseInt(trimmed.substring(slash + 1));
            }
            catch (final NumberFormatException ex)
            {
                bits = -1;
            }
            if (bits < 0 || bits > bytes.length * 8)
            {
                throw new IllegalArgumentException("prefix length out of range in " + cidr);
            }
        }
        return new AddressRange(bytes, bits, trimmed);
    }

    /**
     * The bytes of an IP address literal (4 for IPv4 including IPv4-mapped IPv6, 16 for other IPv6), or
     * null if {@code text} is not one. Dotted-quad IPv4 and IPv6 in its usual forms only; no zone ids,
     * and never a DNS lookup.
     */
    public static byte[] literal(final String text)
    {
        if (text.isEmpty() || text.length() > 45)
        {
            return null;
        }
        boolean colon = false;
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            colon |= c == ':';
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':' || c == '.'))
            {
                return null;
            }
        }
        if (!colon && !dottedQuad(text))
        {
            return null;
        }
        try
        {
            // brackets make the JDK parse an IPv6 literal or fail; a dotted quad is parsed as one: no lookup either way
            return InetAddress.getByName(colon ? "[" + text + "]" : text).getAddress();
        }
        catch (final UnknownHostException ex)
        {
            return null;
        }
    }

    private static boolean dottedQuad(final String text)
    {
        final String[] parts = text.split("\\.", -1);
        if (parts.length != 4)
        {
            return false;
        }
        for (final String part : parts)
        {
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(Character::isDigit) || Integer.parseInt(part) > 255)
            {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code address} (4 or 16 bytes) is in this block. */
    public boolean contains(final byte[] address)
    {
        if (address.length != network.length)
        {
            return false;
        }
        final int whole = bits >>> 3;
        for (int i = 0; i < whole; i++)
        {
            if (address[i] != network[i])
            {
                return false;
            }
        }
        final int rest = bits & 7;
        if (rest == 0)
        {
            return true;
        }
        final int mask = (0xFF << (8 - rest)) & 0xFF;
        return (address[whole] & mask) == (network[whole] & mask);
    }

    @Override
    public String toString()
    {
        return text;
    }
}
