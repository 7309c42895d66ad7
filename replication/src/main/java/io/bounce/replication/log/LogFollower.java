package io.bounce.replication.log;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;

import io.bounce.runtime.agent.Agents;
import io.bounce.runtime.agent.Backoff;
import io.bounce.replication.link.LinkCodec;
import io.bounce.replication.link.LinkFormatException;
import io.bounce.replication.link.LinkRecord;
import io.bounce.replication.tls.TlsCodec;
import io.bounce.replication.tls.TlsRecord;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows a leader's change log into a {@link FollowerSink}, on one thread of its own: bootstraps from
 * the snapshot when the sink is empty or the leader answers 410, then tails the log, applying each
 * record in sequence order after checking its checksum and sequence. Any error (a cut stream, a bad
 * checksum, a gap, silence longer than {@code timeoutMs}) drops the stream and reconnects from the last
 * applied sequence after an exponential backoff with jitter; nothing from a bad frame is applied.
 * It never gives up, and it never touches the serving path: the sink keeps answering throughout.
 */
public final class LogFollower implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(LogFollower.class);
    private static final int CHECKPOINT_EVERY = 1024;

    /**
     * How the follower reaches its leader and how patient it is.
     *
     * @param leaders control planes serving the same log (one store), tried in turn: a failed session moves to the next,
     *                and only a whole round of failures waits out the backoff.
     * @param trust   the TLS context for an https:// leader (trusting its CA), or null for the JDK's default authorities.
     */
    public record Settings(List<URI> leaders, String token, long timeoutMs, long backoffInitialMs, long backoffMaxMs, SSLContext trust)
    {
        public Settings
        {
            leaders = List.copyOf(leaders);
            if (leaders.isEmpty())
            {
                throw new IllegalArgumentException("a follower needs a control plane to follow");
            }
        }

        public Settings(final URI leader, final String token, final long timeoutMs, final long backoffInitialMs, final long backoffMaxMs)
        {
            this(List.of(leader), token, timeoutMs, backoffInitialMs, backoffMaxMs, null);
        }
    }

    private final Settings settings;
    private final FollowerSink sink;
    private final FollowerStats stats = new FollowerStats();
    private final HttpClient client;
    private final ScheduledExecutorService watchdog;
    private final Agents agents;
    private AgentRunner runner;
    private volatile boolean running = true;
    /** Whether the next session starts from the snapshot; owned by the follower's agent. */
    private boolean bootstrap;
    private volatile InputStream current;
    private volatile long lastReadNanos;
    private final Backoff backoff;
    /** The control plane of {@link Settings#leaders()} this follower tries now, and the failed sessions since one worked. */
    private volatile int leaderIndex;
    private int failedInRound;

    /** @param agents runs the follower from {@link #start()} on. */
    public LogFollower(final Settings settings, final FollowerSink sink, final Agents agents)
    {
        this.agents = agents;
        this.settings = settings;
        this.sink = sink;
        this.backoff = new Backoff(settings.backoffInitialMs(), settings.backoffMaxMs());
        final HttpClient.Builder client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofMillis(Math.max(1000, settings.timeoutMs())));
        if (settings.trust() != null)
        {
            client.sslContext(settings.trust());
        }
        this.client = client.build();
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r ->
        {
            final Thread t = new Thread(r, "replication-watchdog");
            t.setDaemon(true);
            return t;
        });
        stats.appliedSequence.set(sink.appliedSequence());
        stats.appliedCommittedAtMs.set(sink.appliedCommittedAtMs());
        this.bootstrap = sink.appliedSequence() == 0;
    }

    /** Start following. */
    public LogFollower start()
    {
        final long period = Math.max(10, settings.timeoutMs() / 4);
        watchdog.scheduleAtFixedRate(this::checkSilence, period, period, TimeUnit.MILLISECONDS);
        runner = agents.start(new Agent()
        {
            @Override
            public int doWork() throws InterruptedException
            {
                return followOnce();
            }

            @Override
            public String roleName()
            {
                return "replication-follower";
            }
        }, Agents.sleeping(10));
        return this;
    }

    public FollowerStats stats()
    {
        return stats;
    }

    /**
     * One session with the leader, unless a failure's backoff is not over: bootstrap if needed, then
     * tail until the stream ends (it always does, by error or silence); then schedule the next attempt.
     *
     * @return 1 when a session ran, 0 while backing off.
     */
    private int followOnce() throws InterruptedException
    {
        if (!backoff.isDue(System.currentTimeMillis()))
        {
            return 0;
        }
        try
        {
            if (bootstrap)
            {
                bootstrap();
                bootstrap = false;
            }
            tail();
        }
        catch (final LogGoneException ex)
        {
            stats.goneAnswers.incrementAndGet();
            LOG.warn("{}; bootstrapping from the snapshot", ex.getMessage());
            bootstrap = true;
            return 1; // at once: the leader is there, it only lacks what was asked
        }
        catch (final ProtocolException ex)
        {
            stats.protocolErrors.incrementAndGet(ex.reason().ordinal());
            LOG.error("refused the leader's stream ({}): {}", ex.reason(), ex.getMessage());
        }
        catch (final UnauthorizedException ex)
        {
            stats.unauthorized.incrementAndGet();
            LOG.error("{}", ex.getMessage());
        }
        catch (final IOException | RuntimeException ex)
        {
            if (running)
            {
                LOG.info("replication stream from {} ended: {}", leader(), ex.toString());
            }
        }
        finally
        {
            stats.connected = false;
            closeCurrent();
        }
        if (running)
        {
            stats.reconnects.incrementAndGet();
            nextLeader();
        }
        return 1;
    }

    /** @return the control plane this follower follows (or tries) now. */
    public URI leader()
    {
        return settings.leaders().get(leaderIndex);
    }

    /**
     * After a failed session: try the next control plane of the list at once; after a whole round of them failed, wait
     * out the backoff first.
     */
    private void nextLeader()
    {
        final int count = settings.leaders().size();
        if (count > 1)
        {
            leaderIndex = (leaderIndex + 1) % count;
            stats.leaderSwitches.incrementAndGet();
            LOG.info("following {} next", leader());
        }
        if (++failedInRound >= count)
        {
            failedInRound = 0;
            backoff.failed(System.currentTimeMillis());
        }
    }

    private void bootstrap() throws IOException, InterruptedException
    {
        final long started = System.nanoTime();
        final HttpResponse<InputStream> response = open(ReplicationFormat.PATH_SNAPSHOT, Math.max(30_000, settings.timeoutMs()));
        final long expected = parseLong(response.headers().firstValue(ReplicationFormat.RECORDS_HEADER).orElse("0"));
        final InputStream in = new BufferedInputStream(new net.jpountz.lz4.LZ4FrameInputStream(response.body()), 64 * 1024);
        final long sequence = ReplicationFormat.readStreamHeader(in, ReplicationFormat.KIND_SNAPSHOT);
        final ReplicationFormat.FrameReader reader = new ReplicationFormat.FrameReader(in);
        final UnsafeBuffer view = new UnsafeBuffer(reader.buffer());
        long count = 0;
        try (FollowerSink.Bootstrap target = sink.beginBootstrap(expected))
        {
            while (reader.next())
            {
                lastReadNanos = System.nanoTime();
                if (reader.type() == ReplicationFormat.TYPE_RECORD)
                {
                    target.put(decode(reader, view));
                    count++;
                }
                else if (ReplicationFormat.isChange(reader.type()))
                {
                    target.put(decodeTls(reader));
                    count++;
                }
                else if (reader.type() == ReplicationFormat.TYPE_END)
                {
                    if (reader.sequence() != sequence || reader.payloadLong() != count)
                    {
                        throw new ProtocolException(ProtocolException.Reason.FORMAT, "snapshot END says sequence " +
                            reader.sequence() + " and " + reader.payloadLong() + " records; got " + sequence + " and " + count);
                    }
                    target.commit(sequence, reader.timeMs());
                    sink.history(response.headers().firstValue(ReplicationFormat.HISTORY_HEADER).orElse(null));
                    stats.bootstraps.incrementAndGet();
                    stats.bootstrapRecords.addAndGet(count);
                    stats.appliedSequence.set(sequence);
                    stats.appliedCommittedAtMs.set(reader.timeMs());
                    stats.leaderHead.accumulateAndGet(sequence, Math::max);
                    LOG.info("bootstrapped {} records at sequence {} in {} ms", count, sequence,
                        (System.nanoTime() - started) / 1_000_000);
                    return;
                }
            }
        }
        throw new EOFException("snapshot ended after " + count + " records without its END frame");
    }

    private void tail() throws IOException, InterruptedException
    {
        long applied = sink.appliedSequence();
        long appliedAt = sink.appliedCommittedAtMs();
        // A leader answers a log request at once; the watchdog cannot see this wait (there is no
        // stream yet), so the request's own timeout bounds it by the same silence.
        final HttpResponse<InputStream> response = open(ReplicationFormat.PATH_LOG + "?from=" + (applied + 1), settings.timeoutMs());
        final String history = response.headers().firstValue(ReplicationFormat.HISTORY_HEADER).orElse(null);
        if (history != null && !history.equals(sink.historyId()))
        {
            if (sink.historyId() != null)
            {
                stats.historyChanges.incrementAndGet();
                throw new LogGoneException("the leader's store is another history (" + history + ", not " + sink.historyId() +
                    "): a restored backup or another cluster, whose sequence " + (applied + 1) + " is not this replica's next");
            }
            sink.history(history); // a replica from before history ids: it takes the leader's from now on
        }
        final BufferedInputStream in = new BufferedInputStream(response.body(), 64 * 1024);
        final long from = ReplicationFormat.readStreamHeader(in, ReplicationFormat.KIND_LOG);
        if (from != applied + 1)
        {
            throw new ProtocolException(ProtocolException.Reason.FORMAT, "asked for the log from " + (applied + 1) + ", got it from " + from);
        }
        stats.connected = true;
        backoff.reset();
        failedInRound = 0;
        final ReplicationFormat.FrameReader reader = new ReplicationFormat.FrameReader(in);
        final UnsafeBuffer view = new UnsafeBuffer(reader.buffer());
        long checkpointed = applied;
        try
        {
            while (reader.next())
            {
                lastReadNanos = System.nanoTime();
                if (ReplicationFormat.isChange(reader.type()))
                {
                    if (reader.sequence() != applied + 1)
                    {
                        throw new ProtocolException(ProtocolException.Reason.SEQUENCE_GAP,
                            "expected sequence " + (applied + 1) + ", got " + reader.sequence());
                    }
                    if (reader.type() == ReplicationFormat.TYPE_RECORD)
                    {
                        sink.apply(decode(reader, view));
                    }
                    else
                    {
                        sink.apply(decodeTls(reader));
                    }
                    applied = reader.sequence();
                    appliedAt = reader.timeMs();
                    stats.recordsApplied.incrementAndGet();
                    stats.appliedSequence.set(applied);
                    stats.appliedCommittedAtMs.set(appliedAt);
                    if (applied > stats.leaderHead.get())
                    {
                        stats.leaderHead.set(applied);
                        stats.leaderHeadCommittedAtMs.set(appliedAt);
                    }
                }
                else if (reader.type() == ReplicationFormat.TYPE_HEARTBEAT)
                {
                    stats.leaderHead.set(reader.sequence());
                    stats.leaderHeadCommittedAtMs.set(reader.timeMs());
                }
                else
                {
                    throw new ProtocolException(ProtocolException.Reason.FORMAT, "unexpected frame type " + reader.type() + " in the log");
                }
                if (applied != checkpointed && (in.available() == 0 || applied - checkpointed >= CHECKPOINT_EVERY))
                {
                    sink.checkpoint(applied, appliedAt);
                    checkpointed = applied;
                }
                if (applied >= stats.leaderHead.get())
                {
                    stats.caughtUpOnce = true;
                }
            }
        }
        finally
        {
            if (applied != checkpointed)
            {
                sink.checkpoint(applied, appliedAt);
            }
        }
        throw new EOFException("the leader ended the log stream");
    }

    private static LinkRecord decode(final ReplicationFormat.FrameReader reader, final UnsafeBuffer view)
    {
        final LinkRecord record;
        try
        {
            record = LinkCodec.decode(view, ReplicationFormat.FRAME_HEADER_LENGTH, reader.payloadLength());
        }
        catch (final LinkFormatException | IllegalArgumentException ex)
        {
            throw new ProtocolException(ProtocolException.Reason.FORMAT,
                "record at sequence " + reader.sequence() + " does not decode: " + ex.getMessage());
        }
        if (record.sequence() != reader.sequence())
        {
            throw new ProtocolException(ProtocolException.Reason.FORMAT,
                "frame sequence " + reader.sequence() + " carries a record of sequence " + record.sequence());
        }
        return record;
    }

    private static TlsRecord decodeTls(final ReplicationFormat.FrameReader reader)
    {
        final TlsRecord record;
        try
        {
            record = TlsCodec.decode(reader.type(), reader.buffer(), ReplicationFormat.FRAME_HEADER_LENGTH, reader.payloadLength());
        }
        catch (final IllegalArgumentException ex)
        {
            throw new ProtocolException(ProtocolException.Reason.FORMAT,
                "TLS record at sequence " + reader.sequence() + " does not decode: " + ex.getMessage());
        }
        if (record.sequence() != reader.sequence())
        {
            throw new ProtocolException(ProtocolException.Reason.FORMAT,
                "frame sequence " + reader.sequence() + " carries a record of sequence " + record.sequence());
        }
        return record;
    }

    /** @param headersTimeoutMs how long to wait for the answer's status and headers. */
    private HttpResponse<InputStream> open(final String pathAndQuery, final long headersTimeoutMs) throws IOException, InterruptedException
    {
        final HttpRequest request = HttpRequest.newBuilder(leader().resolve(pathAndQuery))
            .header("Authorization", "Bearer " + settings.token())
            .header(ReplicationFormat.VERSION_HEADER, Byte.toString(ReplicationFormat.VERSION))
            .timeout(Duration.ofMillis(headersTimeoutMs))
            .GET()
            .build();
        final HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        current = response.body();
        lastReadNanos = System.nanoTime();
        if (!running)
        {
            throw new IOException("follower closing");
        }
        if (response.statusCode() != 200)
        {
            final String detail;
            try (InputStream body = response.body())
            {
                detail = new String(body.readNBytes(4096), StandardCharsets.UTF_8);
            }
            switch (response.statusCode())
            {
                case 410:
                    throw new LogGoneException("leader answered 410 for " + pathAndQuery + ": " + detail);
                case 401:
                case 403:
                    throw new UnauthorizedException("leader refused the replication token (" + response.statusCode() +
                        "); check --replication-token on both sides");
                default:
                    throw new IOException("leader answered " + response.statusCode() + " for " + pathAndQuery + ": " + detail);
            }
        }
        final String version = response.headers().firstValue(ReplicationFormat.VERSION_HEADER).orElse(null);
        if (version != null && !isReadable(version))
        {
            throw new ProtocolException(ProtocolException.Reason.VERSION, "the leader speaks replication version " + version +
                "; this build reads only versions " + ReplicationFormat.OLDEST_READABLE_VERSION + " to " + ReplicationFormat.VERSION +
                " (upgrade this node)");
        }
        return response;
    }

    /** Drop a stream that has been silent for longer than the timeout (heartbeats keep a live one talking). */
    private void checkSilence()
    {
        final InputStream in = current;
        if (in != null && System.nanoTime() - lastReadNanos > settings.timeoutMs() * 1_000_000L)
        {
            stats.timeouts.incrementAndGet();
            LOG.warn("no bytes from the leader for {} ms; reconnecting", settings.timeoutMs());
            closeCurrent();
        }
    }

    private void closeCurrent()
    {
        final InputStream in = current;
        current = null;
        if (in != null)
        {
            try
            {
                in.close();
            }
            catch (final IOException ignored)
            {
                // closing to abandon it
            }
        }
    }

    private static boolean isReadable(final String version)
    {
        final long v = parseLong(version);
        return v >= ReplicationFormat.OLDEST_READABLE_VERSION && v <= ReplicationFormat.VERSION;
    }

    private static long parseLong(final String value)
    {
        try
        {
            return Long.parseLong(value.trim());
        }
        catch (final NumberFormatException ex)
        {
            return 0;
        }
    }

    /** Stop following: the current stream is dropped; what was applied stays applied and checkpointed. */
    @Override
    public void close()
    {
        running = false;
        closeCurrent(); // a tailing stream ends at once; a request awaiting its answer is interrupted after a second
        Agents.stop(runner, 1_000);
        watchdog.shutdownNow();
    }

    /** The leader no longer has (or never had) the asked-for part of the log: bootstrap. */
    static final class LogGoneException extends IOException
    {
        LogGoneException(final String message)
        {
            super(message);
        }
    }

    static final class UnauthorizedException extends IOException
    {
        UnauthorizedException(final String message)
        {
            super(message);
        }
    }
}
