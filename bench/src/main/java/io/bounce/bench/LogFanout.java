package io.bounce.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.bounce.control.ControlPlaneMain;
import io.bounce.control.ControlPlaneNode;
import io.bounce.replication.link.LinkRecord;
import io.bounce.replication.log.FollowerSink;
import io.bounce.replication.log.LogFollower;
import io.bounce.replication.tls.TlsRecord;
import io.bounce.runtime.agent.Agents;
import io.bounce.runtime.server.FreePorts;
import io.bounce.runtime.testing.Postgres;
import org.HdrHistogram.Histogram;

/**
 * Change-log fan-out: how many followers one control plane serves, and at what cost. For each follower count, a control
 * plane (a child JVM) on a fresh PostgreSQL database, that many real {@link LogFollower}s (the edge's follower, with a
 * sink that only counts) in this JVM, and links created through the API at a fixed rate. Each created link's URL
 * carries the moment it was sent; each follower records, for every link it applies, the time since then. Reported per
 * count: the control plane's CPU (of one core) and threads, PostgreSQL connections to its database, and the
 * create-to-applied time over all followers (p50, p99, max).
 *
 * <p>Usage (bench/bin/log-fanout): {@code LogFanout WORK_DIR COUNTS(50,100,200) CREATES_PER_SECOND SECONDS}
 */
public final class LogFanout
{
    private static final String TOKEN = "log-fanout-replication-token";

