package io.bounce.edge.replica;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import net.openhft.chronicle.map.ChronicleMap;

/**
 * Closes a map replaced by a snapshot {@value #DELAY_MS} ms after the swap: long after any lookup that
 * started on it has finished (a lookup holds it for microseconds), so the redirect path never needs a
 * lock to know which map it reads. Its one thread starts with the first swap.
 */
final class MapRetirer implements AutoCloseable
{
    static final long DELAY_MS = 5_000;

    private final List<ChronicleMap<byte[], byte[]>> retired = new ArrayList<>();
    private ScheduledExecutorService timer;
    private boolean closed;

    /** Close {@code old} after the delay (at once when this retirer is closed already). */
    synchronized void retire(final ChronicleMap<byte[], byte[]> old)
    {
        if (closed)
        {
            old.close();
            return;
        }
        retired.add(old);
        if (timer == null)
        {
            timer = Executors.newSingleThreadScheduledExecutor(r ->
            {
                final Thread thread = new Thread(r, "replica-retirer");
                thread.setDaemon(true);
                return thread;
            });
        }
        timer.schedule(() -> closeNow(old), DELAY_MS, TimeUnit.MILLISECONDS);
    }

    private synchronized void closeNow(final ChronicleMap<byte[], byte[]> old)
    {
        if (retired.remove(old))
        {
            old.close();
        }
    }

    /** Close every map still waiting, now. */
    @Override
    public synchronized void close()
    {
        closed = true;
        if (timer != null)
        {
            timer.shutdownNow();
        }
        retired.forEach(ChronicleMap::close);
        retired.clear();
    }
}
