package io.bounce.aggregator;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Stops reading past a byte budget. */
final class CappedInputStream extends FilterInputStream
{
    static final class TooLarge extends IOException
    {
        TooLarge()
        {
            super("over the decompressed size cap");
        }
    }

    private final long cap;
    private long read;

    CappedInputStream(final InputStream in, final long cap)
    {
        super(in);
        this.cap = cap;
    }

    @Override
    public int read() throws IOException
    {
        final int b = super.read();
        if (b >= 0 && ++read > cap)
        {
            throw new TooLarge();
        }
        return b;
    }

    @Override
    public int read(final byte[] bytes, final int offset, final int length) throws IOException
    {
        final int n = super.read(bytes, offset, (int)Math.min(length, cap + 1 - read));
        if (n > 0)
        {
            read += n;
            if (read > cap)
            {
                throw new TooLarge();
            }
        }
        return n;
    }
}
