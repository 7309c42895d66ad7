package io.bounce.control.store;

import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

import io.bounce.runtime.launch.RoleLauncher;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bounce failover}: make a PostgreSQL standby the store's primary and hand the writer's lease to the control
 * planes that use it. It promotes the standby ({@code pg_promote()}, skipped with {@code --no-promote} when Patroni or an
 * operator already did), replaces the lease's fencing token (so the old leader, should it still run, can never commit
 * again) and marks the lease free, then waits for a control plane of this store to take it and says which one did.
 */
@Command(name = "bounce failover", mixinStandardHelpOptions = true, version = "bounce failover 0.1.0", sortOptions = false,
    description = "Promote a PostgreSQL standby to the store's primary and hand the writer's lease to its control planes. Fence " +
        "the old primary first (stop it, or cut it off): a primary that comes back would take its old leader's writes.")
public final class Failover
{
    @Option(names = "--store", paramLabel = "URL", required = true,
        description = "The standby to promote: postgresql://USER@HOST:PORT/DB or jdbc:postgresql://HOST:PORT/DB?user=USER.")
    String store;

    @Option(names = "--store-password-file", paramLabel = "FILE", description = "File holding the PostgreSQL user's password (mode 0600).")
    Path passwordFile;

    @Option(names = "--no-promote", defaultValue = "false",
        description = "Do not promote: the server is a primary already (Patroni promoted it, say); only hand the lease over.")
    boolean noPromote;

    @Option(names = "--wait-ms", defaultValue = "60000",
        description = "How long to wait for the promotion, and then for a control plane to take the lease. Default: ${DEFAULT-VALUE}")
    long waitMs;

    private Failover()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        System.exit(run(args, System.getenv(), System.out, System.err));
    }

    static int run(final String[] args, final Map<String, String> environment, final PrintStream out, final PrintStream err)
        throws Exception
    {
        final Failover command = new Failover();
        final StoreOptions options = new StoreOptions();
        final Integer exit = RoleLauncher.parse(new CommandLine(command), args, environment, out, err, () ->
        {
            if (command.waitMs < 1_000 || command.waitMs > 3_600_000)
            {
                throw new IllegalArgumentException("--wait-ms must be between 1000 and 3600000, not " + command.waitMs);
            }
            options.store = command.store;
            options.passwordFile = command.passwordFile;
            options.leaseMs = StoreOptions.DEFAULT_LEASE_MS;
            options.conclude();
        });
        if (exit != null)
        {
            return exit;
        }
        try (Connection connection = Database.connect(options))
        {
            return command.failover(connection, out, err);
        }
        catch (final SQLException ex)
        {
            err.println("bounce failover: " + ex.getMessage());
            return 1;
        }
    }

    private int failover(final Connection connection, final PrintStream out, final PrintStream err) throws SQLException, InterruptedException
    {
        final long deadline = System.currentTimeMillis() + waitMs;
        if (Database.inRecovery(connection))
        {
            if (noPromote)
            {
                err.println("bounce failover: " + store + " is a standby still in recovery; promote it (or leave out --no-promote)");
                return 1;
            }
            final long started = System.nanoTime();
            try (PreparedStatement promote = connection.prepareStatement("SELECT pg_promote(true, ?)"))
            {
                promote.setInt(1, (int)Math.max(1, waitMs / 1000));
                try (ResultSet rs = promote.executeQuery())
                {
                    if (!rs.next() || !rs.getBoolean(1))
                    {
                        err.println("bounce failover: the standby did not finish its promotion within " + waitMs + " ms");
                        return 1;
                    }
                }
            }
            out.println("promoted: " + store + " is the primary now (" + (System.nanoTime() - started) / 1_000_000 + " ms)");
        }
        else
        {
            out.println("primary: " + store + " is not in recovery" + (noPromote ? "" : "; nothing to promote"));
        }
        final long fenced;
        try (Statement statement = connection.createStatement();
            ResultSet rs = statement.executeQuery(
                "UPDATE control_lease SET token = token + 1, holder = NULL, url = NULL, expires_at = 0 WHERE id = 1 RETURNING token"))
        {
            if (!rs.next())
            {
                err.println("bounce failover: the store has no lease row; is it a Bounce store of this version?");
                return 1;
            }
            fenced = rs.getLong(1);
        }
        out.println("lease: free, fencing token " + fenced + " (the old leader's no longer writes)");
        final long freedAt = System.nanoTime();
        while (System.currentTimeMillis() < deadline)
        {
            try (Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SELECT token, url FROM control_lease WHERE id = 1"))
            {
                if (rs.next() && rs.getLong(1) > fenced)
                {
                    out.println("leader: " + (rs.getString(2) == null ? "(no URL advertised yet)" : rs.getString(2)) +
                        " (fencing token " + rs.getLong(1) + ", " + (System.nanoTime() - freedAt) / 1_000_000 + " ms after the lease was freed)");
                    return 0;
                }
            }
            Thread.sleep(50);
        }
        err.println("bounce failover: no control plane took the lease within " + waitMs + " ms; start one with --store " + store);
        return 1;
    }
}
