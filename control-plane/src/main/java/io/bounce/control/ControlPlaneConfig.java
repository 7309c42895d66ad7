package io.bounce.control;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

import io.bounce.aggregator.ClickIngestOptions;
import io.bounce.replication.link.LinkRules;
import io.bounce.runtime.files.SecretFiles;
import io.bounce.runtime.launch.ConfigFileOption;
import io.bounce.runtime.launch.ConnectionLimitOptions;
import io.bounce.control.dashboard.DashboardOptions;
import io.bounce.control.domains.acme.AcmeOptions;
import io.bounce.control.links.ClickLimits;
import io.bounce.control.links.DestinationOptions;
import io.bounce.control.store.StoreOptions;
import io.bounce.runtime.files.SecretBox;
import io.bounce.runtime.launch.LaunchDefaults;
import io.bounce.runtime.launch.SecretsOptions;
import io.bounce.runtime.launch.TlsOptions;
import io.bounce.runtime.limits.AddressBudget;
import io.bounce.runtime.limits.ConnectionLimits;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import static io.bounce.runtime.launch.RoleLauncher.requireRange;

/**
 * Every setting of the control plane: name, default and unit in one place, validated once by
 * {@link #conclude()} before any thread starts, and the source of {@code --help}.
 */
@Command(
    name = "bounce control-plane",
    mixinStandardHelpOptions = true,
    version = "bounce control-plane 0.1.0",
    sortOptions = false,
    description = "Runs the control plane: the link API, keys and limits, and the change log edges follow.",
    footer = LaunchDefaults.HELP_FOOTER)
public final class ControlPlaneConfig
{
    @Mixin
    ConfigFileOption configFile;

    @Mixin
    ConnectionLimitOptions connections;

    /** With --tls-cert/--tls-key the API port (the API, the change log, the click ingest) speaks HTTPS only. */
    @Mixin
    TlsOptions tls;

    @Mixin
    SecretsOptions secrets;

    @Option(names = "--development-ca", paramLabel = "DIR", description = "Development only (bounce up): issue every domain a " +
        "certificate from the local CA in DIR (made there if absent), sent to the edges as an upload is. Needs --secrets-key-file.")
    Path developmentCa;

    @Mixin // the store: SQLite in --data-dir, or PostgreSQL
    StoreOptions store;

    @Mixin // ACME for domains added with --https auto: the CA, the account, the challenge, the pace, the DNS check
    AcmeOptions acme;

