package io.bounce.replication.log;

/**
 * The newest committed sequence and its commit time, and a place to wait for it to move: the writer
 * calls {@link #advance} after each commit, streaming threads block in {@link #awaitBeyond}. Thread safe.
 */
public final class LogHead
{
    private long sequence;
    private long committedAtMs;

    public LogHead(final long sequence, final long committedAtMs)
    {
        this.sequence = sequence;
        this.committedAtMs = committedAtMs;
    }

    public synchronized void advance(final long sequence, final long committedAtMs)
    {
        if (sequence > this.sequence)
        {
            this.sequence = sequence;
            this.committedAtMs = committedAtMs;
            notifyAll();
        }
    }

    public synchronized long sequence()
    {
        return sequence;
    }

    public synchronized long committedAtMs()
    {
        return committedAtMs;
    }

    /**
     * Wait until the head passes {@code sequence} or {@code timeoutMs} elapses.
     *
     * @return the head sequence when it returned.
     */
    public synchronized long awaitBeyond(final long sequence, final long timeoutMs) throws InterruptedException
    {
        final long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        while (this.sequence <= sequence)
        {
            final long leftMs = (deadline - System.nanoTime()) / 1_000_000L;
            if (leftMs <= 0)
            {
                break;
            }
            wait(leftMs);
        }
        return this.sequence;
    }
}
