package io.bounce.edge.replica;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.agrona.CloseHelper;

/**
 * One edge process's claim on its data directory. {@value #LOCK_FILE} is locked for the life of the
 * process (and names its pid), so no second process can open the replica; {@value #DIRTY_MARKER}
 * exists while the replica is open and names the boot it was opened in, so the next open knows
 * whether the last owner stopped without closing, and whether the machine restarted since.
 */
final class ReplicaDirectory implements AutoCloseable
{
    static final String LOCK_FILE = "edge.lock";
    static final String DIRTY_MARKER = "replica.open";

    private final Path dataDir;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final String bootId;

    private ReplicaDirectory(final Path dataDir, final FileChannel lockChannel, final FileLock lock)
    {
        this.dataDir = dataDir;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.bootId = readBootId();
    }

    /**
     * Lock {@code dataDir} for this process.
     *
     * @throws ReplicaLockedException if another process (or this one) holds it.
     */
    static ReplicaDirectory claim(final Path dataDir) throws IOException
    {
        Files.createDirectories(dataDir);
        final FileChannel channel = FileChannel.open(
            dataDir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try
        {
            final FileLock lock = tryLock(channel);
            if (lock == null)
            {
                final String owner = readOwner(channel);
                throw new ReplicaLockedException("data dir " + dataDir.toAbsolutePath() +
                    " is in use by another edge process" + (owner.isEmpty() ? "" : " (pid " + owner + ")") +
                    "; give each edge its own --data-dir");
            }
            writeOwner(channel);
            return new ReplicaDirectory(dataDir, channel, lock);
        }
        catch (final IOException | RuntimeException ex)
        {
            CloseHelper.quietClose(channel);
            throw ex;
        }
    }

    /** @return true if the last owner left the replica open: it stopped without closing (a crash, a kill). */
    boolean lastOwnerLeftItOpen()
    {
        return Files.exists(dataDir.resolve(DIRTY_MARKER));
    }

    /** @return true if the replica was left open during this very boot (so no kernel restart lost its pages). */
    boolean leftOpenInThisBoot() throws IOException
    {
        return lastOwnerLeftItOpen() && !bootId.isEmpty() &&
            bootId.equals(Files.readString(dataDir.resolve(DIRTY_MARKER), StandardCharsets.US_ASCII).trim());
    }

    /** The replica is open from now on, in this boot. */
    void markOpen() throws IOException
    {
        Files.writeString(dataDir.resolve(DIRTY_MARKER), bootId, StandardCharsets.US_ASCII);
    }

    /** The replica was closed cleanly. */
    void markClosed() throws IOException
    {
        Files.deleteIfExists(dataDir.resolve(DIRTY_MARKER));
    }

    /** Release the directory. */
    @Override
    public void close() throws IOException
    {
        try
        {
            lock.release();
        }
        finally
        {
            lockChannel.close();
        }
    }

    /** @return this boot's id (Linux), or "" where there is none: then every unclean stop means recovery. */
    private static String readBootId()
    {
        try
        {
            return Files.readString(Path.of("/proc/sys/kernel/random/boot_id"), StandardCharsets.US_ASCII).trim();
        }
        catch (final IOException | RuntimeException ex)
        {
            return "";
        }
    }

    private static FileLock tryLock(final FileChannel channel) throws IOException
    {
        try
        {
            return channel.tryLock();
        }
        catch (final OverlappingFileLockException ex)
        {
            return null; // this very process holds it already: refused all the same
        }
    }

    private static void writeOwner(final FileChannel channel) throws IOException
    {
        channel.truncate(0);
        channel.write(ByteBuffer.wrap(Long.toString(ProcessHandle.current().pid()).getBytes(StandardCharsets.US_ASCII)), 0);
        channel.force(false);
    }

    private static String readOwner(final FileChannel channel)
    {
        try
        {
            final ByteBuffer buffer = ByteBuffer.allocate(32);
            final int n = channel.read(buffer, 0);
            return n <= 0 ? "" : new String(buffer.array(), 0, n, StandardCharsets.US_ASCII).trim();
        }
        catch (final IOException ex)
        {
            return "";
        }
    }
}
