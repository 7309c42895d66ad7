package io.bounce.ops.stack;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.bounce.runtime.launch.RoleLauncher;
import io.bounce.runtime.files.SecretBox;
import io.bounce.runtime.server.FreePorts;
import io.bounce.runtime.tls.DevelopmentCa;
import picocli.CommandLine;

/**
 * {@code bounce up}: the whole stack on loopback, one process per role, started in dependency order
 * (control plane, then edges pointed at it with its replication token) and stopped in the reverse one.
 * Children run through {@code ops/bin/bounce} when the launcher says where it is (system property
 * {@value #LAUNCHER_PROPERTY}), else as {@code java -cp <this class path>} with the same JVM flags, which
 * is how the tests run it.
 */
public final class LocalStack
{
    /** The first admin account of a local stack: it signs in to the dashboard with the password in {@code <data-dir>/admin.password}. */
    static final String ADMIN_EMAIL = "admin@localhost";

    public static final String LAUNCHER_PROPERTY = "bounce.launcher";
    private static final String CONTROL_PLANE_MAIN = "io.bounce.control.ControlPlaneMain";
    private static final String EDGE_MAIN = "io.bounce.edge.EdgeMain";

    private final StackConfig config;
    private final PrintStream out;
    private final List<Child> children = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private volatile boolean stopping;

    /** One running role. */
    private record Child(String name, Process process, Path log, long logFrom, int adminPort)
    {
    }

    /** A child could not bind a port picked for it: something took the port between the pick and the bind. */
    private static final class PortTaken extends IllegalStateException
    {
        private static final long serialVersionUID = 1L;

        PortTaken(final String message)
        {
            super(message);
        }
    }

    /** Starts made when a picked port is taken before the child binds it: a fresh pick each time. */
    private static final int START_ATTEMPTS = 3;

    private LocalStack(final StackConfig config, final PrintStream out)
    {
        this.config = config;
        this.out = out;
    }

    public static void main(final String[] args) throws Exception
    {
        System.exit(run(args, System.getenv(), System.out, System.err));
    }

