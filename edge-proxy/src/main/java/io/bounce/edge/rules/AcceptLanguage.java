package io.bounce.edge.rules;

import io.netty.buffer.ByteBuf;

/**
 * The visitor's preferred language from {@code Accept-Language} (RFC 9110 section 12.5.4), read in place and without
 * allocating, and the match of a link rule's language tags against it. Stateless.
 */
final class AcceptLanguage
{
    private AcceptLanguage()
    {
    }

    /**
     * A listed language matches the visitor's preferred one (the highest quality value in Accept-Language, the first of
     * equals; {@code q=0} means "not this") when it is that tag, or a prefix of it ending at a '-': {@code en} matches
     * {@code en-GB}, {@code pt-br} matches only Brazilian Portuguese. Case does not matter.
     */
    static boolean listed(final ByteBuf in, final int languageStart, final int languageEnd, final byte[] record, final int at,
        final int count)
    {
        final int visitorLength = languageEnd - languageStart;
        int q = at;
        for (int i = 0; i < count; i++)
        {
            final int length = record[q] & 0xFF;
            if (length <= visitorLength && (length == visitorLength || in.getByte(languageStart + length) == '-'))
            {
                boolean equal = true;
                for (int j = 0; j < length && equal; j++)
                {
                    equal = lower(in.getByte(languageStart + j)) == record[q + 1 + j];
                }
                if (equal)
                {
                    return true;
                }
            }
            q += 1 + length;
        }
        return false;
    }

    /**
     * The visitor's preferred language in the Accept-Language value at {@code [start, end)} ({@code start < 0}: none).
     *
     * @return {@code tagStart << 32 | tagEnd}, or -1 when it names none with a quality above 0.
     */
    static long preferred(final ByteBuf in, final int start, final int end)
    {
        if (start < 0)
        {
            return -1;
        }
        long best = -1;
        int bestQ = 0;
        int i = start;
        while (i < end)
        {
            while (i < end && (in.getByte(i) == ' ' || in.getByte(i) == ',' || in.getByte(i) == '\t'))
            {
                i++;
            }
            final int tagStart = i;
            while (i < end && in.getByte(i) != ',' && in.getByte(i) != ';' && in.getByte(i) != ' ' && in.getByte(i) != '\t')
            {
                i++;
            }
            final int tagEnd = i;
            int quality = 1000;
            while (i < end && in.getByte(i) != ',')
            {
                if (in.getByte(i) == ';')
                {
                    i++;
                    while (i < end && in.getByte(i) == ' ')
                    {
                        i++;
                    }
                    if (i + 1 < end && (in.getByte(i) == 'q' || in.getByte(i) == 'Q') && in.getByte(i + 1) == '=')
                    {
                        i += 2;
                        quality = quality(in, i, end);
                    }
                    continue;
                }
                i++;
            }
            final boolean wildcard = tagEnd - tagStart == 1 && in.getByte(tagStart) == '*';
            if (tagEnd > tagStart && !wildcard && quality > bestQ)
            {
                bestQ = quality;
                best = (long)tagStart << 32 | tagEnd;
            }
        }
        return best;
    }

    /** A quality value ({@code 0}, {@code 0.8}, {@code 1.000}) in thousandths; anything malformed counts as 0. */
    private static int quality(final ByteBuf in, final int start, final int end)
    {
        int i = start;
        if (i >= end)
        {
            return 0;
        }
        final byte unit = in.getByte(i++);
        if (unit != '0' && unit != '1')
        {
            return 0;
        }
        int value = (unit - '0') * 1000;
        if (i < end && in.getByte(i) == '.')
        {
            i++;
            int scale = 100;
            while (i < end && in.getByte(i) >= '0' && in.getByte(i) <= '9' && scale > 0)
            {
                value += (in.getByte(i++) - '0') * scale;
                scale /= 10;
            }
        }
        return Math.min(value, 1000);
    }

    private static byte lower(final byte b)
    {
        return b >= 'A' && b <= 'Z' ? (byte)(b + 32) : b;
    }
}
