package io.bounce.edge.tls;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.stream.Stream;

import io.bounce.runtime.files.DurableFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where {@link TlsReplica} keeps its records: {@code <data-dir>/tls/}, and how a snapshot's records replace them
 * whole: written into {@code tls.next/}, marked {@code .committed}, then renamed in (the old set through
 * {@code tls.old/}), so that a crash at any step leaves one whole set, never a mix.
 */
final class TlsDirectory
{
    static final String DIRECTORY = "tls";
    static final String NEXT_DIRECTORY = "tls.next";
    static final String OLD_DIRECTORY = "tls.old";
    /** Marks a snapshot's directory complete, so a crash between the two renames of a swap keeps it. */
    private static final String COMMITTED = ".committed";
    private static final Logger LOG = LoggerFactory.getLogger(TlsDirectory.class);

    private TlsDirectory()
    {
    }

    /** @return the live directory, after finishing a swap a crash interrupted and clearing what one left. */
    static Path open(final Path dataDir) throws IOException
    {
        final Path dir = dataDir.resolve(DIRECTORY);
        final Path next = dataDir.resolve(NEXT_DIRECTORY);
        if (!Files.isDirectory(dir) && Files.isDirectory(next) && Files.exists(next.resolve(COMMITTED)))
        {
            Files.move(next, dir, StandardCopyOption.ATOMIC_MOVE);
        }
        deleteTree(dataDir.resolve(OLD_DIRECTORY));
        deleteTree(next);
        Files.createDirectories(dir);
        return dir;
    }

    /** @return an empty directory for a snapshot's records. */
    static Path begin(final Path dataDir) throws IOException
    {
        final Path next = dataDir.resolve(NEXT_DIRECTORY);
        deleteTree(next);
        Files.createDirectories(next);
        return next;
    }

    /** Make a snapshot's records durable and the live ones. @return the live directory. */
    static Path commit(final Path dataDir, final Path next) throws IOException
    {
        try (Stream<Path> files = Files.list(next))
        {
            for (final Path file : (Iterable<Path>)files::iterator)
            {
                try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
                {
                    channel.force(true);
                }
            }
        }
        Files.createFile(next.resolve(COMMITTED));
        DurableFiles.fsyncDirectory(next);
        final Path dir = dataDir.resolve(DIRECTORY);
        final Path old = dataDir.resolve(OLD_DIRECTORY);
        deleteTree(old);
        Files.move(dir, old, StandardCopyOption.ATOMIC_MOVE);
        Files.move(next, dir, StandardCopyOption.ATOMIC_MOVE);
        DurableFiles.fsyncDirectory(dataDir);
        Files.delete(dir.resolve(COMMITTED));
        deleteTree(old);
        return dir;
    }

    /** Throw away an uncommitted snapshot's records. */
    static void abandon(final Path next)
    {
        try
        {
            deleteTree(next);
        }
        catch (final IOException ex)
        {
            LOG.warn("could not delete the abandoned snapshot's TLS records in {}", next, ex);
        }
    }

    private static void deleteTree(final Path dir) throws IOException
    {
        if (!Files.exists(dir))
        {
            return;
        }
        try (Stream<Path> files = Files.walk(dir))
        {
            for (final Path file : (Iterable<Path>)files.sorted(Comparator.reverseOrder())::iterator)
            {
                Files.delete(file);
            }
        }
    }
}
