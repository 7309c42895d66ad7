package io.bounce.control.store;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.bounce.runtime.admin.Metrics;
import io.bounce.runtime.agent.Agents;
import io.bounce.runtime.http.Problem;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.agrona.CloseHelper;
import org.agrona.concurrent.AgentRunner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which control plane writes. SQLite has one process by construction. Any number of control planes may run against one
 * PostgreSQL, and exactly one of them holds the lease: the one row of {@code control_lease}, with an expiry (the
 * database's clock, never a node's) and a fencing token that grows by one at every takeover.
 *
 * <p>The writer begins every transaction with {@link #fence}: {@code SELECT … WHERE token = ? FOR SHARE} on that row.
 * A takeover is an {@code UPDATE} of the same row, so it waits for a transaction that has fenced to finish, and a
 * transaction that fences after it finds the token gone and writes nothing. So a paused old leader can never commit after
 * a new one has taken over, and the new leader, reading the change log's head after its takeover, sees every change the
 * old one committed: sequences stay dense and in commit order across the handover. (A writer session idle in a
 * transaction is ended by the server after a lease's length, so a frozen process cannot hold a takeover off.)
 *
 * <p>The lease thread renews the lease every third of its length while this process leads. When it does not lead, it
 * follows: it reads the change log's head every {@value #FOLLOW_MS} ms (so this process serves the log the leader
 * writes), and tries to take the lease once it has expired, unless its server is a standby in recovery. A leader that
 * cannot renew stops writing on its own once its lease would have run out.
 */
public final class Leadership implements AutoCloseable
{
    /** Work the lease thread does now and then while another process leads. */
    @FunctionalInterface
    public interface FollowTask
    {
        void run() throws Exception;
    }

    /** Told the change log's head as the lease thread reads it while another process writes. */
    @FunctionalInterface
    public interface HeadObserver
    {
        void observed(long head, long committedAtMs);
    }

    private static final Logger LOG = LoggerFactory.getLogger(Leadership.class);
    /** How often a process that does not lead reads the change log's head. */
    static final long FOLLOW_MS = 50;
    private static final long ATTEMPT_MS = 250;
    private static final long FOLLOW_TASK_MS = 1_000;
    /** The database server's clock in epoch milliseconds: the one clock every lease is read against. */
    private static final String NOW_MS = "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT";

    private final Database database;
    private final long leaseMs;
    private final String holder;
    private final AtomicLong takeovers = new AtomicLong();
    private final AtomicLong losses = new AtomicLong();
    private volatile String advertisedUrl;
    /** The fencing token this process holds, 0 while it does not lead. */
    private volatile long token;
    /** While leading: the moment (nanoTime) the lease runs out by this process's own count, from its last renewal's start. */
    private volatile long validUntilNs;
    private volatile String leaderUrl;
    private volatile Runnable onLead = () -> { };
    private volatile FollowTask onFollow = () -> { };
    private long followTaskAtNs;
    /** The lease thread's connection, or null until it can (re)connect. */
    private Connection connection;
    private HeadObserver observer;
    private volatile long renewAtNs;
    private long attemptAtNs;
    private boolean unreachable;
    private AgentRunner runner;

    private Leadership(final Database database, final long leaseMs)
    {
        this.database = database;
        this.leaseMs = leaseMs;
        final byte[] id = new byte[8];
        new SecureRandom().nextBytes(id);
        this.holder = HexFormat.of().formatHex(id);
    }

    /** The lease of {@code database}: one for the whole PostgreSQL store; a SQLite store has one writer and no lease. */
    public static Leadership of(final Database database, final long leaseMs)
    {
        final Leadership leadership = new Leadership(database, leaseMs);
        if (!database.postgres())
        {
            leadership.token = 1; // the only writer there is: nothing to renew, nothing to lose
        }
        return leadership;
    }

    /**
     * Try to take the lease now, then keep it or follow the one who has it on a thread of {@code agents}.
     *
     * @param observer told the change log's head while another process writes.
     */
    void start(final Agents agents, final HeadObserver observer)
    {
        if (!database.postgres())
        {
            return;
        }
        this.observer = observer;
        tick();
        runner = agents.every("control-lease", FOLLOW_MS, this::tick);
    }

    /** Say where clients reach this process's API, for the 503 answers of the others while it leads. */
    public void advertise(final String url)
    {
        advertisedUrl = url;
        renewAtNs = System.nanoTime(); // the lease thread writes it at its next turn
    }

    /** Run {@code task} on the lease thread each time this process takes the lease (caches to refresh, say). */
    public void onLead(final Runnable task)
    {
        onLead = task;
    }

    /** Run {@code task} on the lease thread every second while another process leads (caches of what it writes, say). */
    public void onFollow(final FollowTask task)
    {
        onFollow = task;
    }

    /** @return true while this process holds the lease (always for SQLite). */
    public boolean isLeader()
    {
        if (!database.postgres())
        {
            return true;
        }
        return token != 0 && System.nanoTime() - validUntilNs < 0;
    }

    /** @return the fencing token this process holds, 0 while it does not lead. */
    public long token()
    {
        return isLeader() ? token : 0;
    }

    /** @return the answer to a write while another process leads: 503, Retry-After and the leader's URL when known. */
    public Problem notLeader()
    {
        final String url = leaderUrl;
        final Problem problem = Problem.unavailable("not-leader", url == null
            ? "this control plane does not write; the leader is being chosen, try again shortly"
            : "this control plane does not write; send writes to the leader, " + url, 1);
        return url == null ? problem : problem.with(Problem.LEADER, url);
    }

    /**
     * Open the writer's transaction: lock the lease row under this process's token, before the first write. SQLite:
     * nothing to lock.
     *
     * @return the token the transaction is fenced under: the lease cannot change hands until the transaction ends.
     * @throws Problem 503 {@code not-leader} when this process does not lead (the transaction is rolled back).
     */
    long fence(final Connection writer) throws SQLException
    {
        final long held = token();
        if (held == 0)
        {
            throw notLeader();
        }
        if (!database.postgres())
        {
            return held;
        }
        final PreparedStatement ps = Queries.prepare(writer, "SELECT 1 FROM control_lease WHERE id = 1 AND token = ? FOR SHARE");
        ps.setLong(1, held);
        try (ResultSet rs = ps.executeQuery())
        {
            if (rs.next())
            {
                return held;
            }
        }
        writer.rollback();
        lost(held, "the writer found its fencing token replaced");
        throw notLeader();
    }

    /** Settings of the writer's session: a transaction left idle (a frozen process) cannot hold the lease row past a lease. */
    void configureWriter(final Connection writer) throws SQLException
    {
        if (database.postgres())
        {
            try (Statement statement = writer.createStatement())
            {
                statement.execute("SET idle_in_transaction_session_timeout = " + leaseMs);
            }
            writer.commit();
        }
    }

    private void lost(final long lostToken, final String why)
    {
        if (token == lostToken && lostToken != 0)
        {
            token = 0;
            losses.incrementAndGet();
            LOG.warn("no longer the leader (fencing token {}): {}", lostToken, why);
        }
    }

    private int tick()
    {
        final long now = System.nanoTime();
        try
        {
            if (connection == null)
            {
                connection = database.openLease();
            }
            if (token != 0)
            {
                if (now - validUntilNs >= 0)
                {
                    lost(token, "the lease ran out before it could be renewed");
                }
                else if (now - renewAtNs >= 0)
                {
                    renew(now);
                }
            }
            if (token == 0)
            {
                follow();
                if (now - followTaskAtNs >= 0)
                {
                    followTaskAtNs = now + TimeUnit.MILLISECONDS.toNanos(FOLLOW_TASK_MS);
                    runFollowTask();
                }
                if (now - attemptAtNs >= 0)
                {
                    attemptAtNs = now + TimeUnit.MILLISECONDS.toNanos(ATTEMPT_MS);
                    attempt(now);
                }
            }
            if (unreachable)
            {
                unreachable = false;
                LOG.info("the store answers the lease thread again");
            }
            return 1;
        }
        catch (final SQLException ex)
        {
            if (!unreachable)
            {
                unreachable = true;
                LOG.warn("the lease thread cannot reach the store ({}); trying again", ex.getMessage());
            }
            Queries.forget(connection);
            CloseHelper.quietClose(connection);
            connection = null;
            if (token != 0 && now - validUntilNs >= 0)
            {
                lost(token, "the lease ran out while the store could not be reached");
            }
            return 0;
        }
    }

    private void runFollowTask()
    {
        try
        {
            onFollow.run();
        }
        catch (final Exception ex)
        {
            LOG.debug("refreshing what the leader wrote failed: {}", ex.toString()); // the next second tries again
        }
    }

    private void renew(final long now) throws SQLException
    {
        final PreparedStatement ps = Queries.prepare(connection,
            "UPDATE control_lease SET expires_at = " + NOW_MS + " + ?, url = ? WHERE id = 1 AND token = ?");
        ps.setLong(1, leaseMs);
        ps.setString(2, advertisedUrl);
        ps.setLong(3, token);
        if (ps.executeUpdate() == 1)
        {
            validUntilNs = now + TimeUnit.MILLISECONDS.toNanos(leaseMs);
            renewAtNs = now + TimeUnit.MILLISECONDS.toNanos(leaseMs / 3);
        }
        else
        {
            lost(token, "another control plane holds the lease");
        }
    }

    private void follow() throws SQLException
    {
        final PreparedStatement head = Queries.prepare(connection, "SELECT seq, committed_at FROM change_log ORDER BY seq DESC LIMIT 1");
        try (ResultSet rs = head.executeQuery())
        {
            if (rs.next())
            {
                observer.observed(rs.getLong(1), rs.getLong(2));
            }
        }
    }

    private void attempt(final long now) throws SQLException
    {
        final PreparedStatement current = Queries.prepare(connection,
            "SELECT url, expires_at > " + NOW_MS + ", pg_is_in_recovery() FROM control_lease WHERE id = 1");
        try (ResultSet rs = current.executeQuery())
        {
            if (!rs.next())
            {
                throw new SQLException("the store has no lease row");
            }
            leaderUrl = rs.getBoolean(2) ? rs.getString(1) : null;
            if (rs.getBoolean(2) || rs.getBoolean(3))
            {
                return; // held by another, or this server is a standby: it cannot take writes before it is promoted
            }
        }
        final PreparedStatement take = Queries.prepare(connection,
            "UPDATE control_lease SET token = token + 1, holder = ?, url = ?, expires_at = " + NOW_MS + " + ?, acquired_at = " + NOW_MS +
            " WHERE id = 1 AND expires_at <= " + NOW_MS + " RETURNING token");
        take.setString(1, holder);
        take.setString(2, advertisedUrl);
        take.setLong(3, leaseMs);
        try (ResultSet rs = take.executeQuery())
        {
            if (rs.next())
            {
                validUntilNs = now + TimeUnit.MILLISECONDS.toNanos(leaseMs);
                renewAtNs = now + TimeUnit.MILLISECONDS.toNanos(leaseMs / 3);
                token = rs.getLong(1);
                takeovers.incrementAndGet();
                LOG.info("this control plane is the leader now (fencing token {})", token);
                onLead.run();
            }
        }
    }

    /**
     * Expose the lease's figures: whether this process leads, its token, and how often it took and lost the lease.
     */
    public void register(final PrometheusRegistry registry)
    {
        Metrics.gauge(registry, "bounce_leader", "1 while this control plane holds the writer's lease (always, with SQLite).",
            () -> isLeader() ? 1 : 0);
        Metrics.gauge(registry, "bounce_leader_fencing_token", "The fencing token this control plane holds, 0 while it does not lead.",
            this::token);
        Metrics.counter(registry, "bounce_leader_takeovers_total", "Times this control plane took the writer's lease.", takeovers::get);
        Metrics.counter(registry, "bounce_leader_losses_total", "Times this control plane lost the writer's lease (it stopped writing).",
            losses::get);
    }

    /** Stop the lease thread and, while leading, hand the lease back so another control plane takes over at once. */
    @Override
    public void close()
    {
        Agents.stop(runner, 5_000);
        final long held = token;
        token = 0;
        if (connection != null && held != 0 && database.postgres())
        {
            try
            {
                final PreparedStatement release = Queries.prepare(connection,
                    "UPDATE control_lease SET expires_at = 0, url = NULL WHERE id = 1 AND token = ?");
                release.setLong(1, held);
                release.executeUpdate();
                LOG.info("handed the lease back (fencing token {})", held);
            }
            catch (final SQLException ex)
            {
                LOG.warn("could not hand the lease back ({}); another control plane takes it when it runs out", ex.getMessage());
            }
        }
        Queries.forget(connection);
        CloseHelper.quietClose(connection);
        connection = null;
    }
}