    private LogFanout()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final Path work = Path.of(args[0]);
        final int rate = Integer.parseInt(args[2]);
        final int seconds = Integer.parseInt(args[3]);
        Files.createDirectories(work);
        try (Postgres postgres = Postgres.primary())
        {
            final Path password = work.resolve("store.password");
            Files.writeString(password, postgres.password() + "\n");
            Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-------"));
            System.out.printf("%9s %9s %9s %9s %9s %11s %11s %11s %9s%n", "followers", "cp-cpu%", "µs/change", "threads", "pg-conns",
                "p50-ms", "p99-ms", "max-ms", "complete");
            for (final String count : args[1].split(","))
            {
                run(work, postgres, password, Integer.parseInt(count), rate, seconds);
            }
        }
    }

    private static void run(final Path work, final Postgres postgres, final Path password, final int followers, final int rate,
        final int seconds) throws Exception
    {
        final String database = "fanout" + followers;
        postgres.sql("CREATE DATABASE " + database);
        final int[] ports = FreePorts.pick(2);
        final Path dataDir = work.resolve(database);
        final Process cp = ChildJvm.start(ControlPlaneMain.class, work.resolve(database + ".log"), "512m", "--data-dir", dataDir.toString(),
            "--host", "127.0.0.1", "--port", Integer.toString(ports[0]), "--admin-host", "127.0.0.1", "--admin-port",
            Integer.toString(ports[1]), "--store", "postgresql://" + Postgres.USER + "@127.0.0.1:" + postgres.port() + "/" + database,
            "--store-password-file", password.toString(), "--replication-token", TOKEN, "--max-followers", "4000");
        final List<LogFollower> running = new ArrayList<>();
        final List<CountingSink> sinks = new ArrayList<>();
        final Agents agents = new Agents();
        try
        {
            ChildJvm.awaitReady("the control plane", ports[1], cp, 60_000);
            final String api = "http://127.0.0.1:" + ports[0];
            final String key = Files.readString(dataDir.resolve(ControlPlaneNode.ADMIN_KEY_FILE)).trim();
            for (int i = 0; i < followers; i++)
            {
                final CountingSink sink = new CountingSink();
                sinks.add(sink);
                running.add(new LogFollower(new LogFollower.Settings(URI.create(api + "/"), TOKEN, 5_000, 100, 1_000), sink, agents)
                    .start());
            }
            final long warmEnd = System.currentTimeMillis() + 3_000;
            final AtomicBoolean stop = new AtomicBoolean();
            final AtomicLong created = new AtomicLong();
            final List<Thread> creators = new ArrayList<>();
            final int threads = Math.max(1, Math.min(8, rate / 25));
            for (int t = 0; t < threads; t++)
            {
                final int thread = t;
                final Thread creator = new Thread(() -> create(api, key, rate / (double)threads, thread, stop, created), "creates-" + t);
                creator.start();
                creators.add(creator);
            }
            while (System.currentTimeMillis() < warmEnd)
            {
                Thread.sleep(50);
            }
            sinks.forEach(CountingSink::reset);
            final long cpuBefore = cpuTicks(cp.pid());
            final long createdBefore = created.get();
            final long started = System.nanoTime();
            Thread.sleep(seconds * 1000L);
            final long cpuTicks = cpuTicks(cp.pid()) - cpuBefore;
            final long elapsedNs = System.nanoTime() - started;
            final long createdInWindow = created.get() - createdBefore;
            final int threadCount = threads(cp.pid());
            final String connections = postgres.sql("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = '" + database + "'");
            stop.set(true);
            for (final Thread creator : creators)
            {
                creator.join();
            }
            final long last = created.get();
            final long deadline = System.currentTimeMillis() + 30_000;
            while (System.currentTimeMillis() < deadline && sinks.stream().anyMatch(s -> s.links.get() < last))
            {
                Thread.sleep(50);
            }
            final long complete = sinks.stream().filter(s -> s.links.get() >= last).count();
            final Histogram all = new Histogram(60_000_000_000L, 3);
            sinks.forEach(s -> s.addTo(all));
            final double cpuSeconds = cpuTicks / 100.0;
            final double cpuPercent = 100.0 * cpuSeconds / (elapsedNs / 1e9);
            final double perChange = createdInWindow == 0 ? 0 : cpuSeconds * 1e6 / (createdInWindow * (double)followers);
            System.out.printf("%9d %9.1f %9.1f %9d %9s %11.2f %11.2f %11.2f %5d/%-4d%n", followers, cpuPercent, perChange, threadCount,
                connections, all.getValueAtPercentile(50) / 1e6, all.getValueAtPercentile(99) / 1e6, all.getMaxValue() / 1e6, complete,
                followers);
        }
        finally
        {
            running.forEach(LogFollower::close);
            cp.destroy();
            if (!cp.waitFor(30, TimeUnit.SECONDS))
            {
                cp.destroyForcibly();
            }
        }
    }

    /** Create links at {@code perSecond}, each URL carrying the moment it was sent (this JVM's nanoTime). */
    private static void create(final String api, final String key, final double perSecond, final int thread, final AtomicBoolean stop,
        final AtomicLong created)
    {
        final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        final long intervalNs = (long)(1e9 / perSecond);
        long next = System.nanoTime();
        for (long n = 0; !stop.get(); n++)
        {
            final long now = System.nanoTime();
            if (now < next)
            {
                java.util.concurrent.locks.LockSupport.parkNanos(next - now);
                continue;
            }
            next += intervalNs;
            try
            {
                final HttpResponse<Void> answer = http.send(HttpRequest.newBuilder(URI.create(api + "/api/v1/links"))
                    .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"url\":\"https://example.com/t/" + System.nanoTime() + "\",\"alias\":\"f" +
                        thread + "-" + n + "\"}")).build(), HttpResponse.BodyHandlers.discarding());
                if (answer.statusCode() == 201)
                {
                    created.incrementAndGet();
                }
            }
            catch (final IOException ex)
            {
                // counted by what the followers never see
            }
            catch (final InterruptedException ex)
            {
                return;
            }
        }
    }

    /** A follower's sink that keeps nothing: it counts links and records, per link, the time since its create was sent. */
    private static final class CountingSink implements FollowerSink
    {
        final AtomicLong links = new AtomicLong();
        private final Histogram latency = new Histogram(60_000_000_000L, 3);
        private long applied;
        private long appliedAt;

        @Override
        public long appliedSequence()
        {
            return applied;
        }

        @Override
        public long appliedCommittedAtMs()
        {
            return appliedAt;
        }

        @Override
        public void apply(final LinkRecord record)
        {
            final String url = record.url();
            final int at = url.indexOf("/t/");
            if (at >= 0)
            {
                synchronized (latency)
                {
                    latency.recordValue(Math.max(0, System.nanoTime() - Long.parseLong(url.substring(at + 3))));
                }
                links.incrementAndGet();
            }
        }

        @Override
        public void apply(final TlsRecord record)
        {
        }

        @Override
        public void checkpoint(final long sequence, final long committedAtMs)
        {
            applied = sequence;
            appliedAt = committedAtMs;
        }

        void reset()
        {
            synchronized (latency)
            {
                latency.reset();
            }
        }

        void addTo(final Histogram all)
        {
            synchronized (latency)
            {
                all.add(latency);
            }
        }

        @Override
        public Bootstrap beginBootstrap(final long expectedRecords)
        {
            return new Bootstrap()
            {
                @Override
                public void put(final LinkRecord record)
                {
                }

                @Override
                public void put(final TlsRecord record)
                {
                }

                @Override
                public void commit(final long sequence, final long committedAtMs)
                {
                    applied = sequence;
                    appliedAt = committedAtMs;
                }

                @Override
                public void close()
                {
                }
            };
        }
    }

    /** @return user and system CPU of a process so far, in clock ticks (1/100 s). */
    private static long cpuTicks(final long pid) throws IOException
    {
        final String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        final String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime (fields 14 and 15 of stat)
    }

    private static int threads(final long pid) throws IOException
    {
        for (final String line : Files.readAllLines(Path.of("/proc/" + pid + "/status")))
        {
            if (line.startsWith("Threads:"))
            {
                return Integer.parseInt(line.substring(8).trim());
            }
        }
        return -1;
    }
}