    static int run(final String[] args, final Map<String, String> environment, final PrintStream out, final PrintStream err)
        throws Exception
    {
        final StackConfig config = new StackConfig();
        final Integer exit = RoleLauncher.parse(new CommandLine(config), args, environment, out, err, config::conclude);
        if (exit != null)
        {
            return exit;
        }
        final LocalStack stack = new LocalStack(config, out);
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            stack.stopping = true;
            out.println("bounce up: stopping (edges first, then the control plane)");
            stack.stopAll();
            out.println("bounce up: stopped");
            out.flush();
            stopped.countDown();
        }, "bounce-up-shutdown"));
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                stack.start();
                break;
            }
            catch (final PortTaken ex)
            {
                stack.stopAll();
                if (attempt == START_ATTEMPTS || !config.picksPorts())
                {
                    err.println("bounce up: " + ex.getMessage());
                    return 1;
                }
                err.println("bounce up: " + ex.getMessage() + "\nbounce up: starting again on other free ports");
            }
            catch (final IOException | IllegalStateException ex)
            {
                err.println("bounce up: " + ex.getMessage());
                stack.stopAll();
                return 1;
            }
        }
        final String failure = stack.watch();
        if (stack.stopping)
        {
            stopped.await(); // the shutdown hook stops everything; the JVM exits when it is done
            return 0;
        }
        err.println("bounce up: " + failure + "; stopping the stack");
        stack.stopAll();
        return 1;
    }

    private void start() throws IOException, InterruptedException
    {
        final Path dataDir = config.dataDir.toAbsolutePath().normalize();
        final Path logs = Files.createDirectories(dataDir.resolve("logs"));
        // Port options set to 0 get free ports, picked once for the whole stack so no two collide.
        final int[] free = FreePorts.pick(2 + 3 * config.edges);
        final int apiPort = config.apiPort == 0 ? free[0] : config.apiPort;
        final int adminPort = config.adminPort == 0 ? free[1] : config.adminPort;
        final int[] edgePorts = new int[config.edges];
        final int[] edgeAdminPorts = new int[config.edges];
        final int[] edgeHttpsPorts = new int[config.edges];
        for (int i = 0; i < config.edges; i++)
        {
            edgePorts[i] = config.edgePort == 0 ? free[2 + 3 * i] : config.edgePort + i;
            edgeAdminPorts[i] = config.edgeAdminPort == 0 ? free[3 + 3 * i] : config.edgeAdminPort + i;
            edgeHttpsPorts[i] = config.edgeHttpsPort == 0 ? free[4 + 3 * i] : config.edgeHttpsPort + i;
        }

        // HTTPS out of the box, as Caddy's "tls internal": a CA made once under <data-dir>/ca/, a certificate
        // for this machine's loopback names issued from it at every start (the edges' default), and one for each
        // domain added, issued by the control plane (--development-ca) and sent to the edges through the change log.
        final DevelopmentCa ca = DevelopmentCa.openOrCreate(dataDir.resolve("ca"));
        DevelopmentCa.write(dataDir.resolve("ca"), "localhost", ca.issue(List.of("localhost", "127.0.0.1", "::1"), "EC", Duration.ofDays(90)));

        final Path controlDir = dataDir.resolve("control-plane");
        // Development only: the key that seals certificates' private keys and ticket keys (the control plane seals, the
        // edges open what the change log brings), beside the data. In production it lives apart from the data dir
        // (docs/operations.md).
        final Path secretsKey = dataDir.resolve("secrets.key");
        if (!Files.exists(secretsKey))
        {
            SecretBox.createKeyFile(secretsKey);
        }
        final List<String> controlArgs = new java.util.ArrayList<>(List.of(
            "--data-dir", controlDir.toString(), "--host", "127.0.0.1", "--port", Integer.toString(apiPort),
            "--admin-host", "127.0.0.1", "--admin-port", Integer.toString(adminPort),
            "--short-url-scheme", "http", "--short-url-port", Integer.toString(edgePorts[0]),
            "--secrets-key-file", secretsKey.toString(), "--development-ca", dataDir.resolve("ca").toString(),
            "--admin-email", ADMIN_EMAIL));
        if (config.acmeDirectory != null)
        {
            // --https auto domains from this ACME server; others still from the development CA.
            controlArgs.addAll(List.of("--acme-directory", config.acmeDirectory, "--acme-challenge-wait-ms", "500"));
            if (config.acmeCaFile != null)
            {
                controlArgs.addAll(List.of("--acme-ca-file", config.acmeCaFile.toAbsolutePath().toString()));
            }
        }
        final Child controlPlane = launch("control-plane", CONTROL_PLANE_MAIN, logs, adminPort, controlArgs.toArray(new String[0]));
        final long deadline = System.currentTimeMillis() + config.readyTimeoutMs;
        awaitReady(controlPlane, deadline);
        final String api = "http://127.0.0.1:" + apiPort;
        // Countries for click analytics when a database is there (ops/bin/bounce geoip update puts it there).
        final Path geoip = dataDir.resolve("geoip").resolve("country.mmdb");
        for (int i = 0; i < config.edges; i++)
        {
            final List<String> geoipArgs = Files.exists(geoip) ? List.of("--geoip-db", geoip.toString()) : List.of();
            launch("edge-" + (i + 1), EDGE_MAIN, logs, edgeAdminPorts[i], withArgs(geoipArgs,
                "--data-dir", dataDir.resolve("edge-" + (i + 1)).toString(), "--host", "127.0.0.1",
                "--port", Integer.toString(edgePorts[i]), "--admin-host", "127.0.0.1",
                "--admin-port", Integer.toString(edgeAdminPorts[i]), "--control-plane", api, "--edge-id", "edge-" + (i + 1),
                "--replication-token-file", controlDir.resolve("replication.token").toString(),
                "--https-port", Integer.toString(edgeHttpsPorts[i]), "--secrets-key-file", secretsKey.toString(),
                "--tls-cert", dataDir.resolve("ca/localhost.pem").toString(), "--tls-key", dataDir.resolve("ca/localhost.key").toString()));
        }
        for (final Child child : children)
        {
            awaitReady(child, deadline);
        }

        final String adminKey = Files.readString(controlDir.resolve("admin.key"), StandardCharsets.US_ASCII).trim();
        final Path keyFile = dataDir.resolve("admin.key");
        Files.deleteIfExists(keyFile);
        Files.createFile(keyFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(keyFile, adminKey + "\n", StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
        // The first admin account's password, next to the key (mode 0600 too); the account is made on the store's first start.
        final Path passwordFile = dataDir.resolve("admin.password");
        final Path madePassword = controlDir.resolve("admin.password");
        if (Files.exists(madePassword))
        {
            Files.deleteIfExists(passwordFile);
            Files.createFile(passwordFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(passwordFile, Files.readString(madePassword, StandardCharsets.UTF_8).trim() + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.TRUNCATE_EXISTING);
        }

        for (int i = 0; i < config.edges; i++)
        {
            out.println("edge: http://127.0.0.1:" + edgePorts[i]);
        }
        for (int i = 0; i < config.edges; i++)
        {
            out.println("edge-https: https://localhost:" + edgeHttpsPorts[i]);
        }
        out.println("ca: " + ca.caFile());
        out.println("api: " + api);
        out.println("dashboard: " + api + "/");
        if (Files.exists(passwordFile))
        {
            out.println("admin sign-in: " + ADMIN_EMAIL + " (password in " + passwordFile + ")");
        }
        out.println("admin key: " + adminKey);
        out.println("(admin key also in " + keyFile + "; logs in " + logs + "; admin ports: control plane " + adminPort +
            ", edges " + Arrays.toString(edgeAdminPorts) + ")");
        out.println("ready: try  ops/bin/bouncectl --api " + api + " --key $(cat " + keyFile + ") links create https://example.com" +
            "   — Ctrl-C stops everything");
        out.flush();
    }

    private static String[] withArgs(final List<String> more, final String... args)
    {
        final List<String> all = new ArrayList<>(List.of(args));
        all.addAll(more);
        return all.toArray(new String[0]);
    }

    /** Wait while every child runs. @return why the stack cannot go on. */
    private String watch() throws InterruptedException
    {
        while (true)
        {
            for (final Child child : List.copyOf(children))
            {
                if (stopping)
                {
                    return "stopping";
                }
                if (child.process().waitFor(200, TimeUnit.MILLISECONDS))
                {
                    return child.name() + " exited with status " + child.process().exitValue() + " (log: " + child.log() + ")" +
                        tail(child.log());
                }
            }
        }
    }

    private Child launch(final String name, final String mainClass, final Path logs, final int adminPort, final String... args)
        throws IOException
    {
        final List<String> command = new ArrayList<>();
        final String launcher = System.getProperty(LAUNCHER_PROPERTY);
        if (launcher != null && !launcher.isEmpty())
        {
            command.add(launcher);
            command.add(name.startsWith("edge") ? "edge" : "control-plane");
        }
        else
        {
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            final String jvmArgs = System.getProperty("bounce.jvm.args", "").trim();
            if (!jvmArgs.isEmpty())
            {
                command.addAll(Arrays.asList(jvmArgs.split("\\s+")));
            }
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add(mainClass);
        }
        command.addAll(Arrays.asList(args));
        final Path log = logs.resolve(name + ".log");
        if (!Files.exists(log))
        {
            Files.createFile(log, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        final long logFrom = Files.size(log);
        final ProcessBuilder builder = new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        // Children take their settings from the command line only, never from this shell's BOUNCE_* variables.
        builder.environment().keySet().removeIf(key -> key.startsWith("BOUNCE_") && !key.equals("BOUNCE_JAVA_OPTS"));
        final Child child = new Child(name, builder.start(), log, logFrom, adminPort);
        children.add(child);
        return child;
    }

    private void awaitReady(final Child child, final long deadline) throws IOException, InterruptedException
    {
        final HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + child.adminPort() + "/readyz"))
            .timeout(Duration.ofSeconds(2)).build();
        while (System.currentTimeMillis() < deadline)
        {
            if (!child.process().isAlive())
            {
                final String message = child.name() + " exited with status " + child.process().exitValue() +
                    " before it was ready (log: " + child.log() + ")" + tail(child.log());
                throw bindFailed(child) ? new PortTaken(message) : new IllegalStateException(message);
            }
            try
            {
                if (http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200)
                {
                    return;
                }
            }
            catch (final IOException notYet)
            {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(child.name() + " was not ready within " + config.readyTimeoutMs + " ms (log: " +
            child.log() + ")" + tail(child.log()));
    }

    /** SIGTERM each child, newest first (edges before the control plane), and wait for it; kill what will not stop. */
    private synchronized void stopAll()
    {
        for (int i = children.size() - 1; i >= 0; i--)
        {
            final Process process = children.get(i).process();
            process.destroy();
            try
            {
                if (!process.waitFor(config.stopTimeoutMs, TimeUnit.MILLISECONDS))
                {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            }
            catch (final InterruptedException ex)
            {
                process.destroyForcibly();
            }
        }
        children.clear();
    }

    /** @return whether this run of the child failed to bind a port (its log since launch says so). */
    private static boolean bindFailed(final Child child)
    {
        try
        {
            final byte[] all = Files.readAllBytes(child.log());
            final String run = new String(all, (int)Math.min(child.logFrom(), all.length),
                (int)Math.max(0, all.length - child.logFrom()), StandardCharsets.UTF_8);
            return run.contains("java.net.BindException") || run.contains("Address already in use");
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    /** @return the log's first exception lines (the cause, which a long stack trace pushes out of view) and its last lines. */
    private static String tail(final Path log)
    {
        try
        {
            final List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            final List<String> shown = new ArrayList<>();
            for (final String line : lines.subList(0, Math.max(0, lines.size() - 15)))
            {
                if (shown.size() < 3 && (line.contains("Exception:") || line.startsWith("Caused by")))
                {
                    shown.add(line);
                }
            }
            if (!shown.isEmpty())
            {
                shown.add("...");
            }
            shown.addAll(lines.subList(Math.max(0, lines.size() - 15), lines.size()));
            return "\n  " + String.join("\n  ", shown);
        }
        catch (final IOException ex)
        {
            return "";
        }
    }
}
