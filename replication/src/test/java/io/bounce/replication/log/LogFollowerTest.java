package io.bounce.replication.log;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpServer;
import io.bounce.runtime.agent.Agents;
import io.bounce.replication.link.LinkCodec;
import io.bounce.replication.link.LinkRecord;
import io.bounce.replication.tls.CertificateRecord;
import io.bounce.replication.tls.DomainPolicy;
import io.bounce.replication.tls.TicketKeys;
import io.bounce.replication.tls.TlsCodec;
import io.bounce.replication.tls.TlsRecord;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LogFollowerTest
{
    /** A sink that keeps what it is given in memory. */
    static final class MemorySink implements FollowerSink
    {
        final List<LinkRecord> applied = new ArrayList<>();
        final List<TlsRecord> appliedTls = new java.util.concurrent.CopyOnWriteArrayList<>();
        volatile long sequence;

        MemorySink(final long sequence)
        {
            this.sequence = sequence;
        }

        @Override
        public long appliedSequence()
        {
            return sequence;
        }

        @Override
        public long appliedCommittedAtMs()
        {
            return 0;
        }

        @Override
        public void apply(final LinkRecord record)
        {
            applied.add(record);
        }

        @Override
        public void apply(final TlsRecord record)
        {
            appliedTls.add(record);
        }

        @Override
        public void checkpoint(final long sequence, final long committedAtMs)
        {
            this.sequence = sequence;
        }

        @Override
        public Bootstrap beginBootstrap(final long expectedRecords)
        {
            throw new AssertionError("this sink never bootstraps");
        }
    }

    @Test
    void shouldDropAStreamThatFallsSilentAndReconnect() throws Exception
    {
        // A leader that opens the log, sends the stream header, then never another byte (no heartbeats).
        final CountDownLatch requests = new CountDownLatch(2);
        final HttpServer leader = silentLeader(requests, true, 5_000);
        final MemorySink sink = new MemorySink(5);
        try (LogFollower follower = follow(leader, sink))
        {
            assertTrue(requests.await(30, TimeUnit.SECONDS), "the follower came back after the silence");
            assertTrue(follower.stats().timeouts.get() >= 1);
            assertEquals(0, sink.applied.size());
        }
        finally
        {
            leader.stop(0);
        }
    }

    @Test
    void shouldGiveUpOnALeaderThatNeverAnswersTheLogRequestAndTryAgain() throws Exception
    {
        // A leader that takes the request and sends nothing, not even the status line. The no-bytes
        // watchdog cannot see this wait (no stream yet); the request's own timeout must end it.
        final CountDownLatch requests = new CountDownLatch(3);
        final HttpServer leader = silentLeader(requests, false, 20_000);
        final MemorySink sink = new MemorySink(5);
        try (LogFollower follower = follow(leader, sink))
        {
            // Three requests inside the 20 s one of them would otherwise hang for (30 s before).
            assertTrue(requests.await(15, TimeUnit.SECONDS), "the follower gave up on the silent request and asked again");
            assertEquals(0, sink.applied.size());
        }
        finally
        {
            leader.stop(0);
        }
    }

    @Test
    void shouldApplyTlsRecordsInTheirPlaceInTheLog() throws Exception
    {
        final LinkRecord link = new LinkRecord("bnc.to", "abc", "https://example.com/", 302, 1, 1, 0, (byte)0, 6);
        final TlsRecord policy = new DomainPolicy(7, "go.example.com", true, 600, false, false, false);
        final TlsRecord certificate = new CertificateRecord(8, "go.example.com", "EC", "ab".repeat(32), 1_900_000_000_000L,
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", new byte[] {1, 2, 3});
        final TlsRecord keys = new TicketKeys(9, List.of(new TicketKeys.Key(42, new byte[76])));
        final HttpServer leader = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        leader.createContext(ReplicationFormat.PATH_LOG, exchange ->
        {
            exchange.sendResponseHeaders(200, 0);
            final OutputStream body = exchange.getResponseBody();
            body.write(ReplicationFormat.streamHeader(ReplicationFormat.KIND_LOG, 6));
            body.write(ReplicationFormat.frame(ReplicationFormat.TYPE_RECORD, 6, 1000, LinkCodec.encode(link)));
            for (final TlsRecord record : List.of(policy, certificate, keys))
            {
                body.write(ReplicationFormat.frame(record.frameType(), record.sequence(), 1000, TlsCodec.encode(record)));
            }
            body.flush();
            try
            {
                Thread.sleep(5_000);
            }
            catch (final InterruptedException ignored)
            {
                // test over
            }
            exchange.close();
        });
        leader.start();
        final MemorySink sink = new MemorySink(5);
        try (LogFollower ignored = follow(leader, sink))
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (sink.sequence < 9 && System.nanoTime() < deadline)
            {
                Thread.sleep(10);
            }
            assertEquals(9, sink.sequence, "checkpointed through the TLS records");
            assertEquals(List.of(link), sink.applied);
            assertEquals(List.of(policy, certificate, keys).toString(), sink.appliedTls.toString());
            assertEquals(certificate, sink.appliedTls.get(1));
        }
        finally
        {
            leader.stop(0);
        }
    }

    /**
     * A leader whose log requests each count down {@code requests}, then, with {@code header}, get
     * a 200 and the stream header, and then nothing for {@code silenceMs}.
     */
    private static HttpServer silentLeader(final CountDownLatch requests, final boolean header, final long silenceMs)
        throws IOException
    {
        final HttpServer leader = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        leader.createContext(ReplicationFormat.PATH_LOG, exchange ->
        {
            requests.countDown();
            if (header)
            {
                exchange.sendResponseHeaders(200, 0);
                final OutputStream body = exchange.getResponseBody();
                body.write(ReplicationFormat.streamHeader(ReplicationFormat.KIND_LOG, 6));
                body.flush();
            }
            try
            {
                Thread.sleep(silenceMs);
            }
            catch (final InterruptedException ignored)
            {
                // test over
            }
            exchange.close();
        });
        leader.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        leader.start();
        return leader;
    }

    /** A follower of {@code leader} with a 200 ms silence timeout and quick retries. */
    private static LogFollower follow(final HttpServer leader, final MemorySink sink)
    {
        return new LogFollower(new LogFollower.Settings(
            URI.create("http://127.0.0.1:" + leader.getAddress().getPort() + "/"), "token", 200, 10, 50), sink, new Agents()).start();
    }
}