    @Option(names = "--ticket-key-rotation-ms", defaultValue = "43200000",
        description = "How often the fleet gets a new TLS session-ticket key through the change log (with --secrets-key-file), " +
            "in ms; a ticket stays good for two rotations more. Default: ${DEFAULT-VALUE} (12 hours)")
    long ticketKeyRotationMs;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "./data/control-plane",
        description = "Directory of the store (bounce.db) and admin.key. Default: ${DEFAULT-VALUE}")
    Path dataDir;

    @Option(names = "--host", defaultValue = "127.0.0.1",
        description = "Address the API binds to. Default: ${DEFAULT-VALUE}")
    String host;

    @Option(names = "--port", defaultValue = "7070", description = "API port; 0 picks a free port. Default: ${DEFAULT-VALUE}")
    int port;

    @Option(names = "--admin-host", defaultValue = "127.0.0.1",
        description = "Address the admin port (/healthz, /readyz, /metrics) binds to. Default: ${DEFAULT-VALUE}")
    String adminHost;

    @Option(names = "--admin-port", defaultValue = "9070", description = "Admin port; 0 picks a free port. Default: ${DEFAULT-VALUE}")
    int adminPort;

    @Option(names = "--default-domain", defaultValue = "localhost",
        description = "Domain of links created without one. Default: ${DEFAULT-VALUE}")
    String defaultDomain;

    @Option(names = "--short-url-scheme", defaultValue = "https",
        description = "Scheme of the shortUrl the API answers with: http or https. Default: ${DEFAULT-VALUE}")
    String shortUrlScheme;

    @Option(names = "--short-url-port", defaultValue = "0",
        description = "Port shown in shortUrl; 0 shows none (the scheme's default). Default: ${DEFAULT-VALUE}")
    int shortUrlPort;

    @Option(names = "--code-length", defaultValue = "7",
        description = "Characters of base62 in generated codes. Default: ${DEFAULT-VALUE}")
    int codeLength;

    @Option(names = "--edit-window-ms", defaultValue = "600000",
        description = "How long after creation a link's destination may change, in ms. Default: ${DEFAULT-VALUE}")
    long editWindowMs;

    @Option(names = "--default-lifetime-ms", defaultValue = "0",
        description = "Expiry given to links created without expiresAt, in ms; 0 means they never expire. Default: ${DEFAULT-VALUE}")
    long defaultLifetimeMs;

    @Option(names = "--max-url-length", defaultValue = "2048",
        description = "Longest destination accepted, in bytes (at most 8192). Default: ${DEFAULT-VALUE}")
    int maxUrlLength;

    @Mixin
    DestinationOptions destinations;

    @Mixin
    ClickLimits.Options clickLimits;

    @Option(names = "--rate-limit-per-second", defaultValue = "100",
        description = "Requests per second a key may make unless the key sets its own. Default: ${DEFAULT-VALUE}")
    double rateLimitPerSecond;

    @Option(names = "--rate-limit-burst", defaultValue = "200",
        description = "Requests a key may make in a burst unless the key sets its own. Default: ${DEFAULT-VALUE}")
    int rateLimitBurst;

    @Option(names = "--unauthenticated-per-address-per-second", defaultValue = "10",
        description = "Requests without a valid key (401s) one client address (an IPv6 /64) may make a second, on average; past " +
            "its budget it gets 429 with Retry-After, while requests with a valid key are never held back by it. 0 for no budget. " +
            "Default: ${DEFAULT-VALUE}")
    double unauthenticatedPerAddressPerSecond;

    @Option(names = "--unauthenticated-burst-per-address", defaultValue = "100",
        description = "Requests without a valid key one address may make in a burst before its per-second budget applies. " +
            "Default: ${DEFAULT-VALUE}")
    int unauthenticatedBurstPerAddress;

    @Option(names = "--max-body-bytes", defaultValue = "1048576",
        description = "Largest request body; larger gets 413. Default: ${DEFAULT-VALUE}")
    int maxBodyBytes;

    @Option(names = "--max-bulk-items", defaultValue = "1000",
        description = "Most links one bulk request may create. Default: ${DEFAULT-VALUE}")
    int maxBulkItems;

    @Option(names = "--io-threads", defaultValue = "2", description = "API event loops. Default: ${DEFAULT-VALUE}")
    int ioThreads;

    @Option(names = "--read-threads", defaultValue = "4",
        description = "Threads (each with its own database connection) answering reads. Default: ${DEFAULT-VALUE}")
    int readThreads;

    @Option(names = "--max-batch", defaultValue = "512",
        description = "Most write requests one group commit (one fsync) may carry. Default: ${DEFAULT-VALUE}")
    int maxBatch;

    @Option(names = "--header-timeout-ms", defaultValue = "10000",
        description = "Close a connection whose request (headers and body) takes longer than this to arrive, in ms. Default: ${DEFAULT-VALUE}")
    long headerTimeoutMs;

    @Option(names = "--idle-timeout-ms", defaultValue = "60000",
        description = "Close API connections idle for this long, in ms. Default: ${DEFAULT-VALUE}")
    long idleTimeoutMs;

    @Option(names = "--replication-token", paramLabel = "TOKEN",
        description = "Secret edges present to follow the change log. Default: the one in <data-dir>/replication.token, created on first start.")
    String replicationToken;

    @Option(names = "--replication-heartbeat-ms", defaultValue = "1000",
        description = "How often an idle log stream carries a heartbeat, in ms. Default: ${DEFAULT-VALUE}")
    long replicationHeartbeatMs;

    @Option(names = "--max-followers", defaultValue = "256",
        description = "Followers (edges, relays) streamed to at once; more get 503. Default: ${DEFAULT-VALUE}")
    int maxFollowers;

    @Option(names = "--log-retention-ms", defaultValue = "604800000",
        description = "Drop change-log entries older than this, in ms (followers further behind re-bootstrap). Default: ${DEFAULT-VALUE} (7 days)")
    long logRetentionMs;

    @Option(names = "--log-retention-records", defaultValue = "10000000",
        description = "Keep at most this many change-log entries behind the head. Default: ${DEFAULT-VALUE}")
    long logRetentionRecords;

    @Option(names = "--log-compaction-interval-ms", defaultValue = "60000",
        description = "How often the change log is compacted, in ms. Default: ${DEFAULT-VALUE}")
    long logCompactionIntervalMs;

    @Option(names = "--aggregator", paramLabel = "URL",
        description = "A stand-alone aggregator (bounce aggregator) to answer analytics from, e.g. http://10.0.0.5:7071. " +
            "Without it, this process runs the aggregator itself and takes click files on its API port.")
    String aggregator;

    @Option(names = "--aggregator-token", paramLabel = "TOKEN",
        description = "The stand-alone aggregator's analytics token (its --analytics-token).")
    String aggregatorToken;

    @Option(names = "--aggregator-token-file", paramLabel = "FILE",
        description = "File holding the stand-alone aggregator's analytics token (the aggregator writes <data-dir>/analytics.token).")
    Path aggregatorTokenFile;

    @Mixin
    ClickIngestOptions clicks;

    @Mixin // the web dashboard: on or off, the first admin account, sessions, sign-in limits
    DashboardOptions dashboard;

    private URI resolvedAggregator;

    /** Validate every setting; throws {@link IllegalArgumentException} naming the first bad one. */
    public ControlPlaneConfig conclude()
    {
        requireRange("--port", port, 0, 65535);
        requireRange("--admin-port", adminPort, 0, 65535);
        tls.conclude();
        secrets.conclude();
        acme.conclude();
        store.conclude();
        final String domainProblem = LinkRules.checkDomain(defaultDomain);
        if (domainProblem != null)
        {
            throw new IllegalArgumentException("--default-domain: " + domainProblem);
        }
        shortUrlScheme = shortUrlScheme.toLowerCase(Locale.ROOT);
        if (!shortUrlScheme.equals("http") && !shortUrlScheme.equals("https"))
        {
            throw new IllegalArgumentException("--short-url-scheme must be http or https");
        }
        requireRange("--short-url-port", shortUrlPort, 0, 65535);
        requireRange("--code-length", codeLength, 5, 32);
        requireRange("--edit-window-ms", editWindowMs, 0, Duration.ofDays(365).toMillis());
        requireRange("--default-lifetime-ms", defaultLifetimeMs, 0, Duration.ofDays(36500).toMillis());
        requireRange("--max-url-length", maxUrlLength, 16, LinkRules.MAX_URL_LENGTH);
        destinations.conclude();
        clickLimits.conclude();
        if (!(rateLimitPerSecond > 0))
        {
            throw new IllegalArgumentException("--rate-limit-per-second must be positive");
        }
        requireRange("--rate-limit-burst", rateLimitBurst, 1, 1_000_000);
        if (!(unauthenticatedPerAddressPerSecond >= 0 && unauthenticatedPerAddressPerSecond <= 1_000_000))
        {
            throw new IllegalArgumentException("--unauthenticated-per-address-per-second must be from 0 to 1000000");
        }
        requireRange("--unauthenticated-burst-per-address", unauthenticatedBurstPerAddress, 1, 10_000_000);
        requireRange("--max-body-bytes", maxBodyBytes, 1024, 64 * 1024 * 1024);
        requireRange("--max-bulk-items", maxBulkItems, 1, 100_000);
        requireRange("--io-threads", ioThreads, 1, 64);
        requireRange("--read-threads", readThreads, 1, 64);
        requireRange("--max-batch", maxBatch, 1, 100_000);
        requireRange("--idle-timeout-ms", idleTimeoutMs, 1, 86_400_000L);
        requireRange("--header-timeout-ms", headerTimeoutMs, 1, 86_400_000L);
        if (replicationToken != null && replicationToken.trim().length() < 16)
        {
            throw new IllegalArgumentException("--replication-token must be at least 16 characters");
        }
        requireRange("--replication-heartbeat-ms", replicationHeartbeatMs, 10, 60_000);
        requireRange("--max-followers", maxFollowers, 1, 100_000);
        requireRange("--log-retention-ms", logRetentionMs, 1, Duration.ofDays(3650).toMillis());
        requireRange("--log-retention-records", logRetentionRecords, 1, Long.MAX_VALUE / 2);
        requireRange("--log-compaction-interval-ms", logCompactionIntervalMs, 10, Duration.ofDays(1).toMillis());
        requireRange("--ticket-key-rotation-ms", ticketKeyRotationMs, 60_000, Duration.ofDays(7).toMillis());
        if (developmentCa != null && secrets.secrets() == null)
        {
            throw new IllegalArgumentException("--development-ca needs --secrets-key-file: the certificates' keys are stored sealed");
        }
        clicks.conclude();
        connections.conclude();
        dashboard.conclude();
        if (aggregator != null)
        {
            resolvedAggregator = URI.create(aggregator.endsWith("/") ? aggregator : aggregator + "/");
            final boolean web = "http".equals(resolvedAggregator.getScheme()) || "https".equals(resolvedAggregator.getScheme());
            if (!web || resolvedAggregator.getHost() == null)
            {
                throw new IllegalArgumentException("--aggregator must be an http(s) URL, was " + aggregator);
            }
            if (aggregatorToken == null && aggregatorTokenFile != null)
            {
                try
                {
                    aggregatorToken = Files.readString(aggregatorTokenFile, StandardCharsets.US_ASCII);
                }
                catch (final IOException ex)
                {
                    throw new IllegalArgumentException("--aggregator-token-file: cannot read " + aggregatorTokenFile + ": " + ex.getMessage());
                }
            }
            if (aggregatorToken == null || aggregatorToken.trim().length() < SecretFiles.MIN_TOKEN_LENGTH)
            {
                throw new IllegalArgumentException("--aggregator needs --aggregator-token or --aggregator-token-file (" +
                    SecretFiles.MIN_TOKEN_LENGTH + "+ characters)");
            }
            aggregatorToken = aggregatorToken.trim();
        }
        return this;
    }

    public Path dataDir()
    {
        return dataDir;
    }

    public String host()
    {
        return host;
    }

    public int port()
    {
        return port;
    }

    public String adminHost()
    {
        return adminHost;
    }

    public int adminPort()
    {
        return adminPort;
    }

    public String defaultDomain()
    {
        return defaultDomain;
    }

    public String shortUrlScheme()
    {
        return shortUrlScheme;
    }

    public int shortUrlPort()
    {
        return shortUrlPort;
    }

    public int codeLength()
    {
        return codeLength;
    }

    public long editWindowMs()
    {
        return editWindowMs;
    }

    public long defaultLifetimeMs()
    {
        return defaultLifetimeMs;
    }

    public int maxUrlLength()
    {
        return maxUrlLength;
    }

    /** Where links may point: the blocklist, the edges' own addresses, private addresses, reserved aliases. */
    public DestinationOptions destinations()
    {
        return destinations;
    }

    public double rateLimitPerSecond()
    {
        return rateLimitPerSecond;
    }

    public int rateLimitBurst()
    {
        return rateLimitBurst;
    }

    public int maxBodyBytes()
    {
        return maxBodyBytes;
    }

    public int maxBulkItems()
    {
        return maxBulkItems;
    }

    public int ioThreads()
    {
        return ioThreads;
    }

    public int readThreads()
    {
        return readThreads;
    }

    public int maxBatch()
    {
        return maxBatch;
    }

    public long idleTimeoutMs()
    {
        return idleTimeoutMs;
    }

    public long headerTimeoutMs()
    {
        return headerTimeoutMs;
    }

    /** @return the configured replication token, or null to use (or create) the data dir's token file. */
    public String replicationToken()
    {
        return replicationToken == null ? null : replicationToken.trim();
    }

    public long replicationHeartbeatMs()
    {
        return replicationHeartbeatMs;
    }

    public int maxFollowers()
    {
        return maxFollowers;
    }

    public long logRetentionMs()
    {
        return logRetentionMs;
    }

    public long logRetentionRecords()
    {
        return logRetentionRecords;
    }

    public long logCompactionIntervalMs()
    {
        return logCompactionIntervalMs;
    }

    /** @return the stand-alone aggregator to ask for analytics, or null to run one in this process. */
    public URI aggregator()
    {
        return resolvedAggregator;
    }

    /** @return the stand-alone aggregator's analytics token (set whenever {@link #aggregator()} is). */
    public String aggregatorToken()
    {
        return aggregatorToken;
    }

    /** Click ingest, for the aggregator this process runs when {@link #aggregator()} is null. */
    public ClickIngestOptions clicks()
    {
        return clicks;
    }

    /** @return the development CA's directory, or null. */
    public DashboardOptions dashboard()
    {
        return dashboard;
    }

    public Path developmentCa()
    {
        return developmentCa;
    }

    public long ticketKeyRotationMs()
    {
        return ticketKeyRotationMs;
    }

    /** @return the key-encryption key read from {@code --secrets-key-file}, or null without one. */
    public SecretBox secrets()
    {
        return secrets.secrets();
    }

    public StoreOptions store()
    {
        return store;
    }

    public AcmeOptions acme()
    {
        return acme;
    }

    public ClickLimits.Options clickLimits()
    {
        return clickLimits;
    }

    public TlsOptions tls()
    {
        return tls;
    }

    public ConnectionLimits connectionLimits()
    {
        return connections.limits("api", 32_768);
    }

    /** Each client address's budget of requests without a valid key. */
    public AddressBudget unauthenticatedBudget()
    {
        return new AddressBudget(unauthenticatedPerAddressPerSecond, unauthenticatedBurstPerAddress);
    }
}
