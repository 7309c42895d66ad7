package io.bounce.runtime.agent;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import io.bounce.runtime.log.LogThrottle;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way a Bounce role runs background work: each loop is an Agrona {@link Agent} on a daemon
 * thread named after its role, run by an {@link AgentRunner} with a named idle strategy. An exception
 * out of an agent's duty cycle is counted ({@code bounce_agent_errors_total{agent}}), logged (at most a
 * line a second per agent) and followed by a 100 ms pause, and the agent goes on; an agent that must pause after a failure (a full disk, a peer that is down) keeps its
 * own {@link Backoff} and returns 0 until it is due again. One per role, shared by its components.
 */
public final class Agents
{
    private static final Logger LOG = LoggerFactory.getLogger(Agents.class);
    private static final long ERROR_PAUSE_MS = 100;

    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();

    /**
     * For a consumer whose latency matters (the store's writer): spin, then yield, then park from 1 µs
     * up to 1 ms, so work that arrives while it idles waits at most a millisecond.
     */
    public static IdleStrategy backoff()
    {
        return new BackoffIdleStrategy(10, 20, 1_000, 1_000_000);
    }

    /** For a loop that polls (a ring, a directory, a queue) and may take {@code ms} to notice new work. */
    public static IdleStrategy sleeping(final long ms)
    {
        return new SleepingMillisIdleStrategy(ms);
    }

    /** Run {@code agent} on a daemon thread named {@link Agent#roleName()} until its runner is closed. */
    public AgentRunner start(final Agent agent, final IdleStrategy idle)
    {
        final LongAdder count = errors.computeIfAbsent(agent.roleName(), name -> new LongAdder());
        final LogThrottle throttle = new LogThrottle();
        final AgentRunner runner = new AgentRunner(idle, error ->
        {
            count.increment();
            // Runs on the agent's own thread: a failure that repeats is logged at most once a second (with how
            // many it stands for) and slows the loop down, instead of spinning and flooding the log.
            if (throttle.tryAcquire())
            {
                LOG.error("{} failed and carries on ({} failures since the last such line)", agent.roleName(), throttle.since(), error);
            }
            try
            {
                Thread.sleep(ERROR_PAUSE_MS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }, null, agent);
        AgentRunner.startOnThread(runner, task ->
        {
            final Thread thread = new Thread(task);
            thread.setDaemon(true);
            return thread;
        });
        return runner;
    }

    /** Work done now and then: @return how much it did (0 for nothing). */
    @FunctionalInterface
    public interface Periodic
    {
        int run() throws Exception;
    }

    /**
     * Run {@code work} now and then every {@code intervalMs}, as an agent named {@code roleName}: a failure is
     * counted and logged as any agent's, and tried again at the next interval.
     */
    public AgentRunner every(final String roleName, final long intervalMs, final Periodic work)
    {
        return start(new Agent()
        {
            private long dueAtMs;

            @Override
            public int doWork() throws Exception
            {
                final long now = System.currentTimeMillis();
                if (now < dueAtMs)
                {
                    return 0;
                }
                dueAtMs = now + intervalMs;
                return work.run();
            }

            @Override
            public String roleName()
            {
                return roleName;
            }
        }, sleeping(Math.min(intervalMs, 250)));
    }

    /**
     * Stop an agent: its duty cycle ends, then its {@link Agent#onClose()} runs (where an agent finishes
     * what it holds). Waits up to {@code timeoutMs}, then interrupts the thread.
     */
    public static void stop(final AgentRunner runner, final int timeoutMs)
    {
        if (runner != null)
        {
            runner.close(timeoutMs, thread ->
            {
                LOG.warn("{} did not stop within {} ms; interrupting it", runner.agent().roleName(), timeoutMs);
                thread.interrupt();
            });
        }
    }

    /** @return failures of the agent named {@code roleName} so far. */
    public long errors(final String roleName)
    {
        final LongAdder count = errors.get(roleName);
        return count == null ? 0 : count.sum();
    }

    /** Expose the agents' failures in {@code registry}. */
    public void register(final PrometheusRegistry registry)
    {
        CounterWithCallback.builder().name("bounce_agent_errors_total")
            .help("Exceptions out of a background agent's duty cycle (logged; the agent carries on), by agent.")
            .labelNames("agent")
            .callback(cb -> errors.forEach((name, count) -> cb.call(count.sum(), name)))
            .register(registry);
    }
}
