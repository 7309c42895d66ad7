package io.bounce.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import io.bounce.runtime.files.SecretBox;
import io.bounce.runtime.tls.ClientTrust;
import io.bounce.runtime.testing.Pebble;
import org.HdrHistogram.Histogram;

/**
 * ACME end to end against a real ACME server (Debian's Pebble, validating at once: {@code PEBBLE_VA_NOSLEEP}), with
 * the control plane and one edge as their own processes ({@code ops/bin/bounce}):
 * <ol>
 *   <li>{@code DOMAINS_TIMED} domains added one at a time: the time from {@code POST /api/v1/domains} to the first
 *       HTTPS redirect from the edge, verified against Pebble's root;</li>
 *   <li>{@code BULK} more added at once: the wall time until every one is active, the control plane's CPU time, and
 *       the edge's resident memory before and after it loaded them;</li>
 *   <li>every one of them renewed at once ({@code POST /api/v1/domains/{domain}/renew}): wall and CPU time again.</li>
 * </ol>
 * CPU times are the processes' own (utime + stime from /proc). Pebble runs on the same machine.
 *
 * <p>Usage: {@code AcmeBench ROOT WORK [DOMAINS_TIMED=20] [BULK=1000]}
 */
public final class AcmeBench
{
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private AcmeBench()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final Path root = Path.of(args[0]);
        final Path work = Path.of(args[1]);
        final int timed = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        final int bulk = args.length > 3 ? Integer.parseInt(args[3]) : 1_000;
        Files.createDirectories(work);
        final int[] ports = io.bounce.runtime.server.FreePorts.pick(5);
        final int edgeHttp = ports[0];
        final int edgeHttps = ports[1];
        final int edgeAdmin = ports[2];
        final int api = ports[3];
        final int apiAdmin = ports[4];
        final Path secrets = work.resolve("secrets.key");
        SecretBox.createKeyFile(secrets);
        final List<Process> children = new ArrayList<>();
        try (Pebble pebble = Pebble.start(work.resolve("pebble"), edgeHttp, edgeHttps, 0))
        {
            final Process cp = start(children, root, work.resolve("cp.log"), "control-plane", "--data-dir", work.resolve("cp").toString(),
                "--port", Integer.toString(api), "--admin-port", Integer.toString(apiAdmin), "--secrets-key-file", secrets.toString(),
                "--acme-directory", pebble.directory(), "--acme-ca-file", pebble.caFile().toString(), "--acme-challenge-wait-ms", "250",
                "--acme-concurrency", "16", "--acme-orders-per-hour", "100000", "--public-addresses", "127.0.0.1",
                "--dns-server", pebble.dnsServer());
            awaitReady(apiAdmin);
            final Process edge = start(children, root, work.resolve("edge.log"), "edge", "--data-dir", work.resolve("edge").toString(),
                "--host", "127.0.0.1", "--port", Integer.toString(edgeHttp), "--https-port", Integer.toString(edgeHttps),
                "--admin-port", Integer.toString(edgeAdmin), "--control-plane", "http://127.0.0.1:" + api,
                "--replication-token-file", work.resolve("cp/replication.token").toString(), "--secrets-key-file", secrets.toString());
            awaitReady(edgeAdmin);
            final String key = Files.readString(work.resolve("cp/admin.key")).trim();
            final String base = "http://127.0.0.1:" + api;
            final X509Certificate trust = pebble.root();

            // 1. One at a time: domains add -> first HTTPS redirect at the edge.
            final Histogram toHttps = new Histogram(600_000, 3);
            for (int i = 0; i < timed; i++)
            {
                final String domain = "t" + i + ".bench.test";
                final long start = System.nanoTime();
                call(base, key, "POST", "/api/v1/domains", "{\"name\":\"" + domain + "\",\"https\":\"auto\"}");
                call(base, key, "POST", "/api/v1/links", "{\"url\":\"https://example.com/\",\"alias\":\"spring\",\"domain\":\"" + domain + "\"}");
                while (!redirects(trust, edgeHttps, domain))
                {
                    if (System.nanoTime() - start > 120_000_000_000L)
                    {
                        throw new IllegalStateException(domain + " not served over HTTPS after 120 s; see " + work);
                    }
                    Thread.sleep(10);
                }
                final long ms = (System.nanoTime() - start) / 1_000_000;
                toHttps.recordValue(ms);
                System.out.printf("BENCH acme add_to_https domain=%s ms=%d%n", domain, ms);
            }
            System.out.printf("BENCH acme add_to_https n=%d p50_ms=%d p99_ms=%d max_ms=%d%n", timed, toHttps.getValueAtPercentile(50),
                toHttps.getValueAtPercentile(99), toHttps.getMaxValue());

            // 2. Many at once: issue, then renew, each timed to the last certificate stored.
            final long heapBefore = heapAfterGcKb(edge.pid());
            final long rssBefore = rssKb(edge.pid());
            long cpuBefore = cpuMs(cp.pid());
            long wallStart = System.nanoTime();
            for (int i = 0; i < bulk; i++)
            {
                call(base, key, "POST", "/api/v1/domains", "{\"name\":\"b" + i + ".bench.test\",\"https\":\"auto\"}");
            }
            awaitIssued(apiAdmin, timed + bulk);
            System.out.printf("BENCH acme issue n=%d wall_s=%.1f cp_cpu_s=%.1f%n", bulk, (System.nanoTime() - wallStart) / 1e9,
                (cpuMs(cp.pid()) - cpuBefore) / 1e3);
            awaitEdgeCertificates(edgeAdmin, timed + bulk);
            Thread.sleep(2_000);
            final long heapAfter = heapAfterGcKb(edge.pid());
            final long rssAfter = rssKb(edge.pid());
            System.out.printf("BENCH acme edge_memory certificates=%d heap_after_gc_mb before=%.1f after=%.1f per_1000_mb=%.1f | " +
                "rss_mb before=%d after=%d per_1000_mb=%.1f%n", bulk, heapBefore / 1024.0, heapAfter / 1024.0,
                (heapAfter - heapBefore) / 1024.0 * 1_000 / bulk, rssBefore / 1024, rssAfter / 1024,
                (rssAfter - rssBefore) / 1024.0 * 1_000 / bulk);

            cpuBefore = cpuMs(cp.pid());
            wallStart = System.nanoTime();
            for (int i = 0; i < bulk; i++)
            {
                call(base, key, "POST", "/api/v1/domains/b" + i + ".bench.test/renew", "{}");
            }
            awaitIssued(apiAdmin, timed + 2L * bulk);
            System.out.printf("BENCH acme renew n=%d wall_s=%.1f cp_cpu_s=%.1f cp_cpu_ms_per_certificate=%.1f%n", bulk,
                (System.nanoTime() - wallStart) / 1e9, (cpuMs(cp.pid()) - cpuBefore) / 1e3, (cpuMs(cp.pid()) - cpuBefore) / (double)bulk);
        }
        finally
        {
            for (final Process child : children)
            {
                child.destroy();
                child.waitFor();
            }
        }
    }

    private static Process start(final List<Process> children, final Path root, final Path log, final String... args) throws IOException
    {
        final List<String> command = new ArrayList<>();
        command.add(root.resolve("ops/bin/bounce").toString());
        command.addAll(List.of(args));
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        children.add(process);
        return process;
    }

    private static void awaitReady(final int adminPort) throws Exception
    {
        final long deadline = System.currentTimeMillis() + 60_000;
        while (true)
        {
            try
            {
                if (HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/readyz")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200)
                {
                    return;
                }
            }
            catch (final IOException ex)
            {
                if (System.currentTimeMillis() > deadline)
                {
                    throw ex;
                }
            }
            Thread.sleep(100);
        }
    }

    /** Wait until the control plane has stored {@code count} ACME certificates in all. */
    private static void awaitIssued(final int adminPort, final long count) throws Exception
    {
        while (metric(adminPort, "bounce_acme_certificates_issued_total") < count)
        {
            Thread.sleep(100);
        }
    }

    /** Wait until the edge holds {@code count} certificates from the change log. */
    private static void awaitEdgeCertificates(final int adminPort, final long count) throws Exception
    {
        while (metric(adminPort, "bounce_edge_tls_records{kind=\"certificate\"}") < count)
        {
            Thread.sleep(100);
        }
    }

    private static double metric(final int adminPort, final String name) throws Exception
    {
        final String text = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        for (final String line : text.split("\n"))
        {
            if (line.startsWith(name + " ") || line.startsWith(name + "{"))
            {
                if (name.contains("{") || line.startsWith(name + " "))
                {
                    return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
        }
        return 0;
    }

    private static String call(final String base, final String key, final String method, final String path, final String body)
        throws Exception
    {
        final HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(base + path))
            .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
            .method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 300)
        {
            throw new IllegalStateException(method + " " + path + " answered " + response.statusCode() + ": " + response.body());
        }
        return response.body();
    }

    /** @return true if the edge answers {@code GET /spring} for {@code domain} over HTTPS, verified, with a redirect. */
    private static boolean redirects(final X509Certificate trust, final int port, final String domain)
    {
        try (SSLSocket socket = (SSLSocket)fresh(trust).getSocketFactory().createSocket("127.0.0.1", port))
        {
            socket.setSoTimeout(5_000);
            // No resumption: the JDK client would resume the last domain's session (its name and certificate) for this one.
            final SSLParameters parameters = socket.getSSLParameters();
            parameters.setServerNames(List.of(new SNIHostName(domain)));
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            socket.getOutputStream().write(("GET /spring HTTP/1.1\r\nHost: " + domain + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
            final InputStream in = socket.getInputStream();
            final byte[] head = in.readNBytes(12);
            return new String(head, StandardCharsets.US_ASCII).startsWith("HTTP/1.1 302");
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    /** A new context trusting only {@code root}, for one connection: the JDK client resumes the last session of a shared one. */
    private static SSLContext fresh(final X509Certificate root) throws IOException
    {
        return ClientTrust.trusting(List.of(root));
    }

    /** @return the process's CPU time so far (user + system), in ms. */
    private static long cpuMs(final long pid) throws IOException
    {
        final String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        final String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 10; // clock ticks of 10 ms (USER_HZ 100)
    }

    /** @return the heap in use after a full GC ({@code jcmd PID GC.run}, then {@code GC.heap_info}), in KB. */
    private static long heapAfterGcKb(final long pid) throws Exception
    {
        jcmd(pid, "GC.run");
        final String info = jcmd(pid, "GC.heap_info");
        final java.util.regex.Matcher used = java.util.regex.Pattern.compile("used (\\d+)K").matcher(info);
        if (!used.find())
        {
            throw new IllegalStateException("no heap figure in: " + info);
        }
        return Long.parseLong(used.group(1));
    }

    private static String jcmd(final long pid, final String command) throws Exception
    {
        final Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        final Process process = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command).redirectErrorStream(true).start();
        final String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor();
        return out;
    }

    private static long rssKb(final long pid) throws IOException
    {
        for (final String line : Files.readAllLines(Path.of("/proc/" + pid + "/status")))
        {
            if (line.startsWith("VmRSS:"))
            {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
