package io.bounce.runtime.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** Files that are whole and on disk once a method returns, or not there at all. */
public final class DurableFiles
{
    private DurableFiles()
    {
    }

    /**
     * Write {@code bytes} to a temporary sibling, fsync it, rename it onto {@code target} (replacing
     * what was there) and fsync the directory: after a crash, {@code target} is the old file or the
     * whole new one.
     */
    public static void writeAtomically(final Path target, final byte[] bytes) throws IOException
    {
        final Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
        try
        {
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE))
            {
                final ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining())
                {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        finally
        {
            Files.deleteIfExists(tmp);
        }
        fsyncDirectory(target.getParent());
    }

    /** Make a rename or a new file in {@code dir} durable. */
    public static void fsyncDirectory(final Path dir)
    {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ))
        {
            channel.force(true);
        }
        catch (final IOException ex)
        {
            // some file systems cannot sync a directory; the rename is still atomic
        }
    }
}
