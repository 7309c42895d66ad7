package io.bounce.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bounce.control.ControlPlaneMain;
import io.bounce.control.ControlPlaneNode;
import io.bounce.edge.EdgeMain;
import io.bounce.runtime.server.FreePorts;

/**
 * The overshoot of a click limit ({@code maxClicks}) under a steady click rate: a control plane (with its aggregator)
 * and an edge, each a process of its own with the defaults an operator gets, and clients here sending browser requests
 * to one link at a fixed rate, paced (a request leaves at its time whether or not the last was answered late, so a
 * slow moment does not lower the rate). Each run makes a fresh link with the limit and an expiredUrl, and sends until
 * the edge has answered with the expiredUrl for a second. Per run: the clicks served to the link (the overshoot is
 * those past the limit), the time from the limit's click to the edge's first expiredUrl answer, and that the aggregator
 * counted exactly the clicks served. Where the limit's click falls in the edge's click-file rotation decides most of
 * the overshoot, so the runs' limits step through one rotation's worth of clicks: {@code LIMIT}, then a fraction of a
 * rotation more each run.
 *
 * <p>Usage: {@code ClickLimitBench WORK_DIR RUNS RATE LIMIT ROTATE_MS CHECK_MS}
 */
public final class ClickLimitBench
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "click-limit-bench-replication-token";
    private static final int CONNECTIONS = 10;
    private static final byte[] OFFER = "Location: https://example.com/offer".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EXPIRED = "Location: https://example.com/sold-out".getBytes(StandardCharsets.US_ASCII);

    /** One run's figures. */
    record Result(long limit, long served, long overshoot, long stopMs, long counted, long expiredAnswers, double rate)
    {
        @Override
        public String toString()
        {
            return "limit " + limit + ", served " + served + " (overshoot " + overshoot + "), limit to first expiredUrl answer " + stopMs + " ms, counted " +
                counted + ", expiredUrl answers " + expiredAnswers + ", rate " + String.format("%.0f", rate) + "/s";
        }
    }

    private ClickLimitBench()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final Path work = Path.of(args[0]);
        final int runs = Integer.parseInt(args[1]);
        final int rate = Integer.parseInt(args[2]);
        final long limit = Long.parseLong(args[3]);
        final String rotateMs = args[4];
        final String checkMs = args[5];
        Files.createDirectories(work);
        final int[] ports = FreePorts.pick(4);
        final Process cp = ChildJvm.start(ControlPlaneMain.class, work.resolve("control-plane.log"), "512m", "--data-dir",
            work.resolve("cp").toString(), "--host", "127.0.0.1", "--port", Integer.toString(ports[0]), "--admin-port",
            Integer.toString(ports[1]), "--replication-token", TOKEN, "--click-limit-check-ms", checkMs);
        Process edge = null;
        try
        {
            ChildJvm.awaitReady("the control plane", ports[1], cp, 60_000);
            edge = ChildJvm.start(EdgeMain.class, work.resolve("edge.log"), "256m", "--data-dir", work.resolve("edge").toString(),
                "--host", "127.0.0.1", "--port", Integer.toString(ports[2]), "--admin-port", Integer.toString(ports[3]), "--io-threads", "1",
                "--expected-links", "10000", "--control-plane", "http://127.0.0.1:" + ports[0], "--replication-token", TOKEN,
                "--click-rotate-ms", rotateMs);
            ChildJvm.awaitReady("the edge", ports[3], edge, 60_000);
            final String api = "http://127.0.0.1:" + ports[0];
            final String key = Files.readString(work.resolve("cp").resolve(ControlPlaneNode.ADMIN_KEY_FILE)).trim();
            final List<Result> results = new ArrayList<>();
            for (int run = 0; run <= runs; run++)
            {
                // run r's limit is r/runs of a rotation's clicks past LIMIT (the warm-up's is LIMIT)
                final long runLimit = limit + (run == 0 ? 0 : (run - 1) * rate * Long.parseLong(rotateMs) / 1000 / runs);
                final Result result = run(api, key, ports[2], "offer-" + run, rate, runLimit);
                System.out.println((run == 0 ? "warm-up: " : "run " + run + ": ") + result);
                if (run > 0)
                {
                    results.add(result);
                }
            }
            final long[] overshoots = results.stream().mapToLong(Result::overshoot).sorted().toArray();
            final long[] stops = results.stream().mapToLong(Result::stopMs).sorted().toArray();
            System.out.println();
            System.out.println("click limits from " + limit + " (one rotation's worth of phases) at " + rate + " clicks/s, --click-rotate-ms " + rotateMs + ", --click-limit-check-ms " +
                checkMs + ": overshoot median " + overshoots[(overshoots.length - 1) / 2] + " clicks (" +
                String.format("%.2f", overshoots[(overshoots.length - 1) / 2] / (double)rate) + " s of clicks), max " +
                overshoots[overshoots.length - 1] + "; limit to first expiredUrl answer median " + stops[(stops.length - 1) / 2] + " ms, max " +
                stops[stops.length - 1] + " ms; every click served counted once: " + results.stream().allMatch(r -> r.counted() == r.served()));
        }
        finally
        {
            if (edge != null)
            {
                edge.destroy();
                edge.waitFor();
            }
            cp.destroy();
            cp.waitFor();
        }
    }

    private static Result run(final String api, final String key, final int edgePort, final String code, final int rate, final long limit)
        throws Exception
    {
        final HttpClient http = HttpClient.newHttpClient();
        final HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(api + "/api/v1/links"))
            .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"url\": \"https://example.com/offer\", \"alias\": \"" + code + "\", \"maxClicks\": " +
                limit + ", \"expiredUrl\": \"https://example.com/sold-out\"}")).build(), HttpResponse.BodyHandlers.ofString());
        if (created.statusCode() != 201)
        {
            throw new IllegalStateException("create answered " + created.statusCode() + ": " + created.body());
        }
        final byte[] request = ("GET /" + code + " HTTP/1.1\r\nHost: localhost\r\nUser-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) " +
            "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        final byte[] probe = new byte[4096];
        try (Socket socket = new Socket())
        {
            socket.connect(new InetSocketAddress("127.0.0.1", edgePort));
            while (true) // the link reaches the edge through the change log: wait, without clicking, until it is there
            {
                socket.getOutputStream().write(("HEAD /" + code + " HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                final int n = readHead(socket.getInputStream(), probe); // a HEAD's answer has no body
                if (indexOf(probe, n, OFFER) >= 0)
                {
                    break;
                }
                Thread.sleep(10);
            }
        }
        final AtomicLong served = new AtomicLong();
        final AtomicLong expired = new AtomicLong();
        final AtomicLong limitAtNs = new AtomicLong();
        final AtomicLong firstExpiredNs = new AtomicLong();
        final AtomicBoolean stop = new AtomicBoolean();
        final long startNs = System.nanoTime();
        final long intervalNs = 1_000_000_000L * CONNECTIONS / rate;
        final List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < CONNECTIONS; c++)
        {
            final long offsetNs = intervalNs * c / CONNECTIONS;
            final Thread client = new Thread(() ->
            {
                final byte[] head = new byte[4096];
                try (Socket socket = new Socket())
                {
                    socket.setTcpNoDelay(true);
                    socket.connect(new InetSocketAddress("127.0.0.1", edgePort));
                    final OutputStream out = socket.getOutputStream();
                    final InputStream in = new java.io.BufferedInputStream(socket.getInputStream()); // heads end where answers do: no body
                    for (long i = 0; !stop.get(); i++)
                    {
                        final long dueNs = startNs + offsetNs + i * intervalNs;
                        while (System.nanoTime() < dueNs)
                        {
                            LockSupport.parkNanos(dueNs - System.nanoTime());
                        }
                        out.write(request);
                        final int n = readHead(in, head);
                        if (indexOf(head, n, OFFER) >= 0)
                        {
                            if (served.incrementAndGet() == limit)
                            {
                                limitAtNs.set(System.nanoTime());
                            }
                        }
                        else if (indexOf(head, n, EXPIRED) >= 0)
                        {
                            expired.incrementAndGet();
                            firstExpiredNs.compareAndSet(0, System.nanoTime());
                        }
                        else
                        {
                            throw new IllegalStateException("unexpected answer: " + new String(head, 0, n, StandardCharsets.US_ASCII));
                        }
                    }
                }
                catch (final IOException ex)
                {
                    throw new IllegalStateException(ex);
                }
            }, "click-limit-client-" + c);
            client.start();
            clients.add(client);
        }
        while (firstExpiredNs.get() == 0 || System.nanoTime() - firstExpiredNs.get() < 1_000_000_000L)
        {
            if (System.nanoTime() - startNs > 600_000_000_000L)
            {
                stop.set(true);
                throw new IllegalStateException("the limit was not reached within 10 minutes (" + served.get() + " served)");
            }
            Thread.sleep(10);
        }
        stop.set(true);
        for (final Thread client : clients)
        {
            client.join();
        }
        final double seconds = (System.nanoTime() - startNs) / 1e9;
        final long total = served.get();
        // The aggregator's count of the link's clicks, once every click file has arrived (rotation plus shipping).
        long counted = -1;
        final long deadline = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < deadline)
        {
            final JsonNode report = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(api + "/api/v1/links/" + code +
                "/analytics?granularity=hour")).header("Authorization", "Bearer " + key).build(), HttpResponse.BodyHandlers.ofString()).body());
            counted = 0;
            for (final JsonNode destination : report.path("destinations"))
            {
                if (destination.path("name").asText().equals("url"))
                {
                    counted = destination.path("clicks").asLong();
                }
            }
            if (counted >= total)
            {
                break;
            }
            Thread.sleep(200);
        }
        return new Result(limit, total, total - limit, (firstExpiredNs.get() - limitAtNs.get()) / 1_000_000, counted, expired.get(),
            (total + expired.get()) / seconds);
    }

    /** Read one response head (the edge's 302s have no body) into {@code into}; @return its length. */
    private static int readHead(final InputStream in, final byte[] into) throws IOException
    {
        int n = 0;
        while (n < 4 || !(into[n - 4] == '\r' && into[n - 3] == '\n' && into[n - 2] == '\r' && into[n - 1] == '\n'))
        {
            final int b = in.read();
            if (b < 0)
            {
                throw new IOException("connection closed after " + n + " bytes: " + new String(into, 0, n, StandardCharsets.US_ASCII));
            }
            if (n == into.length)
            {
                throw new IOException("response head longer than " + into.length + " bytes");
            }
            into[n++] = (byte)b;
        }
        return n;
    }

    private static int indexOf(final byte[] bytes, final int length, final byte[] token)
    {
        outer:
        for (int i = 0; i + token.length <= length; i++)
        {
            for (int j = 0; j < token.length; j++)
            {
                if (bytes[i + j] != token[j])
                {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
