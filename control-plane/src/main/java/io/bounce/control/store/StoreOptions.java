package io.bounce.control.store;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;

import io.bounce.runtime.files.SecretFiles;
import picocli.CommandLine.Option;

/**
 * Where the control plane keeps its store (mixed into its configuration): SQLite in {@code --data-dir} (the embedded
 * default), or PostgreSQL ({@code --store postgresql://USER@HOST:PORT/DB} or a JDBC URL, the password in
 * {@code --store-password-file}).
 */
public final class StoreOptions
{
    @Option(names = "--store", paramLabel = "URL",
        description = "PostgreSQL store: postgresql://USER@HOST:PORT/DB or jdbc:postgresql://HOST:PORT/DB?user=USER. " +
            "Default: SQLite, bounce.db in --data-dir.")
    String store;

    @Option(names = "--store-password-file", paramLabel = "FILE",
        description = "File holding the PostgreSQL user's password (mode 0600); with --store.")
    Path passwordFile;

    @Option(names = "--new-history", defaultValue = "false",
        description = "Give the store a new history id at this start: after restoring it from a backup, so that every edge " +
            "bootstraps afresh instead of resuming a sequence the restored store may number differently. Default: ${DEFAULT-VALUE}")
    boolean newHistory;

    /** The lease's length when no option sets it. */
    public static final long DEFAULT_LEASE_MS = 10_000;

    @Option(names = "--leader-lease-ms", defaultValue = "10000",
        description = "PostgreSQL: how long the writer's lease lasts unrenewed (the leader renews it every third of this). " +
            "Another control plane takes over this long after the leader stops answering; at once after the leader's " +
            "clean stop or `bounce failover`. Default: ${DEFAULT-VALUE}")
    long leaseMs;

    @Option(names = "--advertise-url", paramLabel = "URL",
        description = "PostgreSQL: this control plane's API URL as clients reach it; the others name it in their 503 " +
            "answers to writes while this one leads. Default: the API's own scheme://host:port.")
    String advertiseUrl;

    @Option(names = "--store-pool-size", defaultValue = "16",
        description = "PostgreSQL: connections in the pool API reads and change-log streams share (each borrows one per " +
            "read). Default: ${DEFAULT-VALUE}")
    int poolSize = 16;

    private String jdbcUrl;
    private String user;
    private String password;

    /** Validate; throws {@link IllegalArgumentException} naming the first bad option. */
    public void conclude()
    {
        if (leaseMs < 1_000 || leaseMs > 600_000)
        {
            throw new IllegalArgumentException("--leader-lease-ms must be between 1000 and 600000, not " + leaseMs);
        }
        if (poolSize < 1 || poolSize > 1_000)
        {
            throw new IllegalArgumentException("--store-pool-size must be between 1 and 1000, not " + poolSize);
        }
        if (advertiseUrl != null && !advertiseUrl.matches("https?://[^/\\s]+/?"))
        {
            throw new IllegalArgumentException("--advertise-url must be http(s)://HOST:PORT, not " + advertiseUrl);
        }
        if (store == null)
        {
            if (passwordFile != null)
            {
                throw new IllegalArgumentException("--store-password-file goes with --store");
            }
            return;
        }
        if (store.startsWith("jdbc:postgresql://"))
        {
            jdbcUrl = store;
        }
        else if (store.startsWith("postgresql://") || store.startsWith("postgres://"))
        {
            final URI uri = URI.create(store);
            if (uri.getHost() == null || uri.getPath() == null || uri.getPath().length() < 2 || uri.getUserInfo() == null ||
                uri.getUserInfo().contains(":"))
            {
                throw new IllegalArgumentException("--store must be postgresql://USER@HOST[:PORT]/DB (the password goes in " +
                    "--store-password-file, never in the URL)");
            }
            user = uri.getUserInfo();
            jdbcUrl = "jdbc:postgresql://" + uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "") + uri.getPath() +
                (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        }
        else
        {
            throw new IllegalArgumentException("--store must be a postgresql:// or jdbc:postgresql:// URL");
        }
        if (passwordFile != null)
        {
            try
            {
                password = SecretFiles.readOwnerOnly(passwordFile);
            }
            catch (final IOException ex)
            {
                throw new IllegalArgumentException("--store-password-file: " + ex.getMessage());
            }
        }
    }

    /** @return the size of the PostgreSQL read pool. */
    public int poolSize()
    {
        return poolSize;
    }

    /** @return how long the writer's lease lasts unrenewed. */
    public long leaseMs()
    {
        return leaseMs;
    }

    /** @return the API URL this control plane advertises as the leader's, or null for its own scheme://host:port. */
    public String advertiseUrl()
    {
        return advertiseUrl;
    }

    /** @return true if this start gives the store a new history id. */
    public boolean newHistory()
    {
        return newHistory;
    }

    /** @return true for a PostgreSQL store. */
    public boolean postgres()
    {
        return jdbcUrl != null;
    }

    /** @return the JDBC URL of a PostgreSQL store, or null. */
    public String jdbcUrl()
    {
        return jdbcUrl;
    }

    /** @return the user from {@code postgresql://USER@…}, or null (then the JDBC URL names it). */
    public String user()
    {
        return user;
    }

    /** @return the password, or null. Never logged or shown. */
    String password()
    {
        return password;
    }

    @Override
    public String toString()
    {
        return postgres() ? jdbcUrl : "sqlite"; // never the password
    }
}
