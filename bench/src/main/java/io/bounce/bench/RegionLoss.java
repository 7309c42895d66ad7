package io.bounce.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import io.bounce.control.ControlPlaneMain;
import io.bounce.control.ControlPlaneNode;
import io.bounce.control.store.Failover;
import io.bounce.edge.EdgeConfig;
import io.bounce.edge.EdgeNode;
import io.bounce.runtime.server.FreePorts;
import io.bounce.runtime.testing.Postgres;
import org.agrona.CloseHelper;
import org.agrona.concurrent.SystemEpochClock;
import picocli.CommandLine;

/**
 * The loss of a region, end to end. Region A: the PostgreSQL primary and control plane A. Region B: a synchronous
 * streaming standby ({@code synchronous_commit=on}, {@code synchronous_standby_names}) and control plane B, which serves
 * reads and the change log from it. Two edges follow them (one A first, one B first) while {@code clients} clients
 * create links and two more follow redirects at the edges without pause. Then region A is SIGKILLed (control plane and
 * PostgreSQL), {@code bounce failover} promotes the standby and frees the lease, and writes resume on B.
 *
 * <p>What a run measures: creates acknowledged (201) and how many of them B lacks (must be 0), redirects served and how
 * many failed (must be 0), edge bootstraps after the first (must be 0), the time from the SIGKILL to the first 201 on B,
 * and whether a link made on B after the failover reached both edges. Everything is a real process or server: the
 * control planes and {@code bounce failover} are child JVMs, PostgreSQL is Debian's.
 *
 * <p>Usage (bench/bin/region-loss): {@code RegionLoss WORK_DIR RUNS CLIENTS}
 */
public final class RegionLoss
{
    /** What one region loss did. */
    public record Result(int acknowledged, int lost, long redirects, long failedRedirects, long rebootstraps, long takeoverMs,
        long failoverCommandMs, long promoteMs, long leaseMs, boolean newLinkReachedEdges, boolean logDense)
    {
        /** @return true when nothing was lost or failed, and the edges took a new link without bootstrapping again. */
        public boolean clean()
        {
            return lost == 0 && failedRedirects == 0 && rebootstraps == 0 && newLinkReachedEdges && logDense && acknowledged > 0;
        }

        @Override
        public String toString()
        {
            return "acknowledged " + acknowledged + ", lost " + lost + ", redirects " + redirects + ", failed " + failedRedirects +
                ", re-bootstraps " + rebootstraps + ", takeover " + takeoverMs + " ms (bounce failover " + failoverCommandMs +
                " ms: promotion " + promoteMs + " ms, lease taken " + leaseMs + " ms after it was freed), new link at both edges " +
                newLinkReachedEdges + ", log dense " + logDense;
        }
    }

    private static final String TOKEN = "region-loss-replication-token";
    private static final int SEEDED = 100;

