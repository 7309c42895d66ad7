package io.bounce.runtime.testing;

/** Byte searches the tests share: whether a file or a stream holds a secret's bytes, where a marker is. */
public final class Bytes
{
    private Bytes()
    {
    }

    /** @return where {@code needle} first starts in the first {@code length} bytes of {@code haystack}, or -1. */
    public static int indexOf(final byte[] haystack, final int length, final byte[] needle)
    {
        outer:
        for (int i = 0; i + needle.length <= length; i++)
        {
            for (int j = 0; j < needle.length; j++)
            {
                if (haystack[i + j] != needle[j])
                {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    public static boolean contains(final byte[] haystack, final byte[] needle)
    {
        return indexOf(haystack, haystack.length, needle) >= 0;
    }
}
