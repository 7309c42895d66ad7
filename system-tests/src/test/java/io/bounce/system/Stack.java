package io.bounce.system;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bounce.control.ControlPlaneConfig;
import io.bounce.control.ControlPlaneNode;
import io.bounce.edge.EdgeConfig;
import io.bounce.edge.EdgeNode;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.SystemEpochClock;
import picocli.CommandLine;

/** Test support: real control planes and edges on ephemeral loopback ports, and a plain HTTP client. */
final class Stack
{
    /** The repository's root: the tests run in {@code system-tests/}. */
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(Duration.ofSeconds(5))
        .build();

    private Stack()
    {
    }

    static ControlPlaneNode controlPlane(final Path dataDir, final String... extraArgs) throws Exception
    {
        final List<String> args = withDefaults(List.of(extraArgs), "--data-dir", dataDir.toString(), "--port", "0", "--admin-port", "0",
            "--replication-heartbeat-ms", "200");
        final ControlPlaneConfig config = new ControlPlaneConfig();
        new CommandLine(config).parseArgs(args.toArray(new String[0]));
        return ControlPlaneNode.start(config.conclude(), SystemEpochClock.INSTANCE, new PrintStream(new ByteArrayOutputStream()));
    }

    static String base(final ControlPlaneNode node)
    {
        return "http://127.0.0.1:" + node.address().getPort();
    }

    static List<String> edgeArgs(final Path dataDir, final String controlPlane, final String token, final String... extraArgs)
    {
        return withDefaults(List.of(extraArgs), "--data-dir", dataDir.toString(), "--host", "127.0.0.1", "--port", "0",
            "--admin-port", "0", "--expected-links", "100000", "--io-threads", "1",
            "--control-plane", controlPlane, "--replication-token", token, "--replication-timeout-ms", "1500",
            "--replication-backoff-max-ms", "500",
            // One id per data dir: two edges of one test must not share the host-derived default,
            // or their click files collide by identity at the aggregator.
            "--edge-id", "edge-" + dataDir.getFileName().toString().replaceAll("[^A-Za-z0-9_.-]", "-"));
    }

    /** {@code extra} plus each default option-value pair that {@code extra} does not set itself. */
    private static List<String> withDefaults(final List<String> extra, final String... defaults)
    {
        final List<String> args = new ArrayList<>(extra);
        for (int i = 0; i < defaults.length; i += 2)
        {
            if (!extra.contains(defaults[i]))
            {
                args.add(defaults[i]);
                args.add(defaults[i + 1]);
            }
        }
        return args;
    }

    static EdgeNode edge(final Path dataDir, final String controlPlane, final String token, final EpochClock clock,
        final String... extraArgs) throws Exception
    {
        final EdgeConfig config = new EdgeConfig();
        new CommandLine(config).parseArgs(edgeArgs(dataDir, controlPlane, token, extraArgs).toArray(new String[0]));
        return EdgeNode.start(config.conclude(), clock, new PrintStream(new ByteArrayOutputStream()));
    }

    static HttpResponse<String> call(final String method, final String url, final String key, final String body) throws Exception
    {
        return call(HTTP, method, url, key, body);
    }