    private RegionLoss()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final Path work = Path.of(args[0]);
        final int runs = Integer.parseInt(args[1]);
        final int clients = Integer.parseInt(args[2]);
        final List<Result> results = new ArrayList<>();
        for (int run = 1; run <= runs; run++)
        {
            final Result result = run(work.resolve("run-" + run), clients, System.out);
            System.out.println("run " + run + ": " + result);
            results.add(result);
        }
        final long[] takeovers = results.stream().mapToLong(Result::takeoverMs).sorted().toArray();
        System.out.println();
        System.out.println("region kills: " + runs + ", " + clients + " creating clients");
        System.out.println("takeover (SIGKILL to first 201 on B): p50 " + takeovers[(takeovers.length - 1) / 2] + " ms, max " +
            takeovers[takeovers.length - 1] + " ms");
        final long[] commands = results.stream().mapToLong(Result::failoverCommandMs).sorted().toArray();
        final long[] promotions = results.stream().mapToLong(Result::promoteMs).sorted().toArray();
        final long[] leases = results.stream().mapToLong(Result::leaseMs).sorted().toArray();
        System.out.println("of which bounce failover (a JVM start, promotion, lease): p50 " + commands[(commands.length - 1) / 2] +
            " ms; promotion p50 " + promotions[(promotions.length - 1) / 2] + " ms, max " + promotions[promotions.length - 1] +
            " ms; lease taken after it was freed p50 " + leases[(leases.length - 1) / 2] + " ms, max " + leases[leases.length - 1] + " ms");
        System.out.println("acknowledged creates: " + results.stream().mapToInt(Result::acknowledged).sum() + ", lost: " +
            results.stream().mapToInt(Result::lost).sum());
        System.out.println("redirects: " + results.stream().mapToLong(Result::redirects).sum() + ", failed: " +
            results.stream().mapToLong(Result::failedRedirects).sum());
        System.out.println("edge re-bootstraps: " + results.stream().mapToLong(Result::rebootstraps).sum());
        System.out.println("runs with a new link at both edges and a dense log: " +
            results.stream().filter(r -> r.newLinkReachedEdges() && r.logDense()).count() + " of " + runs);
        System.exit(results.stream().allMatch(Result::clean) ? 0 : 1);
    }

    /** One region loss in {@code work}; progress lines go to {@code log}. */
    public static Result run(final Path work, final int clients, final PrintStream log) throws Exception
    {
        Files.createDirectories(work);
        Process a = null;
        Process b = null;
        EdgeNode edge1 = null;
        EdgeNode edge2 = null;
        final AtomicBoolean stop = new AtomicBoolean();
        final List<Thread> threads = new ArrayList<>();
        try (Postgres primary = Postgres.primary(); Postgres standby = primary.standby("region_b", true))
        {
            final Path password = work.resolve("store.password");
            Files.writeString(password, primary.password() + "\n");
            Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-------"));
            final int[] ports = FreePorts.pick(4);
            final String baseA = "http://127.0.0.1:" + ports[0];
            final String baseB = "http://127.0.0.1:" + ports[2];
            a = controlPlane(work.resolve("a"), primary, password, ports[0], ports[1]);
            ChildJvm.awaitReady("control plane A", ports[1], a, 60_000);
            final String version = primary.sql("SELECT MAX(version) FROM schema_version");
            await("the standby has the schema", 30_000, () -> query(standby, "SELECT MAX(version) FROM schema_version").equals(version));
            b = controlPlane(work.resolve("b"), standby, password, ports[2], ports[3]);
            ChildJvm.awaitReady("control plane B", ports[3], b, 60_000);
            final String key = Files.readString(work.resolve("a").resolve(ControlPlaneNode.ADMIN_KEY_FILE)).trim();
            log.println("region A: PostgreSQL :" + primary.port() + ", control plane " + baseA + "; region B: standby :" + standby.port() +
                ", control plane " + baseB);

            edge1 = edge(work.resolve("edge-1"), baseA + "," + baseB);
            edge2 = edge(work.resolve("edge-2"), baseB + "," + baseA);
            final HttpClient api = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
            final String[] seeded = new String[SEEDED];
            for (int i = 0; i < SEEDED; i++)
            {
                seeded[i] = "seed-" + i;
                final HttpResponse<String> made = post(api, baseA, key, seeded[i]);
                if (made.statusCode() != 201)
                {
                    throw new IllegalStateException("seeding answered " + made.statusCode() + ": " + made.body());
                }
            }
            final EdgeNode e1 = edge1;
            final EdgeNode e2 = edge2;
            await("both edges have the seeded links", 30_000, () -> e1.replica().get("localhost", seeded[SEEDED - 1]) != null &&
                e2.replica().get("localhost", seeded[SEEDED - 1]) != null);

            // Load: redirects at both edges without pause, creates from `clients` clients that move to the other control
            // plane on a refusal or a dead connection.
            final AtomicLong redirects = new AtomicLong();
            final AtomicLong failedRedirects = new AtomicLong();
            final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            for (final EdgeNode edge : List.of(edge1, edge2))
            {
                threads.add(start("redirects-" + edge.address().getPort(), () -> follow(edge, seeded, stop, redirects, failedRedirects,
                    failures)));
            }
            final ConcurrentLinkedQueue<String> acknowledged = new ConcurrentLinkedQueue<>();
            final AtomicLong killedAtNs = new AtomicLong(Long.MAX_VALUE);
            final AtomicLong firstAfterKillNs = new AtomicLong();
            for (int c = 0; c < clients; c++)
            {
                final int client = c;
                threads.add(start("creates-" + c, () -> create(client, List.of(baseA, baseB), key, stop, acknowledged, killedAtNs,
                    firstAfterKillNs)));
            }
            Thread.sleep(2_000);

            // Region A is lost: its control plane and its PostgreSQL, SIGKILL, one after the other.
            final int before = acknowledged.size();
            killedAtNs.set(System.nanoTime());
            a.destroyForcibly();
            final java.util.concurrent.CompletableFuture<?> primaryGone = primary.sigkill();
            final long failoverStarted = System.nanoTime();
            log.println("region A killed after " + before + " acknowledged creates, in " + (failoverStarted - killedAtNs.get()) / 1_000_000 +
                " ms; bounce failover now");
            final Process failover = failover(work, standby, password);
            if (!failover.waitFor(90, TimeUnit.SECONDS) || failover.exitValue() != 0)
            {
                throw new IllegalStateException("bounce failover failed: " + Files.readString(work.resolve("failover.log")));
            }
            final long failoverCommandMs = (System.nanoTime() - failoverStarted) / 1_000_000;
            a.waitFor(10, TimeUnit.SECONDS);
            primaryGone.get(10, TimeUnit.SECONDS);
            final String said = Files.readString(work.resolve("failover.log"));
            log.print(said);
            await("a create acknowledged by B", 60_000, () -> firstAfterKillNs.get() != 0);
            Thread.sleep(2_000);
            stop.set(true);
            for (final Thread thread : threads)
            {
                thread.join(30_000);
            }
            final long takeoverMs = (firstAfterKillNs.get() - killedAtNs.get()) / 1_000_000;

            final Set<String> acked = new HashSet<>(acknowledged);
            final int lost = acked.size() - present(standby, acked);
            final HttpResponse<String> after = post(api, baseB, key, "after-failover");
            final boolean reached = after.statusCode() == 201 && awaitQuietly(30_000, () ->
                e1.replica().get("localhost", "after-failover") != null && e2.replica().get("localhost", "after-failover") != null);
            final boolean dense = query(standby, "SELECT COUNT(*) = MAX(seq) - MIN(seq) + 1 FROM change_log").equals("t");
            long rebootstraps = 0;
            for (final EdgeNode edge : List.of(edge1, edge2))
            {
                rebootstraps += edge.replication().bootstraps() - 1;
            }
            failures.stream().limit(5).forEach(f -> log.println("failed redirect: " + f));
            return new Result(acked.size(), lost, redirects.get(), failedRedirects.get(), rebootstraps, takeoverMs, failoverCommandMs,
                millis(said, "is the primary now \\((\\d+) ms\\)"), millis(said, ", (\\d+) ms after the lease was freed"), reached, dense);
        }
        finally
        {
            stop.set(true);
            for (final Thread thread : threads)
            {
                thread.join(10_000);
            }
            CloseHelper.quietCloseAll(edge1, edge2);
            for (final Process process : new Process[] {a, b})
            {
                if (process != null)
                {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
    }

    private static Process controlPlane(final Path dataDir, final Postgres store, final Path password, final int port, final int adminPort)
        throws IOException
    {
        return ChildJvm.start(ControlPlaneMain.class, dataDir.resolveSibling(dataDir.getFileName() + ".log"), "256m", "--data-dir", dataDir.toString(),
            "--host", "127.0.0.1", "--port", Integer.toString(port), "--admin-host", "127.0.0.1", "--admin-port", Integer.toString(adminPort),
            "--store", store.storeUrl(), "--store-password-file", password.toString(), "--leader-lease-ms", "5000",
            "--replication-token", TOKEN, "--replication-heartbeat-ms", "200");
    }

    private static Process failover(final Path work, final Postgres standby, final Path password) throws IOException
    {
        return ChildJvm.start(Failover.class, work.resolve("failover.log"), "128m", "--store", standby.storeUrl(), "--store-password-file",
            password.toString(), "--wait-ms", "60000");
    }

    /** @return the milliseconds {@code bounce failover} reported in the group of {@code pattern}, or -1. */
    private static long millis(final String said, final String pattern)
    {
        final java.util.regex.Matcher m = java.util.regex.Pattern.compile(pattern).matcher(said);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private static EdgeNode edge(final Path dataDir, final String controlPlanes) throws Exception
    {
        final EdgeConfig config = new EdgeConfig();
        new CommandLine(config).parseArgs("--data-dir", dataDir.toString(), "--host", "127.0.0.1", "--port", "0", "--admin-port", "0",
            "--expected-links", "100000", "--io-threads", "1", "--control-plane", controlPlanes, "--replication-token", TOKEN,
            "--replication-timeout-ms", "1500", "--replication-backoff-max-ms", "500", "--record-clicks", "false",
            "--edge-id", dataDir.getFileName().toString());
        return EdgeNode.start(config.conclude(), SystemEpochClock.INSTANCE, new PrintStream(new ByteArrayOutputStream()));
    }

    /** Follow seeded links at {@code edge} until stopped; anything but a redirect is a failure. */
    private static void follow(final EdgeNode edge, final String[] codes, final AtomicBoolean stop, final AtomicLong served,
        final AtomicLong failed, final ConcurrentLinkedQueue<String> failures)
    {
        final HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(2))
            .build();
        final String base = "http://127.0.0.1:" + edge.address().getPort() + "/";
        while (!stop.get())
        {
            final String code = codes[ThreadLocalRandom.current().nextInt(codes.length)];
            try
            {
                final HttpResponse<Void> answer = client.send(HttpRequest.newBuilder(URI.create(base + code)).timeout(Duration.ofSeconds(5))
                    .build(), HttpResponse.BodyHandlers.discarding());
                if (answer.statusCode() / 100 != 3)
                {
                    failed.incrementAndGet();
                    failures.add(code + ": " + answer.statusCode());
                }
            }
            catch (final IOException | InterruptedException ex)
            {
                failed.incrementAndGet();
                failures.add(code + ": " + ex);
            }
            served.incrementAndGet();
        }
    }

    /**
     * Create links until stopped, each with an alias of its own; a 201 is an acknowledgement the store must keep. A refusal
     * (503 not-leader) or a dead connection moves the client to the other control plane, as bouncectl's list does.
     */
    private static void create(final int client, final List<String> bases, final String key, final AtomicBoolean stop,
        final ConcurrentLinkedQueue<String> acknowledged, final AtomicLong killedAtNs, final AtomicLong firstAfterKillNs)
    {
        final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        int target = 0;
        for (long n = 0; !stop.get(); n++)
        {
            final String alias = "c" + client + "-" + n;
            final long sentNs = System.nanoTime();
            try
            {
                final HttpResponse<String> answer = post(http, bases.get(target), key, alias);
                if (answer.statusCode() == 201)
                {
                    acknowledged.add(alias);
                    if (sentNs > killedAtNs.get())
                    {
                        firstAfterKillNs.compareAndSet(0, System.nanoTime());
                    }
                    continue;
                }
            }
            catch (final IOException ex)
            {
                // not acknowledged: it may or may not have committed, and no one counts it
            }
            catch (final InterruptedException ex)
            {
                return;
            }
            target = (target + 1) % bases.size();
            try
            {
                Thread.sleep(20);
            }
            catch (final InterruptedException ex)
            {
                return;
            }
        }
    }

    private static HttpResponse<String> post(final HttpClient http, final String base, final String key, final String alias)
        throws IOException, InterruptedException
    {
        return http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/links")).timeout(Duration.ofSeconds(5))
            .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"url\":\"https://example.com/" + alias + "\",\"alias\":\"" + alias + "\"}"))
            .build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /** @return how many of {@code codes} the store has. */
    private static int present(final Postgres store, final Set<String> codes) throws Exception
    {
        final Properties login = new Properties();
        login.setProperty("user", Postgres.USER);
        login.setProperty("password", store.password());
        try (Connection connection = DriverManager.getConnection(store.jdbcUrl(), login);
            PreparedStatement query = connection.prepareStatement("SELECT COUNT(*) FROM links WHERE code = ANY (?)"))
        {
            final Array array = connection.createArrayOf("text", codes.toArray());
            query.setArray(1, array);
            try (ResultSet rs = query.executeQuery())
            {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private static String query(final Postgres store, final String sql)
    {
        try
        {
            return store.sql(sql);
        }
        catch (final Exception ex)
        {
            return "";
        }
    }

    private static void await(final String what, final long timeoutMs, final BooleanSupplier done) throws InterruptedException
    {
        if (!awaitQuietly(timeoutMs, done))
        {
            throw new IllegalStateException("timed out waiting for " + what);
        }
    }

    private static boolean awaitQuietly(final long timeoutMs, final BooleanSupplier done) throws InterruptedException
    {
        final long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline)
        {
            if (done.getAsBoolean())
            {
                return true;
            }
            Thread.sleep(20);
        }
        return done.getAsBoolean();
    }

    private static Thread start(final String name, final Runnable work)
    {
        final Thread thread = new Thread(work, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }
}
