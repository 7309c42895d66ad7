package io.bounce.aggregator;

import static io.bounce.runtime.launch.RoleLauncher.requireRange;

import java.nio.file.Path;

import io.bounce.runtime.files.SecretFiles;
import io.bounce.runtime.launch.ConfigFileOption;
import io.bounce.runtime.launch.ConnectionLimitOptions;
import io.bounce.runtime.launch.LaunchDefaults;
import io.bounce.runtime.limits.ConnectionLimits;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Every setting of a stand-alone aggregator: name, default and unit in one place, validated once by
 * {@link #conclude()} before any thread starts, and the source of {@code --help}.
 */
@Command(
    name = "bounce aggregator",
    mixinStandardHelpOptions = true,
    version = "bounce aggregator 0.1.0",
    sortOptions = false,
    description = "Runs the click aggregator as a process of its own: edges ship click files to it (--aggregator on the edge), " +
        "and control planes ask it for analytics (--aggregator on the control plane). Without it, the control plane runs " +
        "one inside its own process.",
    footer = LaunchDefaults.HELP_FOOTER)
public final class AggregatorConfig
{
    public static final String CLICK_TOKEN_FILE = "click.token";
    public static final String ANALYTICS_TOKEN_FILE = "analytics.token";

    @Mixin
    ConfigFileOption configFile;

    @Mixin
    ConnectionLimitOptions connections;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "./data/aggregator",
        description = "Directory of the click store (clicks.duckdb), accepted files (click-ingest/) and tokens. Default: ${DEFAULT-VALUE}")
    Path dataDir;

    @Option(names = "--host", defaultValue = "127.0.0.1",
        description = "Address the ingest and report port binds to. Default: ${DEFAULT-VALUE}")
    String host;

    @Option(names = "--port", defaultValue = "7071", description = "Ingest and report port; 0 picks a free port. Default: ${DEFAULT-VALUE}")
    int port;

    @Option(names = "--admin-host", defaultValue = "127.0.0.1",
        description = "Address the admin port (/healthz, /readyz, /metrics) binds to. Default: ${DEFAULT-VALUE}")
    String adminHost;

    @Option(names = "--admin-port", defaultValue = "9071", description = "Admin port; 0 picks a free port. Default: ${DEFAULT-VALUE}")
    int adminPort;

    @Option(names = "--io-threads", defaultValue = "2", description = "Event loops of the ingest and report port. Default: ${DEFAULT-VALUE}")
    int ioThreads;

    @Option(names = "--header-timeout-ms", defaultValue = "60000",
        description = "Close a connection whose request (headers and body: a whole click file) takes longer than this to arrive, in ms. Default: ${DEFAULT-VALUE}")
    long headerTimeoutMs;

    @Option(names = "--idle-timeout-ms", defaultValue = "60000",
        description = "Close connections idle for this long, in ms. Default: ${DEFAULT-VALUE}")
    long idleTimeoutMs;

    @Option(names = "--analytics-token", paramLabel = "TOKEN",
        description = "Token control planes present to ask for reports. Default: the one in <data-dir>/analytics.token, created on first start.")
    String analyticsToken;

    @Mixin
    ClickIngestOptions clicks;

    /** Validate every setting; throws {@link IllegalArgumentException} naming the first bad one. */
    public AggregatorConfig conclude()
    {
        requireRange("--port", port, 0, 65535);
        requireRange("--admin-port", adminPort, 0, 65535);
        requireRange("--io-threads", ioThreads, 1, 64);
        requireRange("--header-timeout-ms", headerTimeoutMs, 1, 86_400_000L);
        requireRange("--idle-timeout-ms", idleTimeoutMs, 1, 86_400_000L);
        if (analyticsToken != null && analyticsToken.trim().length() < SecretFiles.MIN_TOKEN_LENGTH)
        {
            throw new IllegalArgumentException("--analytics-token must be at least " + SecretFiles.MIN_TOKEN_LENGTH + " characters");
        }
        clicks.conclude();
        connections.conclude();
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

    public int ioThreads()
    {
        return ioThreads;
    }

    public long headerTimeoutMs()
    {
        return headerTimeoutMs;
    }

    public long idleTimeoutMs()
    {
        return idleTimeoutMs;
    }

    /** @return the configured analytics token, or null to use (or create) the data dir's token file. */
    public String analyticsToken()
    {
        return analyticsToken == null ? null : analyticsToken.trim();
    }

    public ClickIngestOptions clicks()
    {
        return clicks;
    }

    /** The port's connection limits (32,768 open unless set). */
    public ConnectionLimits connectionLimits()
    {
        return connections.limits("aggregator", 32_768);
    }
}
