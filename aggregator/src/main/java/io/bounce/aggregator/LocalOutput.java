package io.bounce.aggregator;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A file the aggregator writes while it reads a click file. Its failures come out as {@link Failed},
 * so the reader can tell the aggregator's own trouble (a full disk: send the file again later) from
 * a corrupt file (never), which a plain {@code IOException} from either side would mix up.
 */
final class LocalOutput extends OutputStream
{
    /** Writing here failed: the cause is the aggregator's, not the file's. */
    static final class Failed extends IOException
    {
        private static final long serialVersionUID = 1L;

        Failed(final IOException cause)
        {
            super(cause.getMessage(), cause);
        }
    }

    private final Path file;
    private final boolean lazy;
    private OutputStream out;

    /** @param lazy create the file on the first byte only (a file of set-aside rows exists only if a row was). */
    LocalOutput(final Path file, final boolean lazy) throws Failed
    {
        this.file = file;
        this.lazy = lazy;
        if (!lazy)
        {
            open();
        }
    }

    private void open() throws Failed
    {
        try
        {
            out = new BufferedOutputStream(Files.newOutputStream(file), 64 * 1024);
        }
        catch (final IOException ex)
        {
            throw new Failed(ex);
        }
    }

    @Override
    public void write(final int b) throws Failed
    {
        write(new byte[] {(byte)b}, 0, 1);
    }

    @Override
    public void write(final byte[] bytes, final int offset, final int length) throws Failed
    {
        if (length == 0)
        {
            return;
        }
        if (out == null && lazy)
        {
            open();
        }
        try
        {
            out.write(bytes, offset, length);
        }
        catch (final IOException ex)
        {
            throw new Failed(ex);
        }
    }

    @Override
    public void close() throws Failed
    {
        if (out != null)
        {
            try
            {
                out.close();
            }
            catch (final IOException ex)
            {
                throw new Failed(ex);
            }
        }
    }
}
