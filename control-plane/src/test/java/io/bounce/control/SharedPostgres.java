package io.bounce.control;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.bounce.runtime.testing.Postgres;

/**
 * With {@code -Dbounce.test.store=postgresql} (the control plane's second test run), every {@link ControlPlaneHarness}
 * stores in PostgreSQL: one real PostgreSQL 15 for the test JVM, started on first use and stopped at its exit, and a
 * database of its own for each data dir, so a test that starts the control plane again on the same data dir finds its
 * store again, as on SQLite.
 */
final class SharedPostgres
{
    static final boolean ON = "postgresql".equals(System.getProperty("bounce.test.store"));

    private static Postgres server;
    private static final Map<Path, String> DATABASES = new ConcurrentHashMap<>();

    private SharedPostgres()
    {
    }

    /** @return the {@code --store} and {@code --store-password-file} options for {@code dataDir}'s database. */
    static synchronized List<String> storeArgs(final Path dataDir)
    {
        try
        {
            if (server == null)
            {
                server = Postgres.primary();
                final Postgres started = server;
                Runtime.getRuntime().addShutdownHook(new Thread(() ->
                {
                    try
                    {
                        started.close();
                    }
                    catch (final Exception ignored)
                    {
                        // the JVM is going: nothing to do
                    }
                }));
            }
            final String database = DATABASES.computeIfAbsent(dataDir.toAbsolutePath(), d -> "t" + (DATABASES.size() + 1));
            if (server.sql("SELECT COUNT(*) FROM pg_database WHERE datname = '" + database + "'").equals("0"))
            {
                server.sql("CREATE DATABASE " + database);
            }
            Files.createDirectories(dataDir);
            final Path password = dataDir.resolveSibling(dataDir.getFileName() + ".store-password");
            Files.writeString(password, server.password() + "\n");
            Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-------"));
            return List.of("--store", "postgresql://" + Postgres.USER + "@127.0.0.1:" + server.port() + "/" + database,
                "--store-password-file", password.toString());
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException("no PostgreSQL for the store tests: " + ex.getMessage(), ex);
        }
    }
}
