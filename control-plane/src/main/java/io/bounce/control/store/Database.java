package io.bounce.control.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import org.sqlite.SQLiteConfig;

/**
 * The embedded store: one SQLite file in WAL mode with {@code synchronous=FULL}, so a commit is on disk
 * when it returns. One connection writes (owned by the {@link GroupCommitter}); readers each open
 * their own, which WAL lets run while the writer commits. Schema changes are versioned migrations
 * applied at start, written in SQL that PostgreSQL also accepts where it matters (the PostgreSQL store
 * comes next, behind the same queries).
 */
public final class Database implements AutoCloseable
{
    public static final String FILE = "bounce.db";
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Database.class);

    /** Migration N brings the schema from version N to N+1. Never edit one that has shipped: add one. */
    private static final List<String> MIGRATIONS = List.of(
        "CREATE TABLE domains (" +
            " name TEXT PRIMARY KEY," +
            " is_default INTEGER NOT NULL," +
            " created_at BIGINT NOT NULL);" +
        "CREATE TABLE api_keys (" +
            " id INTEGER PRIMARY KEY," +
            " name TEXT NOT NULL," +
            " secret_hash BLOB NOT NULL UNIQUE," +
            " scopes TEXT NOT NULL," +
            " rate_per_second DOUBLE PRECISION," +
            " burst INTEGER," +
            " created_at BIGINT NOT NULL," +
            " revoked_at BIGINT);" +
        "CREATE TABLE links (" +
            " id INTEGER PRIMARY KEY," +
            " domain TEXT NOT NULL REFERENCES domains(name)," +
            " code TEXT NOT NULL," +
            " url TEXT NOT NULL," +
            " status INTEGER NOT NULL," +
            " forward_query INTEGER NOT NULL," +
            " created_at BIGINT NOT NULL," +
            " editable_until BIGINT NOT NULL," +
            " expires_at BIGINT NOT NULL," +
            " disabled_reason TEXT," +
            " deleted_at BIGINT NOT NULL," +
            " owner_key_id INTEGER NOT NULL REFERENCES api_keys(id)," +
            " seq BIGINT NOT NULL," +
            " UNIQUE (domain, code));" +
        "CREATE INDEX links_by_owner ON links (owner_key_id, id);" +
        "CREATE TABLE change_log (" +
            " seq BIGINT PRIMARY KEY," +
            " committed_at BIGINT NOT NULL," +
            " record BLOB NOT NULL);",
        // Keys name the branded domains they may create links on (null: the default domain only; "*": all).
        "ALTER TABLE api_keys ADD COLUMN domains TEXT;",
        // A domain's certificates, one per key type; the private key sealed with the --secrets-key-file key.
        "CREATE TABLE certificates (" +
            " domain TEXT NOT NULL REFERENCES domains(name)," +
            " key_type TEXT NOT NULL," +
            " chain_pem TEXT NOT NULL," +
            " sealed_key BLOB NOT NULL," +
            " fingerprint TEXT NOT NULL," +
            " not_after BIGINT NOT NULL," +
            " created_at BIGINT NOT NULL," +
            " PRIMARY KEY (domain, key_type));",
        // TLS reaches the edges through the change log: each change's frame type (1 = a link), a domain's HTTPS
        // policy, the sequence of the change that last set a domain's policy or a certificate, and the fleet's
        // session-ticket keys (sealed like certificate keys).
        "ALTER TABLE change_log ADD COLUMN kind INTEGER NOT NULL DEFAULT 1;" +
        "ALTER TABLE domains ADD COLUMN https_only INTEGER NOT NULL DEFAULT 0;" +
        "ALTER TABLE domains ADD COLUMN hsts_max_age BIGINT NOT NULL DEFAULT 31536000;" +
        "ALTER TABLE domains ADD COLUMN hsts_include_subdomains INTEGER NOT NULL DEFAULT 0;" +
        "ALTER TABLE domains ADD COLUMN hsts_preload INTEGER NOT NULL DEFAULT 0;" +
        "ALTER TABLE domains ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;" +
        "ALTER TABLE certificates ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;" +
        "CREATE TABLE ticket_keys (" +
            " id BIGINT PRIMARY KEY," +
            " sealed_key BLOB NOT NULL," +
            " seq BIGINT NOT NULL);",
        // Domains may be removed (kept as a row: their deleted links still name them) and may get their certificates
        // by ACME: how (manual or auto), where issuance stands, and when to try next. The ACME account per directory
        // (its key sealed), and the challenge each domain's order waits on, as the change log last carried it.
        "ALTER TABLE domains ADD COLUMN removed_at BIGINT NOT NULL DEFAULT 0;" +
        "ALTER TABLE domains ADD COLUMN https_mode TEXT NOT NULL DEFAULT 'manual';" +
        "ALTER TABLE domains ADD COLUMN acme_status TEXT;" +
        "ALTER TABLE domains ADD COLUMN acme_detail TEXT;" +
        "ALTER TABLE domains ADD COLUMN acme_status_at BIGINT NOT NULL DEFAULT 0;" +
        "ALTER TABLE domains ADD COLUMN acme_next_at BIGINT NOT NULL DEFAULT 0;" +
        "ALTER TABLE domains ADD COLUMN acme_failures INTEGER NOT NULL DEFAULT 0;" +
        "CREATE INDEX domains_acme_due ON domains (acme_next_at) WHERE https_mode = 'auto' AND removed_at = 0;" +
        "CREATE TABLE acme_accounts (" +
            " directory TEXT PRIMARY KEY," +
            " location TEXT," +
            " sealed_key BLOB NOT NULL," +
            " created_at BIGINT NOT NULL);" +
        "CREATE TABLE acme_challenges (" +
            " domain TEXT PRIMARY KEY REFERENCES domains(name)," +
            " token TEXT NOT NULL," +
            " key_authorization TEXT NOT NULL," +
            " expires_at BIGINT NOT NULL," +
            " seq BIGINT NOT NULL);",
        // The store's history id, made at first start (or anew by --new-history, after restoring a backup): followers
        // compare it with the one their replica holds before they tail the log from their own sequence.
        "CREATE TABLE store_history (id TEXT NOT NULL, created_at BIGINT NOT NULL);",
        // The writer's lease (PostgreSQL: any number of control planes, one writer): who holds it, until when by the
        // database's clock, and the fencing token that grows at every takeover (Leadership).
        "CREATE TABLE control_lease (" +
            " id INTEGER NOT NULL PRIMARY KEY," +
            " token BIGINT NOT NULL," +
            " holder TEXT," +
            " url TEXT," +
            " expires_at BIGINT NOT NULL," +
            " acquired_at BIGINT NOT NULL);" +
        "INSERT INTO control_lease (id, token, expires_at, acquired_at) VALUES (1, 0, 0, 0);",
        // Link rules (targets, variants, expiredUrl, og, utm) as the API's canonical JSON; null for a plain link. Click limits:
        // the most human clicks a link takes (0 = none) and when the control plane saw them reached (0 = not yet).
        "ALTER TABLE links ADD COLUMN rules TEXT;" +
        "ALTER TABLE links ADD COLUMN max_clicks BIGINT NOT NULL DEFAULT 0;" +
        "ALTER TABLE links ADD COLUMN limited_at BIGINT NOT NULL DEFAULT 0;" +
        "CREATE INDEX links_click_limited ON links (id) WHERE max_clicks > 0 AND limited_at = 0 AND deleted_at = 0;",
        // Dashboard accounts: an email, an argon2id PHC string, a role (admin or member), and the account's own key, which
        // owns every link the account makes (from the dashboard or with one of its keys, whose account_id names it).
        "CREATE TABLE accounts (" +
            " id INTEGER PRIMARY KEY," +
            " email TEXT NOT NULL UNIQUE," +
            " password_hash TEXT NOT NULL," +
            " role TEXT NOT NULL," +
            " key_id BIGINT NOT NULL REFERENCES api_keys(id)," +
            " created_at BIGINT NOT NULL," +
            " disabled_at BIGINT NOT NULL DEFAULT 0);" +
            "ALTER TABLE api_keys ADD COLUMN account_id BIGINT;",
        // A link's tags (lower-case, comma-separated, each once; null for none): labels its owner finds it by. Never replicated.
        "ALTER TABLE links ADD COLUMN tags TEXT;",
        // Signed-in dashboard browsers, by the SHA-256 of their session id, so a restart or a failover signs nobody out.
        "CREATE TABLE sessions (" +
            " id_hash TEXT PRIMARY KEY," +
            " account_id BIGINT NOT NULL REFERENCES accounts(id)," +
            " password_stamp BIGINT NOT NULL," +
            " created_at BIGINT NOT NULL," +
            " expires_at BIGINT NOT NULL);" +
            "CREATE INDEX sessions_expiry ON sessions (expires_at);");

    private static final java.sql.Driver POSTGRES_DRIVER = new org.postgresql.Driver();

    private final Path file;
    /** For a PostgreSQL store: where it is and how to log in; null for SQLite. */
    private final StoreOptions postgres;
    private String historyId;
    /** PostgreSQL: the pool API reads and change-log streams borrow a connection from for each read; made at first use. */
    private com.zaxxer.hikari.HikariDataSource readPool;

    private Database(final Path file, final StoreOptions postgres)
    {
        this.file = file;
        this.postgres = postgres;
    }

    /** Open (creating if needed) the store in {@code dataDir} and bring its schema up to date. */
    public static Database open(final Path dataDir) throws IOException, SQLException
    {
        return open(dataDir, null);
    }

    /**
     * Open the store {@code options} names (PostgreSQL), or SQLite in {@code dataDir} when it names none, and bring its
     * schema up to date.
     */
    public static Database open(final Path dataDir, final StoreOptions options) throws IOException, SQLException
    {
        Files.createDirectories(dataDir);
        final Database database = new Database(dataDir.resolve(FILE), options != null && options.postgres() ? options : null);
        try (Connection connection = database.openWriter())
        {
            if (database.postgres != null && inRecovery(connection))
            {
                // A hot standby: read-only until promoted. Its schema and history are its primary's, replicated.
                database.requireCurrentSchema(connection);
                database.historyId = history(connection, false);
                LOG.info("the store is a standby in recovery: serving reads and the change log until it is promoted");
                return database;
            }
            database.migrate(connection);
            database.historyId = history(connection, options != null && options.newHistory());
        }
        return database;
    }

    /** @return the store's history id: what followers check before they resume from their own sequence. */
    public String historyId()
    {
        return historyId;
    }

    /** The store's history id, made when there is none, or anew when asked (a store restored from a backup). */
    private static String history(final Connection connection, final boolean fresh) throws SQLException
    {
        String id = null;
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery("SELECT id FROM store_history"))
        {
            if (rs.next())
            {
                id = rs.getString(1);
            }
        }
        if (id == null && inRecovery(connection))
        {
            throw new SQLException("the store is a standby whose primary has not started a control plane yet: it has no history id");
        }
        if (id == null || fresh)
        {
            final byte[] random = new byte[16];
            new java.security.SecureRandom().nextBytes(random);
            id = java.util.HexFormat.of().formatHex(random);
            try (Statement statement = connection.createStatement();
                java.sql.PreparedStatement insert = connection.prepareStatement("INSERT INTO store_history (id, created_at) VALUES (?, ?)"))
            {
                statement.execute("DELETE FROM store_history");
                insert.setString(1, id);
                insert.setLong(2, System.currentTimeMillis());
                insert.executeUpdate();
            }
            LOG.info("store history id {}{}", id, fresh ? " (made anew: --new-history)" : "");
        }
        connection.commit();
        return id;
    }

    /**
     * A read connection for one read: PostgreSQL's from the pool (HikariCP, {@code --store-pool-size}: followers and API
     * readers share it, so 200 followers need not be 200 server connections), returned by {@code close()}. SQLite: a new
     * connection of its own, which the caller keeps.
     */
    public Connection borrowReader() throws SQLException
    {
        if (postgres == null)
        {
            return openReader();
        }
        return readPool().getConnection();
    }

    private synchronized com.zaxxer.hikari.HikariDataSource readPool()
    {
        if (readPool == null)
        {
            final com.zaxxer.hikari.HikariConfig config = new com.zaxxer.hikari.HikariConfig();
            config.setPoolName("bounce-store-readers");
            config.setDriverClassName(org.postgresql.Driver.class.getName());
            config.setJdbcUrl(postgres.jdbcUrl());
            connectionProperties().forEach((name, value) -> config.addDataSourceProperty((String)name, value));
            config.setReadOnly(true);
            config.setAutoCommit(true);
            config.setTransactionIsolation("TRANSACTION_REPEATABLE_READ");
            config.setMaximumPoolSize(postgres.poolSize());
            config.setMinimumIdle(Math.min(2, postgres.poolSize()));
            config.setConnectionTimeout(10_000);
            config.setInitializationFailTimeout(-1); // a server that is down now is tried again at the next borrow
            readPool = new com.zaxxer.hikari.HikariDataSource(config);
        }
        return readPool;
    }

    /** Close the read pool (PostgreSQL); the writer and each reader close their own connections. */
    @Override
    public synchronized void close()
    {
        if (readPool != null)
        {
            readPool.close();
            readPool = null;
        }
    }

    /** @return true for a PostgreSQL server in recovery: a standby, read-only until it is promoted. */
    static boolean inRecovery(final Connection connection) throws SQLException
    {
        if (!connection.getMetaData().getURL().startsWith("jdbc:postgresql:"))
        {
            return false;
        }
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery("SELECT pg_is_in_recovery()"))
        {
            rs.next();
            final boolean recovery = rs.getBoolean(1);
            if (!connection.getAutoCommit())
            {
                connection.commit();
            }
            return recovery;
        }
    }

    /**
     * The lease thread's connection (PostgreSQL): autocommit, and short lock and statement timeouts, so a takeover
     * attempt waiting on a writer's transaction gives up and tries again instead of hanging the thread.
     */
    Connection openLease() throws SQLException
    {
        final Connection connection = connectPostgres();
        try (Statement statement = connection.createStatement())
        {
            statement.execute("SET lock_timeout = 1000");
            statement.execute("SET statement_timeout = 5000");
        }
        return connection;
    }

    /** @return the SQLite file (for a PostgreSQL store: where it would be; the data dir's disk is still watched). */
    public Path file()
    {
        return file;
    }

    /** @return true for a PostgreSQL store. */
    public boolean postgres()
    {
        return postgres != null;
    }

    /** @return what the store is, for logs: the SQLite file or the PostgreSQL JDBC URL (never a password). */
    public String describe()
    {
        return postgres != null ? postgres.jdbcUrl() : file.toString();
    }

    /**
     * The single writer's connection. SQLite: transactions begin IMMEDIATE (they take the write lock at BEGIN).
     * PostgreSQL: READ COMMITTED, the one writer's transactions serialised by the writer thread.
     */
    public Connection openWriter() throws SQLException
    {
        if (postgres != null)
        {
            final Connection connection = connectPostgres();
            connection.setAutoCommit(false);
            return connection;
        }
        final SQLiteConfig config = baseConfig();
        config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        final Connection connection = config.createConnection("jdbc:sqlite:" + file);
        tune(connection);
        connection.setAutoCommit(false);
        return connection;
    }

    /**
     * A reader's connection: autocommit, read-only. On PostgreSQL a read transaction (a snapshot) is REPEATABLE READ, so
     * every query in it sees the same moment, as SQLite's WAL snapshot does.
     */
    public Connection openReader() throws SQLException
    {
        if (postgres != null)
        {
            final Connection connection = connectPostgres();
            connection.setReadOnly(true);
            connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            return connection;
        }
        final SQLiteConfig config = baseConfig();
        config.setReadOnly(true);
        final Connection connection = config.createConnection("jdbc:sqlite:" + file);
        tune(connection);
        return connection;
    }

    /**
     * Sizing measured with bench/bin/control-plane-writes: SQLite's default page cache (about 8 MB)
     * is far smaller than the (domain, code) index at a few million links, and random codes land on
     * random index pages, so every insert paid page reads. A 256 MiB cache (allocated as used) and
     * memory-mapped reads keep the working set in memory. (A larger WAL checkpoint interval was tried
     * and dropped: SQLite checkpoints inside the committing writer, so bigger checkpoints meant
     * longer stalls, and create p99 rose from 9 to 45 ms.) Every commit still fsyncs the WAL.
     */
    private static void tune(final Connection connection) throws SQLException
    {
        try (Statement statement = connection.createStatement())
        {
            statement.execute("PRAGMA cache_size = -262144");
            statement.execute("PRAGMA mmap_size = 1073741824");
            statement.execute("PRAGMA temp_store = MEMORY");
        }
    }

    private static SQLiteConfig baseConfig()
    {
        final SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        config.enforceForeignKeys(true);
        config.setBusyTimeout(10_000);
        // Ids come back through RETURNING; the driver's own generated-keys query after every INSERT
        // was pure overhead on the writer (bulk-import profile).
        config.setGetGeneratedKeys(false);
        return config;
    }

    /** A connection (autocommit) to the PostgreSQL store {@code options} names, for tools such as {@link Failover}. */
    static Connection connect(final StoreOptions options) throws SQLException
    {
        return new Database(null, options).connectPostgres();
    }

    private Connection connectPostgres() throws SQLException
    {
        final java.util.Properties properties = connectionProperties();
        // The driver itself, not DriverManager, which would load every driver on the class path first (DuckDB's among them).
        final Connection connection = POSTGRES_DRIVER.connect(postgres.jdbcUrl(), properties);
        if (connection == null)
        {
            throw new SQLException("not a PostgreSQL JDBC URL: " + postgres.jdbcUrl());
        }
        return connection;
    }

    private java.util.Properties connectionProperties()
    {
        final java.util.Properties properties = new java.util.Properties();
        if (postgres.user() != null)
        {
            properties.setProperty("user", postgres.user());
        }
        if (postgres.password() != null)
        {
            properties.setProperty("password", postgres.password());
        }
        properties.setProperty("ApplicationName", "bounce-control-plane");
        properties.setProperty("connectTimeout", "10");
        properties.setProperty("tcpKeepAlive", "true");
        // The writer's batched change-log appends go as multi-row inserts (WriteTxn).
        properties.setProperty("reWriteBatchedInserts", "true");
        return properties;
    }

    /**
     * A migration's DDL as PostgreSQL takes it: the SQLite forms the migrations are written in (an {@code INTEGER PRIMARY
     * KEY} that numbers rows itself, {@code BLOB}) in PostgreSQL's (an identity column, {@code BYTEA}). Nothing else
     * in them differs.
     */
    static String forPostgres(final String sql)
    {
        return sql.replace(" id INTEGER PRIMARY KEY,", " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,")
            .replace(" BLOB", " BYTEA");
    }

    /** @return the schema version this build migrates a store to: its number of migrations. */
    public static int migrations()
    {
        return MIGRATIONS.size();
    }

    /** @return the schema version of the store. */
    public static int schemaVersion(final Connection connection) throws SQLException
    {
        try (Statement statement = connection.createStatement())
        {
            statement.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
            try (ResultSet rs = statement.executeQuery("SELECT MAX(version) FROM schema_version"))
            {
                return rs.next() ? rs.getInt(1) : 0;
            }
        }
    }

    private void requireCurrentSchema(final Connection connection) throws SQLException
    {
        final int current;
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery("SELECT MAX(version) FROM schema_version"))
        {
            current = rs.next() ? rs.getInt(1) : 0;
        }
        connection.commit();
        if (current != MIGRATIONS.size())
        {
            throw new SQLException("the standby's schema is version " + current + " and this build's is " + MIGRATIONS.size() +
                "; a standby cannot migrate: start a control plane of this build against the primary first");
        }
    }

    private void migrate(final Connection connection) throws SQLException
    {
        if (postgres != null)
        {
            // Control planes starting together against one PostgreSQL migrate one at a time (the lock is the session's,
            // released when this connection closes).
            try (Statement statement = connection.createStatement())
            {
                statement.execute("SELECT pg_advisory_lock(7238123)");
            }
        }
        final int current = schemaVersion(connection);
        connection.commit();
        if (current > MIGRATIONS.size())
        {
            throw new SQLException("store " + describe() + " has schema version " + current +
                ", newer than this build knows (" + MIGRATIONS.size() + "); refusing to open it");
        }
        for (int version = current; version < MIGRATIONS.size(); version++)
        {
            try (Statement statement = connection.createStatement())
            {
                for (final String sql : MIGRATIONS.get(version).split(";"))
                {
                    if (!sql.isBlank())
                    {
                        statement.execute(postgres != null ? forPostgres(sql) : sql);
                    }
                }
                statement.execute("INSERT INTO schema_version (version) VALUES (" + (version + 1) + ")");
                connection.commit();
            }
            catch (final SQLException ex)
            {
                connection.rollback();
                throw ex;
            }
        }
    }

    /** @return the result of {@code PRAGMA integrity_check}: "ok" for a sound file. */
    public String integrityCheck() throws SQLException
    {
        if (postgres != null)
        {
            throw new java.sql.SQLFeatureNotSupportedException("PRAGMA integrity_check is SQLite's; PostgreSQL checks pages itself");
        }
        try (Connection connection = openReader(); Statement statement = connection.createStatement();
            ResultSet rs = statement.executeQuery("PRAGMA integrity_check"))
        {
            return rs.next() ? rs.getString(1) : "no answer";
        }
    }
}
