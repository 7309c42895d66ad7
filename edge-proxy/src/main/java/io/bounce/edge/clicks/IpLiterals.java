package io.bounce.edge.clicks;

import io.netty.buffer.ByteBuf;

/**
 * IP address literals read from request bytes without allocating: what {@code InetAddress.getByName} answers for a
 * literal, IPv4-mapped IPv6 addresses ({@code ::ffff:a.b.c.d}) included as the 4 bytes it answers for them, and
 * {@code -1} where it would not take the text as a literal. Surrounding spaces and tabs are ignored. Stateless.
 */
public final class IpLiterals
{
    private IpLiterals()
    {
    }

    /**
     * @param out at least 16 bytes, where the address goes.
     * @return 4 or 16, the address's length in {@code out}, or -1 if the text is not an IP literal.
     */
    public static int parse(final ByteBuf in, final int from, final int to, final byte[] out)
    {
        int start = from;
        int end = to;
        while (start < end && (in.getByte(start) == ' ' || in.getByte(start) == '\t'))
        {
            start++;
        }
        while (end > start && (in.getByte(end - 1) == ' ' || in.getByte(end - 1) == '\t'))
        {
            end--;
        }
        if (end - start < 2 || end - start > 45)
        {
            return -1;
        }
        for (int i = start; i < end; i++)
        {
            if (in.getByte(i) == ':')
            {
                return ipv6(in, start, end, out);
            }
        }
        return ipv4(in, start, end, out, 0) ? 4 : -1;
    }

    /** A dotted quad at {@code [start, end)} into {@code out[at, at + 4)}. */
    private static boolean ipv4(final ByteBuf in, final int start, final int end, final byte[] out, final int at)
    {
        int part = 0;
        int value = 0;
        int digits = 0;
        for (int i = start; i <= end; i++)
        {
            final byte b = i < end ? in.getByte(i) : (byte)'.';
            if (b == '.')
            {
                if (digits == 0 || part == 4)
                {
                    return false;
                }
                out[at + part++] = (byte)value;
                value = 0;
                digits = 0;
            }
            else if (b >= '0' && b <= '9' && digits < 3)
            {
                value = value * 10 + (b - '0');
                digits++;
                if (value > 255)
                {
                    return false;
                }
            }
            else
            {
                return false;
            }
        }
        return part == 4;
    }

    private static int ipv6(final ByteBuf in, final int start, final int end, final byte[] out)
    {
        int words = 0;
        int gap = -1; // the word index where "::" stands
        int i = start;
        if (in.getByte(i) == ':')
        {
            if (in.getByte(i + 1) != ':')
            {
                return -1;
            }
            gap = 0;
            i += 2;
        }
        while (i < end)
        {
            // an IPv4 tail: the rest has a '.'
            int dot = -1;
            int groupEnd = i;
            while (groupEnd < end && in.getByte(groupEnd) != ':')
            {
                if (in.getByte(groupEnd) == '.')
                {
                    dot = groupEnd;
                }
                groupEnd++;
            }
            if (dot >= 0)
            {
                if (groupEnd != end || words > 6 || !ipv4(in, i, end, out, 2 * words))
                {
                    return -1;
                }
                words += 2;
                i = end;
                break;
            }
            final int digits = groupEnd - i;
            if (digits == 0 || digits > 4 || words == 8)
            {
                return -1;
            }
            int value = 0;
            for (int j = i; j < groupEnd; j++)
            {
                final int hex = Character.digit(in.getByte(j), 16);
                if (hex < 0)
                {
                    return -1;
                }
                value = value << 4 | hex;
            }
            out[2 * words] = (byte)(value >>> 8);
            out[2 * words + 1] = (byte)value;
            words++;
            i = groupEnd;
            if (i < end)
            {
                i++; // the ':'
                if (i < end && in.getByte(i) == ':')
                {
                    if (gap >= 0)
                    {
                        return -1; // a second "::"
                    }
                    gap = words;
                    i++;
                }
                else if (i == end)
                {
                    return -1; // a trailing single ':'
                }
            }
        }
        if (gap < 0 ? words != 8 : words > 7)
        {
            return -1;
        }
        if (gap >= 0)
        {
            // move the words after the gap to the end, zeros between
            final int tail = words - gap;
            System.arraycopy(out, 2 * gap, out, 16 - 2 * tail, 2 * tail);
            java.util.Arrays.fill(out, 2 * gap, 16 - 2 * tail, (byte)0);
        }
        if (isMappedIpv4(out))
        {
            System.arraycopy(out, 12, out, 0, 4);
            return 4;
        }
        return 16;
    }

    private static boolean isMappedIpv4(final byte[] address)
    {
        for (int k = 0; k < 10; k++)
        {
            if (address[k] != 0)
            {
                return false;
            }
        }
        return address[10] == (byte)0xFF && address[11] == (byte)0xFF;
    }
}