    static HttpResponse<String> call(final HttpClient client, final String method, final String url, final String key, final String body)
        throws Exception
    {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
        if (key != null)
        {
            request.header("Authorization", "Bearer " + key);
        }
        if (body != null)
        {
            request.header("Content-Type", "application/json");
        }
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /**
     * API calls get a client per control-plane instance: a test that restarts the control plane on the
     * same port must not send a request down a pooled connection to the stopped one.
     */
    private static final java.util.Map<ControlPlaneNode, HttpClient> API_CLIENTS =
        java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    static JsonNode api(final ControlPlaneNode node, final String method, final String path, final String body) throws Exception
    {
        final HttpClient client = API_CLIENTS.computeIfAbsent(node, n -> HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build());
        final HttpResponse<String> response = call(client, method, base(node) + path, adminKey(node), body);
        if (response.statusCode() >= 300)
        {
            throw new AssertionError(method + " " + path + " answered " + response.statusCode() + ": " + response.body());
        }
        return response.body().isEmpty() ? null : JSON.readTree(response.body());
    }

    /** The admin key the control plane wrote to its data dir on its first start. */
    static String adminKey(final ControlPlaneNode node) throws java.io.IOException
    {
        return java.nio.file.Files.readString(node.database().file().resolveSibling(ControlPlaneNode.ADMIN_KEY_FILE)).trim();
    }

    /** @return status and Location of GET /{code} on an edge. */
    static String redirect(final EdgeNode edge, final String code) throws Exception
    {
        final HttpResponse<String> response = call("GET", "http://127.0.0.1:" + edge.address().getPort() + "/" + code, null, null);
        return response.statusCode() + " " + response.headers().firstValue("Location").orElse("");
    }

    /** Poll {@code condition} until it holds; fail with {@code what} after {@code timeoutMs} (a bound, not a measurement). */
    static void await(final String what, final long timeoutMs, final BooleanSupplier condition) throws InterruptedException
    {
        final long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(5);
        }
    }

    static String metrics(final ControlPlaneNode node) throws Exception
    {
        return call("GET", "http://127.0.0.1:" + node.adminAddress().getPort() + "/metrics", null, null).body();
    }

    static String metrics(final EdgeNode edge) throws Exception
    {
        return call("GET", "http://127.0.0.1:" + edge.adminAddress().getPort() + "/metrics", null, null).body();
    }

    /** @return an unlabelled sample of {@code edge}'s metrics, or -1 if absent or the admin port did not answer. */
    static long sample(final EdgeNode edge, final String name)
    {
        try
        {
            return sample(metrics(edge), name);
        }
        catch (final Exception ex)
        {
            return -1;
        }
    }

    /** @return the value of an unlabelled sample in Prometheus text, or -1 if absent. */
    static long sample(final String metrics, final String name)
    {
        for (final String line : metrics.split("\n"))
        {
            if (line.startsWith(name + " "))
            {
                return (long)Double.parseDouble(line.substring(name.length() + 1).trim());
            }
        }
        return -1;
    }

