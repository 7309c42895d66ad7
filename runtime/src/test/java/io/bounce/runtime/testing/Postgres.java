package io.bounce.runtime.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.bounce.runtime.server.FreePorts;

/**
 * A real PostgreSQL 15 for tests (Debian's {@code postgresql}, installed where missing): {@code initdb} and
 * {@code pg_ctl} as an unprivileged user ({@code postgres} when the tests run as root), into a directory of its own,
 * listening on a free loopback port, with password authentication for the user {@code bounce} and a database
 * {@code bounce}. {@link #standby} makes a streaming standby of it with {@code pg_basebackup -R} (a fast checkpoint: the
 * default spread one takes minutes). The server fsyncs as in production; only {@code initdb}'s and the base backup's
 * own files skip it ({@code --no-sync}), which matters for a machine's crash, never for a process killed. Stopped, and
 * its directory deleted, by {@link #close}; {@link #kill} is a SIGKILL of the server, as a region lost.
 */
public final class Postgres implements AutoCloseable
{
    public static final String USER = "bounce";
    public static final String DATABASE = "bounce";
    private static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");
    private static final String RUN_AS = "postgres";

    private final Path home;
    private final Path data;
    private final int port;
    private final String password;
    private boolean stopped;

    private Postgres(final Path home, final int port, final String password)
    {
        this.home = home;
        this.data = home.resolve("data");
        this.port = port;
        this.password = password;
    }

    /** Make and start a primary, ready for standbys ({@code wal_level=replica}). */
    public static Postgres primary() throws Exception
    {
        Tools.ensure(BIN.resolve("initdb").toString(), "postgresql");
        final Postgres server = new Postgres(home(), FreePorts.pick(1)[0], Long.toHexString(Double.doubleToLongBits(Math.random())) +
            Long.toHexString(System.nanoTime()));
        final Path passwordFile = server.home.resolve("password");
        Files.writeString(passwordFile, server.password + "\n");
        server.own(passwordFile);
        server.run(BIN.resolve("initdb").toString(), "-D", server.data.toString(), "-U", USER, "--auth=scram-sha-256",
            "--pwfile=" + passwordFile, "-E", "UTF8", "--no-instructions", "--no-sync");
        Files.writeString(server.data.resolve("postgresql.conf"), "\n" + server.settings() + "wal_level = replica\n" +
            "max_wal_senders = 8\nmax_replication_slots = 8\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
        server.start();
        server.run(BIN.resolve("createdb").toString(), "-h", "127.0.0.1", "-p", Integer.toString(server.port), "-U", USER, DATABASE);
        return server;
    }

    /**
     * Make and start a streaming standby of this primary ({@code pg_basebackup -R}); with {@code synchronous}, the
     * primary's commits wait for it ({@code synchronous_commit=on}, {@code synchronous_standby_names} naming it).
     */
    public Postgres standby(final String name, final boolean synchronous) throws Exception
    {
        final Postgres standby = new Postgres(home(), FreePorts.pick(1)[0], password);
        standby.run(BIN.resolve("pg_basebackup").toString(), "-h", "127.0.0.1", "-p", Integer.toString(port), "-U", USER,
            "-D", standby.data.toString(), "-R", "-X", "stream", "--checkpoint=fast", "--no-sync");
        Files.writeString(standby.data.resolve("postgresql.conf"), "\n" + standby.settings() + "cluster_name = '" + name + "'\n",
            StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
        standby.start();
        if (synchronous)
        {
            sql("ALTER SYSTEM SET synchronous_standby_names = '" + name + "'");
            sql("ALTER SYSTEM SET synchronous_commit = 'on'");
            sql("SELECT pg_reload_conf()");
        }
        return standby;
    }

    /** @return the JDBC URL of the {@code bounce} database. */
    public String jdbcUrl()
    {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE;
    }

    /** @return the {@code --store} form: {@code postgresql://bounce@127.0.0.1:PORT/bounce}. */
    public String storeUrl()
    {
        return "postgresql://" + USER + "@127.0.0.1:" + port + "/" + DATABASE;
    }

    public int port()
    {
        return port;
    }

    public String password()
    {
        return password;
    }

    /** Run one statement with {@code psql}; @return its output (unaligned, tuples only). */
    public String sql(final String statement) throws Exception
    {
        return run(BIN.resolve("psql").toString(), "-h", "127.0.0.1", "-p", Integer.toString(port), "-U", USER, "-d", DATABASE,
            "-v", "ON_ERROR_STOP=1", "-Atc", statement).strip();
    }

    /** Promote a standby to primary ({@code pg_ctl promote}, waiting until it takes writes). */
    public void promote() throws Exception
    {
        run(BIN.resolve("pg_ctl").toString(), "-D", data.toString(), "-w", "promote");
    }

    /** SIGKILL the server's postmaster, as when its machine or region is lost; its children end with it. */
    public void kill() throws Exception
    {
        sigkill().get(10, TimeUnit.SECONDS);
    }

    /** SIGKILL the postmaster and return at once. @return completes when it has exited. */
    public java.util.concurrent.CompletableFuture<?> sigkill() throws IOException
    {
        final long pid = Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).strip());
        final ProcessHandle postmaster = ProcessHandle.of(pid).orElse(null);
        stopped = true;
        if (postmaster == null)
        {
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }
        postmaster.destroyForcibly();
        return postmaster.onExit();
    }

    private String settings()
    {
        return "listen_addresses = '127.0.0.1'\nport = " + port + "\nunix_socket_directories = '" + home + "'\n" +
            "fsync = on\nsynchronous_commit = on\nmax_connections = 100\nshared_buffers = 32MB\n";
    }

    private void start() throws Exception
    {
        run(BIN.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", home.resolve("server.log").toString(), "-w", "-t", "60",
            "start");
    }

    /** A directory the unprivileged user owns, outside any root-only test directory. */
    private static Path home() throws IOException
    {
        final Path home = Files.createTempDirectory("bounce-pg-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        chown(home);
        return home;
    }

    private void own(final Path file) throws IOException
    {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        chown(file);
    }

    private static void chown(final Path path) throws IOException
    {
        if (isRoot())
        {
            try
            {
                new ProcessBuilder("chown", RUN_AS + ":", path.toString()).inheritIO().start().waitFor();
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new IOException(ex);
            }
        }
    }

    private static boolean isRoot()
    {
        return "root".equals(System.getProperty("user.name"));
    }

    /** Run a PostgreSQL program as the unprivileged user, with the password in its environment; @return its output. */
    private String run(final String... command) throws Exception
    {
        final List<String> full = new ArrayList<>();
        if (isRoot())
        {
            full.addAll(List.of("runuser", "-u", RUN_AS, "--"));
        }
        full.addAll(List.of(command));
        final ProcessBuilder builder = new ProcessBuilder(full).redirectErrorStream(true).directory(home.toFile());
        builder.environment().put("PGPASSWORD", password);
        final Process process = builder.start();
        final String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0)
        {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }

    @Override
    public void close() throws Exception
    {
        try
        {
            if (!stopped && Files.exists(data.resolve("postmaster.pid")))
            {
                run(BIN.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "immediate", "-w", "stop");
            }
        }
        finally
        {
            stopped = true;
            try (Stream<Path> files = Files.walk(home))
            {
                for (final Path file : (Iterable<Path>)files.sorted(Comparator.reverseOrder())::iterator)
                {
                    Files.deleteIfExists(file);
                }
            }
        }
    }
}
