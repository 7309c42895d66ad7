package io.bounce.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import io.bounce.runtime.testing.Postgres;

/**
 * A real PostgreSQL 15 for the control-plane benchmark, as the tests start one (initdb and pg_ctl as an unprivileged
 * user, a free loopback port, fsync on): writes its {@code --store} base URL ({@code postgresql://bounce@HOST:PORT/})
 * to {@code DIR/url} and the password to {@code DIR/password} (0600), makes databases {@code b1} to {@code bN}, and
 * runs until its standard input closes.
 *
 * <p>Usage: {@code PostgresServer DIR DATABASES}
 */
public final class PostgresServer
{
    private PostgresServer()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final Path dir = Path.of(args[0]);
        final int databases = Integer.parseInt(args[1]);
        final Postgres server = Postgres.primary();
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            try
            {
                server.close(); // at the end of input, and at SIGTERM: never a server left running
            }
            catch (final Exception ex)
            {
                System.err.println("PostgreSQL did not stop cleanly: " + ex);
            }
        }));
        {
            for (int i = 1; i <= databases; i++)
            {
                server.sql("CREATE DATABASE b" + i);
            }
            final Path password = dir.resolve("password");
            Files.writeString(password, server.password() + "\n");
            Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-------"));
            Files.writeString(dir.resolve("url.tmp"), "postgresql://" + Postgres.USER + "@127.0.0.1:" + server.port() + "/\n");
            Files.move(dir.resolve("url.tmp"), dir.resolve("url"));
            while (System.in.read() >= 0)
            {
                // until the script closes our input (or dies)
            }
        }
    }
}
