package io.bounce.control.links;

/**
 * RFC 3492 Punycode decoding of one {@code xn--} label. {@link java.net.IDN#toUnicode} cannot be used to
 * look inside a label: it implements IDNA2003 over Unicode 3.2 and hands back the label still encoded
 * when it holds a character added since (Cyrillic {@code ӏ}, say), which would hide exactly the labels
 * a homograph check must read.
 */
final class Punycode
{
    private static final int BASE = 36;
    private static final int TMIN = 1;
    private static final int TMAX = 26;
    private static final int SKEW = 38;
    private static final int DAMP = 700;
    private static final int INITIAL_BIAS = 72;
    private static final int INITIAL_N = 128;

    private Punycode()
    {
    }

    /** @param label a label starting {@code xn--}; @return its code points, or null if it is not valid Punycode. */
    static int[] decode(final String label)
    {
        final String input = label.substring(4);
        final int delimiter = input.lastIndexOf('-');
        final int basic = Math.max(delimiter, 0);
        final int[] output = new int[input.length()];
        int length = 0;
        for (int j = 0; j < basic; j++)
        {
            final char c = input.charAt(j);
            if (c >= 0x80)
            {
                return null;
            }
            output[length++] = c;
        }
        int n = INITIAL_N;
        int i = 0;
        int bias = INITIAL_BIAS;
        for (int in = delimiter > 0 ? delimiter + 1 : 0; in < input.length(); )
        {
            final int oldi = i;
            int w = 1;
            for (int k = BASE; ; k += BASE)
            {
                if (in >= input.length())
                {
                    return null;
                }
                final int digit = digit(input.charAt(in++));
                if (digit < 0 || digit > (Integer.MAX_VALUE - i) / w)
                {
                    return null;
                }
                i += digit * w;
                final int t = k <= bias ? TMIN : Math.min(k - bias, TMAX);
                if (digit < t)
                {
                    break;
                }
                if (w > Integer.MAX_VALUE / (BASE - t))
                {
                    return null;
                }
                w *= BASE - t;
            }
            bias = adapt(i - oldi, length + 1, oldi == 0);
            if (i / (length + 1) > Integer.MAX_VALUE - n)
            {
                return null;
            }
            n += i / (length + 1);
            i %= length + 1;
            if (n > Character.MAX_CODE_POINT || length == output.length)
            {
                return null;
            }
            System.arraycopy(output, i, output, i + 1, length - i);
            output[i++] = n;
            length++;
        }
        final int[] out = new int[length];
        System.arraycopy(output, 0, out, 0, length);
        return out;
    }

    private static int digit(final char c)
    {
        if (c >= '0' && c <= '9')
        {
            return c - '0' + 26;
        }
        if (c >= 'a' && c <= 'z')
        {
            return c - 'a';
        }
        if (c >= 'A' && c <= 'Z')
        {
            return c - 'A';
        }
        return -1;
    }

    private static int adapt(final int delta, final int points, final boolean first)
    {
        int d = first ? delta / DAMP : delta / 2;
        d += d / points;
        int k = 0;
        while (d > ((BASE - TMIN) * TMAX) / 2)
        {
            d /= BASE - TMIN;
            k += BASE;
        }
        return k + (BASE - TMIN + 1) * d / (d + SKEW);
    }
}