    /**
     * Start {@code main} in a child JVM with the test JVM's flags and class path (as a launcher would
     * run the role), its output appended to {@code log}.
     */
    static Process childJvm(final Class<?> main, final Path log, final String... args) throws java.io.IOException
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(System.getProperty("bounce.jvm.args", "").trim().split("\\s+")));
        command.addAll(List.of("-Xmx256m", "-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    /** Wait until the process behind {@code adminPort} answers {@code /readyz} with 200; fail if it exits first. */
    static void awaitReady(final String what, final int adminPort, final Process process, final long timeoutMs) throws InterruptedException
    {
        await(what + " ready", timeoutMs, () ->
        {
            if (!process.isAlive())
            {
                throw new AssertionError(what + " exited with " + process.exitValue());
            }
            try
            {
                return call("GET", "http://127.0.0.1:" + adminPort + "/readyz", null, null).statusCode() == 200;
            }
            catch (final Exception ex)
            {
                return false;
            }
        });
    }

    /** Free loopback ports, for a child that must be told its ports up front. */
    static int[] freePorts(final int n) throws java.io.IOException
    {
        return io.bounce.runtime.server.FreePorts.pick(n);
    }

    /**
     * A small file system of its own (tmpfs, {@code size} like {@code "16m"}) mounted at {@code dir}, so a
     * test can fill a disk for real. Needs root, as the suite has here and in CI; unmounted on close.
     */
    static AutoCloseable smallDisk(final Path dir, final String size) throws Exception
    {
        java.nio.file.Files.createDirectories(dir);
        final Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir.toString())
            .redirectErrorStream(true).start();
        final String said = new String(mount.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (mount.waitFor() != 0)
        {
            throw new AssertionError("mounting a " + size + " tmpfs at " + dir + " failed (the disk-full tests need root): " + said);
        }
        return () -> new ProcessBuilder("umount", "-l", dir.toString()).inheritIO().start().waitFor();
    }

    /** Fill the file system {@code dir} is on, with one file in it, until a write fails for want of space. @return that file. */
    static Path fill(final Path dir) throws java.io.IOException
    {
        final Path filler = dir.resolve("filler");
        try (java.nio.channels.FileChannel out = java.nio.channels.FileChannel.open(filler, java.nio.file.StandardOpenOption.CREATE,
            java.nio.file.StandardOpenOption.WRITE))
        {
            for (int chunk = 1 << 20; chunk >= 512; )
            {
                try
                {
                    out.write(java.nio.ByteBuffer.allocate(chunk));
                }
                catch (final java.io.IOException full)
                {
                    chunk /= 2;
                }
            }
        }
        return filler;
    }

    /** A destination for a browser to land on: every path answers a page titled "Landed". Stop it when done. */
    static com.sun.net.httpserver.HttpServer landingPage() throws java.io.IOException
    {
        final com.sun.net.httpserver.HttpServer landing = com.sun.net.httpserver.HttpServer.create(
            new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        landing.createContext("/", exchange ->
        {
            final byte[] page = "<!doctype html><html lang=\"en\"><title>Landed</title><p>here</p></html>".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(200, page.length);
            exchange.getResponseBody().write(page);
            exchange.close();
        });
        landing.start();
        return landing;
    }

    /** @return where {@code command} is on the PATH; fails the test when it is not. */
    static String which(final String command) throws Exception
    {
        final Process process = new ProcessBuilder("sh", "-c", "command -v " + command).start();
        final String path = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
        org.junit.jupiter.api.Assertions.assertTrue(process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) && !path.isEmpty(),
            command + " is not installed");
        return path;
    }

    /** Make sure {@code command} is on the PATH, installing Debian's {@code debianPackage} with apt-get where it is missing. */
    static void ensureTool(final String command, final String debianPackage) throws Exception
    {
        io.bounce.runtime.testing.Tools.ensure(command, debianPackage);
    }

    /**
     * A verified TLS connection to 127.0.0.1:{@code port} naming {@code host} (SNI and the certificate's names). Give
     * each call a context of its own: the JDK client resumes the last session of a shared one, name and certificate
     * included, whatever name it is asked for now.
     */
    static javax.net.ssl.SSLSocket tlsConnect(final javax.net.ssl.SSLContext context, final int port, final String host)
        throws java.io.IOException
    {
        final javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket)context.getSocketFactory().createSocket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        final javax.net.ssl.SSLParameters parameters = socket.getSSLParameters();
        parameters.setServerNames(List.of(new javax.net.ssl.SNIHostName(host)));
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        socket.setSSLParameters(parameters);
        socket.startHandshake();
        return socket;
    }

    /** @return the serial (hex) of the certificate served for {@code host}, verified by {@code context}, or null if none is. */
    static String servedSerialOrNull(final javax.net.ssl.SSLContext context, final int port, final String host)
    {
        try (javax.net.ssl.SSLSocket socket = tlsConnect(context, port, host))
        {
            return ((java.security.cert.X509Certificate)socket.getSession().getPeerCertificates()[0]).getSerialNumber().toString(16);
        }
        catch (final java.io.IOException ex)
        {
            return null;
        }
    }

    /** Send {@code request} and read the answer until the server closes; @return the whole answer. */
    static String exchange(final java.net.Socket socket, final String request) throws java.io.IOException
    {
        socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final java.io.InputStream in = socket.getInputStream();
        final byte[] buffer = new byte[4096];
        for (int n; (n = in.read(buffer)) > 0; )
        {
            out.write(buffer, 0, n);
        }
        return out.toString(StandardCharsets.US_ASCII);
    }
}
