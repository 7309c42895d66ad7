package io.bounce.edge.replica;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicInteger;

import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Which threads are inside the Chronicle Map right now, kept in a small memory-mapped file
 * ({@value #FILE}) so that, after a SIGKILL, the next start can tell whether the dead process held
 * any of Chronicle's segment locks. If it held none, no write was half done and no lock is left
 * behind: the map opens as it is, in milliseconds. Otherwise it goes through Chronicle's recovery,
 * which visits every entry (8.6 s at ten million links, bench/README.md "restart").
 *
 * <pre>
 * slot 0 (bytes 0..64)     int: how many threads without a slot of their own are inside (atomic add)
 * slot N (bytes N*64..+64) int: 1 while the event loop that owns slot N is inside, else 0
 * </pre>
 *
 * Event loops each own a slot, so the redirect path pays one volatile store on the way in and one
 * ordered store on the way out, on a cache line no other thread writes. The stores reach the page
 * cache as they are made, so a killed process leaves them behind; the same boot is required (an OS
 * crash loses unwritten pages of both files alike, so then the map is always recovered).
 */
final class MapAccessTracker implements AutoCloseable
{
    static final String FILE = "map-access.state";
    static final int SLOTS = 256;
    static final int SLOT_BYTES = 64;
    static final int SHARED = 0;

    private final MappedByteBuffer mapped;
    private final UnsafeBuffer buffer;
    private final AtomicInteger nextSlot = new AtomicInteger(1);

    private MapAccessTracker(final MappedByteBuffer mapped)
    {
        this.mapped = mapped;
        this.buffer = new UnsafeBuffer(mapped);
    }

    /** @return true if the file is there and says some thread was inside the map when its process ended. */
    static boolean anyoneWasInside(final Path dataDir) throws IOException
    {
        final Path file = dataDir.resolve(FILE);
        if (!Files.exists(file) || Files.size(file) != (long)SLOTS * SLOT_BYTES)
        {
            return true; // cannot tell: assume the worst
        }
        final byte[] bytes = Files.readAllBytes(file);
        for (int slot = 0; slot < SLOTS; slot++)
        {
            for (int i = 0; i < 4; i++)
            {
                if (bytes[slot * SLOT_BYTES + i] != 0)
                {
                    return true;
                }
            }
        }
        return false;
    }

    /** Create (or clear) the file and map it. Call only after {@link #anyoneWasInside} has been asked. */
    static MapAccessTracker create(final Path dataDir) throws IOException
    {
        final Path file = dataDir.resolve(FILE);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
            StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING))
        {
            final MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, (long)SLOTS * SLOT_BYTES);
            return new MapAccessTracker(mapped);
        }
    }

    /** @return a slot of the caller's own (an event loop's), or {@link #SHARED} when none is left. */
    int claimSlot()
    {
        final int slot = nextSlot.getAndIncrement();
        return slot < SLOTS ? slot : SHARED;
    }

    /** Before taking any Chronicle lock: the store lands before the lock word does. */
    void enter(final int slot)
    {
        if (slot == SHARED)
        {
            buffer.getAndAddInt(0, 1);
        }
        else
        {
            buffer.putIntVolatile(slot * SLOT_BYTES, 1);
        }
    }

    /** After every Chronicle lock taken since {@link #enter} is released. */
    void exit(final int slot)
    {
        if (slot == SHARED)
        {
            buffer.getAndAddInt(0, -1);
        }
        else
        {
            buffer.putIntOrdered(slot * SLOT_BYTES, 0);
        }
    }

    @Override
    public void close()
    {
        IoUtil.unmap(mapped);
    }
}
