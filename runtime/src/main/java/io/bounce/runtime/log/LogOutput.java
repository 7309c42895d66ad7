package io.bounce.runtime.log;

import java.io.PrintStream;
import java.util.concurrent.locks.ReentrantLock;

import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;

/**
 * Where log lines go: standard error, written by one background thread in batches. A line costs the
 * thread that logs it a lock-free enqueue rather than a write system call under a lock shared with
 * every other logging thread (measured on the API: an access and an audit line per create, written
 * directly, took a third of the creates a second). Lines keep their order; a full queue (65,536 lines)
 * makes the logging thread write itself rather than drop anything; the queue is written out at exit, and
 * at most about a millisecond of lines is lost to a SIGKILL. {@link #flush()} writes out everything
 * queued, for a test that reads what was logged.
 */
public final class LogOutput
{
    private static final int CAPACITY = 65_536;
    private static final ManyToOneConcurrentArrayQueue<String> QUEUE = new ManyToOneConcurrentArrayQueue<>(CAPACITY);
    private static final ReentrantLock DRAIN = new ReentrantLock();

    static
    {
        final Thread writer = new Thread(LogOutput::run, "bounce-log");
        writer.setDaemon(true);
        writer.start();
        Runtime.getRuntime().addShutdownHook(new Thread(LogOutput::flush, "bounce-log-flush"));
    }

    private LogOutput()
    {
    }

    /** Queue a line (or lines) for standard error; written by the caller itself when the queue is full. */
    static void write(final String line)
    {
        if (!QUEUE.offer(line))
        {
            flush();
            if (!QUEUE.offer(line))
            {
                print(line);
            }
        }
    }

    /** Write out every line queued so far, on the calling thread. */
    public static void flush()
    {
        DRAIN.lock();
        try
        {
            drain();
        }
        finally
        {
            DRAIN.unlock();
        }
    }

    private static void run()
    {
        while (true)
        {
            int drained = 0;
            if (DRAIN.tryLock())
            {
                try
                {
                    drained = drain();
                }
                finally
                {
                    DRAIN.unlock();
                }
            }
            if (drained == 0)
            {
                try
                {
                    Thread.sleep(1);
                }
                catch (final InterruptedException ex)
                {
                    return;
                }
            }
        }
    }

    /** Under {@link #DRAIN}: one write for everything queued. @return how many lines. */
    private static int drain()
    {
        final StringBuilder batch = new StringBuilder();
        final int lines = QUEUE.drain(batch::append);
        if (lines > 0)
        {
            print(batch.toString());
        }
        return lines;
    }

    private static void print(final String text)
    {
        final PrintStream err = System.err; // looked up each time, so a test can capture it
        synchronized (err)
        {
            err.print(text);
            err.flush();
        }
    }
}
