package io.bounce.edge.rules;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Consumer;

import io.bounce.runtime.admin.Metrics;
import io.bounce.runtime.crypto.PasswordHash;
import io.bounce.runtime.limits.AddressBudget;
import io.bounce.runtime.limits.TokenBucket;
import io.bounce.runtime.log.LogThrottle;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge's password checks: the budgets a try must pass before it costs anything, and the one thread that runs the
 * argon2id checks, so an event loop never does (it ends after 30 s without work, and runs at the lowest priority:
 * {@link #lowerPriority}). Shared by every event loop; thread-safe.
 *
 * <p>A try is refused before any check when its visitor has spent its tries ({@link Outcome#THROTTLED}, 429), when its
 * link has spent its share of checks ({@code THROTTLED} too: a flood on one link is held to that link's share), or when
 * the edge has spent its checks for the second or its queue of 16 is full ({@link Outcome#BUSY}, 503). So a brute-force
 * flood costs the edge at most {@code --password-checks-per-second} checks a second, however many addresses it comes
 * from, and on one link only that link's share of them. Every outcome is counted
 * ({@code bounce_edge_password_tries_total{outcome}}).
 */
public final class PasswordChecks
{
    /** What became of one try. */
    public enum Outcome
    {
        OK("ok"), WRONG("wrong"), THROTTLED("throttled"), BUSY("busy");

        private final String label;

        Outcome(final String label)
        {
            this.label = label;
        }

        public String label()
        {
            return label;
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(PasswordChecks.class);
    private static final int QUEUE = 16;
    /** A link's burst: this many seconds of its share (10 checks at the default 0.5 a second). */
    private static final double LINK_BURST_SECONDS = 20;

    private final AddressBudget visitors;
    private final AddressBudget links;
    private final double edgeRate;
    private final TokenBucket edge;
    private final ThreadPoolExecutor kdf;
    private final AtomicLongArray outcomes = new AtomicLongArray(Outcome.values().length);
    private final AtomicLong forms = new AtomicLong();
    private final int passSeconds;
    private final LogThrottle linkThrottle = new LogThrottle();
    /** The KDF's memory (7 MiB), kept between checks: allocated per check, a young collection during one copied all of it. */
    private final Argon2BytesGenerator.BlockPool memory = PasswordHash.blockPool();

    public PasswordChecks(final PasswordOptions options)
    {
        this.visitors = new AddressBudget(options.triesPerVisitorPerMinute() / 60, options.triesPerVisitorPerMinute());
        this.links = new AddressBudget(options.checksPerLinkPerSecond(), Math.max(1, options.checksPerLinkPerSecond() * LINK_BURST_SECONDS));
        this.edgeRate = options.checksPerSecond();
        this.edge = new TokenBucket(edgeRate, System.nanoTime());
        this.passSeconds = options.passSeconds();
        // the thread ends after 30 s without a check, so an edge that stops leaves none behind
        this.kdf = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE), runnable ->
        {
            final Thread thread = new Thread(() ->
            {
                lowerPriority();
                runnable.run();
            }, "bounce-password-check");
            thread.setDaemon(true);
            return thread;
        }, new ThreadPoolExecutor.AbortPolicy());
        this.kdf.allowCoreThreadTimeOut(true);
    }

    /**
     * Make the calling thread (the check thread) the kernel's last choice for a core: nice 19, by {@code renice} on its
     * own thread id (any user may lower its own threads' priority; Java's thread priorities do nothing on Linux). Then
     * a core busy with redirects gives checks only what it has spare, and checks wait in their queue (and past it, 503)
     * instead of slowing the event loops. Best effort: where that fails, checks run at the edge's own priority.
     */
    private static void lowerPriority()
    {
        try
        {
            final String tid = Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString();
            final Process renice = new ProcessBuilder("renice", "-n", "19", "-p", tid).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (renice.waitFor(5, TimeUnit.SECONDS) && renice.exitValue() == 0)
            {
                return;
            }
            LOG.warn("password checks run at the edge's own priority: renice failed");
        }
        catch (final IOException | UnsupportedOperationException ex)
        {
            LOG.warn("password checks run at the edge's own priority: {}", ex.toString());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    /** @return how long a pass (the cookie a right password earns) lasts, in seconds. */
    public int passSeconds()
    {
        return passSeconds;
    }

    /**
     * Spend a try's budgets, in order: the visitor's, the link's, the edge's.
     *
     * @param visitor the visitor's bucket key ({@link AddressBudget#keyOf}).
     * @param link    the link's bucket key (a keyed hash of its domain and code).
     * @param key     the link's {@code domain/code}, named in the (throttled) log line when its share is spent.
     * @return 0 when the try may be checked; else the milliseconds to wait (refused: 429), or -1 when the edge is out of
     * checks (503). A refusal is counted here.
     */
    public long admit(final long visitor, final long link, final byte[] key, final int keyLength, final long nowNs)
    {
        long wait = visitors.take(visitor, nowNs);
        if (wait == 0)
        {
            wait = links.take(link, nowNs);
            if (wait > 0 && linkThrottle.tryAcquire())
            {
                // what an operator needs to know to act on a flood (docs/operations.md, Password flood): which link
                LOG.warn("password checks for {} refused: the link's share is spent ({} tries refused for a link's share since the last line)",
                    new String(key, 0, keyLength, StandardCharsets.US_ASCII), linkThrottle.since());
            }
        }
        if (wait > 0)
        {
            count(Outcome.THROTTLED);
            return wait;
        }
        if (edge.take(edgeRate, edgeRate, nowNs) > 0)
        {
            count(Outcome.BUSY);
            return -1;
        }
        return 0;
    }

    /**
     * Check {@code password} against {@code hash} on the check thread; {@code done} gets the answer there (hand it back to
     * the connection's event loop).
     *
     * @return false (counted as busy) when the queue is full: nothing will be called.
     */
    public boolean submit(final String hash, final byte[] password, final Consumer<Boolean> done)
    {
        try
        {
            kdf.execute(() ->
            {
                final boolean ok = PasswordHash.verify(hash, password, memory);
                java.util.Arrays.fill(password, (byte)0);
                count(ok ? Outcome.OK : Outcome.WRONG);
                done.accept(ok);
            });
            return true;
        }
        catch (final RejectedExecutionException ex)
        {
            count(Outcome.BUSY);
            return false;
        }
    }

    /** A try that needs no check (no password in the form): counted as wrong. */
    public void countEmpty()
    {
        count(Outcome.WRONG);
    }

    /** A visitor without a pass was shown the password form. */
    public void formShown()
    {
        forms.incrementAndGet();
    }

    public long outcomes(final Outcome outcome)
    {
        return outcomes.get(outcome.ordinal());
    }

    private void count(final Outcome outcome)
    {
        outcomes.incrementAndGet(outcome.ordinal());
    }

    public void register(final PrometheusRegistry registry)
    {
        Metrics.counters(registry, "bounce_edge_password_tries_total",
            "Passwords given for protected links, by outcome: ok, wrong, throttled (429 before any check: the visitor's " +
                "tries or the link's share spent) or busy (503: the edge's checks spent).", "outcome",
            Outcome.values(), Outcome::label, this::outcomes);
        Metrics.counter(registry, "bounce_edge_password_forms_total",
            "Visitors without a pass shown a protected link's password form (not clicks).", forms::get);
    }
}
