package io.bounce.control.links;

/**
 * The WHATWG URL standard's IPv4 host parser, the one every browser runs: a host whose last label is a
 * number is an IPv4 address written in one to four parts, each decimal, octal ({@code 0177}) or hex
 * ({@code 0x7f}), the last part filling the bytes that remain ({@code 127.1} is 127.0.0.1,
 * {@code 2130706433} too). A host that ends in a number but does not parse is no host at all to a browser.
 */
final class Ipv4
{
    /** The host does not end in a number: a domain name. */
    static final long NOT_A_NUMBER = -1;
    /** The host ends in a number but is not an IPv4 address: browsers refuse the URL. */
    static final long INVALID = -2;
    private static final long NOT_NUMERIC = -1;
    private static final long TOO_BIG = -2;

    private Ipv4()
    {
    }

    /** @return the address as an unsigned 32-bit value, {@link #NOT_A_NUMBER} or {@link #INVALID}. */
    static long parse(final String host)
    {
        String[] parts = host.split("\\.", -1);
        if (parts.length > 1 && parts[parts.length - 1].isEmpty())
        {
            final String[] trimmed = new String[parts.length - 1];
            System.arraycopy(parts, 0, trimmed, 0, trimmed.length);
            parts = trimmed;
        }
        final String last = parts[parts.length - 1];
        final boolean endsInNumber = !last.isEmpty() && (last.chars().allMatch(c -> c >= '0' && c <= '9') || number(last) != NOT_NUMERIC);
        if (!endsInNumber)
        {
            return NOT_A_NUMBER;
        }
        if (parts.length > 4)
        {
            return INVALID;
        }
        long address = 0;
        for (int i = 0; i < parts.length; i++)
        {
            final long n = number(parts[i]);
            final boolean isLast = i == parts.length - 1;
            if (n < 0 || (!isLast && n > 255) || (isLast && n >= 1L << (8 * (5 - parts.length))))
            {
                return INVALID;
            }
            address = isLast ? address + n : address + (n << (8 * (3 - i)));
        }
        return address;
    }

    static String format(final long address)
    {
        return ((address >>> 24) & 0xFF) + "." + ((address >>> 16) & 0xFF) + "." + ((address >>> 8) & 0xFF) + "." + (address & 0xFF);
    }

    /** One part: decimal, {@code 0}-prefixed octal or {@code 0x}-prefixed hex ({@code 0x} alone is 0); a number too big for 32 bits is still a number. */
    private static long number(final String part)
    {
        if (part.isEmpty())
        {
            return NOT_NUMERIC;
        }
        int radix = 10;
        int start = 0;
        if (part.length() >= 2 && part.charAt(0) == '0' && (part.charAt(1) == 'x' || part.charAt(1) == 'X'))
        {
            radix = 16;
            start = 2;
        }
        else if (part.length() >= 2 && part.charAt(0) == '0')
        {
            radix = 8;
            start = 1;
        }
        long value = 0;
        for (int i = start; i < part.length(); i++)
        {
            final char c = part.charAt(i);
            final int digit = c < 0x80 ? Character.digit(c, radix) : -1;
            if (digit < 0)
            {
                return NOT_NUMERIC;
            }
            value = Math.min(value * radix + digit, 1L << 40); // past 32 bits the exact value no longer matters
        }
        return value > 0xFFFF_FFFFL ? TOO_BIG : value;
    }
}
