package io.bounce.control.domains;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

import io.bounce.control.store.GroupCommitter;
import io.bounce.control.store.TlsQueries;
import io.bounce.replication.tls.TicketKeys;
import io.bounce.runtime.admin.Metrics;
import io.bounce.runtime.agent.Agents;
import io.bounce.runtime.files.SecretBox;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.agrona.concurrent.AgentRunner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the fleet's TLS session-ticket keys and rotates them every {@code rotationMs}: a new random key,
 * sealed with the key-encryption key, stored and appended to the change log in one transaction with the
 * keys still in use, newest first ({@link TicketKeys}). A new key is published one rotation before it seals
 * anything (an edge seals with the second newest and opens with all), so every edge already holds it when
 * the first ticket sealed with it arrives; the two older ones keep opening tickets for two more rotations.
 */
public final class TicketKeyRotation implements AutoCloseable
{
    /** Keys kept: the next, the current and two before it. */
    static final int KEEP = 4;
    private static final Logger LOG = LoggerFactory.getLogger(TicketKeyRotation.class);

    private final GroupCommitter writer;
    private final SecretBox secrets;
    private final long rotationMs;
    private final SecureRandom random = new SecureRandom();
    private final AtomicLong rotations = new AtomicLong();
    private volatile long newestMs;
    private AgentRunner runner;

    public TicketKeyRotation(final GroupCommitter writer, final SecretBox secrets, final long rotationMs)
    {
        this.writer = writer;
        this.secrets = secrets;
        this.rotationMs = rotationMs;
    }

    public void register(final PrometheusRegistry registry)
    {
        Metrics.counter(registry, "bounce_tls_ticket_key_rotations_total", "Session-ticket keys made and sent to the edges.", rotations::get);
        Metrics.gauge(registry, "bounce_tls_ticket_key_newest_seconds", "When the newest session-ticket key was made (Unix time).",
            () -> newestMs / 1000);
    }

    /**
     * Rotate now if due (making the first keys if there are none), then check once a minute, as the {@code ticket-keys}
     * agent, while {@code leads} (the leader makes the fleet's keys).
     */
    public TicketKeyRotation start(final Agents agents, final java.util.function.BooleanSupplier leads)
    {
        runner = agents.every("ticket-keys", Math.min(60_000, rotationMs / 4), () -> leads.getAsBoolean() && rotateIfDue() ? 1 : 0);
        return this;
    }

    /** @return true if a key was made: none existed, or the newest is {@code rotationMs} old. */
    public boolean rotateIfDue() throws Exception
    {
        final boolean rotated = writer.call(txn ->
        {
            final TicketKeys current = TlsQueries.ticketKeys(txn.connection());
            final long newest = current == null ? 0 : current.keys().get(0).id();
            if (current != null && txn.now() - newest < rotationMs)
            {
                newestMs = newest;
                return false;
            }
            final long sequence = txn.nextSequence();
            long id = Math.max(txn.now(), newest + 1);
            if (current == null)
            {
                TlsQueries.addTicketKey(txn.connection(), newKey(id - 1), sequence, KEEP); // the first keys: one seals at once
            }
            TlsQueries.addTicketKey(txn.connection(), newKey(id), sequence, KEEP);
            final TicketKeys next = TlsQueries.ticketKeys(txn.connection());
            txn.append(next);
            newestMs = id;
            return true;
        });
        if (rotated)
        {
            rotations.incrementAndGet();
            LOG.info("made a new session-ticket key for the fleet; the next rotation is in {} s", rotationMs / 1000);
        }
        return rotated;
    }

    private TicketKeys.Key newKey(final long id)
    {
        final byte[] key = new byte[TicketKeys.KEY_BYTES];
        random.nextBytes(key);
        try
        {
            return new TicketKeys.Key(id, secrets.seal(key, TicketKeys.sealingContext(id)));
        }
        finally
        {
            java.util.Arrays.fill(key, (byte)0);
        }
    }

    @Override
    public void close()
    {
        Agents.stop(runner, 1_000);
    }
}
